"""Community liaison and student care: the reads, each starting from what the actor may see."""

from django.db.models import Count, QuerySet

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.liaison.models import CareRequest, CareRequestState, CommunityContact, Handover
from bastion.liaison.services import kept_units_q, unit_chain_q
from bastion.org.models import Person, Unit
from bastion.tracing.models import Isolation, IsolationKind, IsolationState


def units_kept(actor: User) -> QuerySet[Unit]:
    """The units whose contacts the actor keeps."""
    return Unit.objects.filter(kept_units_q(actor)).order_by("path")


def units_seen(actor: User) -> QuerySet[Unit]:
    """The units whose contacts the actor may read: those in reach, with the liaison duty."""
    if not scope_of(actor).has(Perm.LIAISON):
        return Unit.objects.none()
    return scope_of(actor).units()


def contacts_for_unit(unit: Unit, *, active_only: bool = True) -> QuerySet[CommunityContact]:
    """The contacts of the unit and those inherited from the units above it, nearest first."""
    contacts = CommunityContact.objects.filter(unit_chain_q(unit)).select_related("unit")
    if active_only:
        contacts = contacts.filter(is_active=True)
    return contacts.order_by("-unit__depth", "kind", "organization", "name")


def contacts_seen(actor: User) -> QuerySet[CommunityContact]:
    """The contacts the actor may reach by uid: those of the units in reach and above them."""
    paths = set()
    for path in units_seen(actor).values_list("path", flat=True):
        paths |= {path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)}
    return CommunityContact.objects.filter(unit__path__in=sorted(paths)).select_related("unit")


def home_isolations(actor: User) -> QuerySet[Isolation]:
    """The active home isolations of the people in reach, for a liaison holder."""
    scope = scope_of(actor)
    if not scope.has(Perm.LIAISON):
        return Isolation.objects.none()
    return (
        Isolation.objects.filter(
            scope.people_q("person__"), kind=IsolationKind.HOME, state=IsolationState.ACTIVE
        )
        .select_related("person", "person__unit")
        .annotate(handovers_count=Count("handovers"))
        .order_by("starts_on", "pk")
    )


def isolations_seen(actor: User) -> QuerySet[Isolation]:
    """Every isolation of the people in reach (the page shows one; services say what may be
    done to it)."""
    return Isolation.objects.filter(scope_of(actor).people_q("person__")).select_related(
        "person", "person__unit"
    )


def handovers_of(isolation: Isolation) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(isolation=isolation)
        .select_related("contact", "contact__unit", "by", "by__person")
        .order_by("handed_over_at", "pk")
    )


def handovers_seen(actor: User) -> QuerySet[Handover]:
    return Handover.objects.filter(scope_of(actor).people_q("isolation__person__")).select_related(
        "isolation", "isolation__person"
    )


def care_requests_of(person: Person) -> QuerySet[CareRequest]:
    return (
        CareRequest.objects.filter(person=person)
        .select_related("handler")
        .order_by("-requested_at", "-pk")
    )


def care_requests_seen(actor: User) -> QuerySet[CareRequest]:
    """The requests of the people in reach (and the actor's own)."""
    return CareRequest.objects.filter(scope_of(actor).people_q("person__")).select_related(
        "person", "person__unit", "handler"
    )


def care_queue(actor: User, *, state: str = CareRequestState.OPEN) -> QuerySet[CareRequest]:
    """The requests of the students in reach in one state, oldest first."""
    if not scope_of(actor).has(Perm.STUDENT_CARE):
        return CareRequest.objects.none()
    return (
        care_requests_seen(actor)
        .exclude(person_id=actor.person_id)
        .filter(state=state)
        .order_by("requested_at", "pk")
    )


def care_counts(actor: User) -> dict[str, dict[str, int]]:
    """{kind: {state: n}} over the requests of the students in reach, in one query."""
    if not scope_of(actor).has(Perm.STUDENT_CARE):
        return {}
    counts: dict[str, dict[str, int]] = {}
    rows = (
        care_requests_seen(actor)
        .exclude(person_id=actor.person_id)
        .order_by()
        .values("kind", "state")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["kind"], {})[row["state"]] = row["n"]
    return counts
