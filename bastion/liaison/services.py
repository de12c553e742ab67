"""Community liaison (属地管理, R27) and student care (R26): the writes.

Contacts are kept by those who hold a liaison duty over a unit (or a unit above it); a
hand-over records to whom in the community a person isolating at home off campus was handed,
and the community's acknowledgement; a student's request for care is routed to their
counselor, taken up and seen done, and the student is told.

Refusals (LiaisonRefused): 400 bad input, 403 in reach without the duty, 404 out of reach or
missing. Nothing is written when one is raised.
"""

import datetime as dt
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bastion.accounts.models import User
from bastion.accounts.roles import ROLES, Perm, Reach, Role
from bastion.accounts.scoping import scope_of
from bastion.checkins.models import CheckIn
from bastion.liaison.models import (
    CareRequest,
    CareRequestState,
    CommunityContact,
    ContactKind,
    Handover,
    NeedKind,
)
from bastion.lib import divisions
from bastion.lib.inputs import text_input
from bastion.lib.refusals import Refused
from bastion.lib.text import compact
from bastion.notify.services import notify
from bastion.org.models import Person, PersonKind, Position, Unit
from bastion.org.responsibility import chain_for_person
from bastion.tracing.models import Isolation, IsolationKind, IsolationState

# A mobile (13800000000) or a landline with its area code (027 8888 8888, 010-12345678).
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}\d{7,8}")


class LiaisonRefused(Refused):
    """Bad input (400), no duty (403), out of reach or missing (404); nothing written."""


def _not_found() -> LiaisonRefused:
    return LiaisonRefused(_("Not found, or not in your reach."), status=404)


# --- who keeps what -----------------------------------------------------------------------


def kept_units_q(actor: User | None) -> Q:
    """Q over Unit: the units whose contacts `actor` keeps, those under a position they hold
    with the liaison duty (the leading group keeps every unit)."""
    person_id = getattr(actor, "person_id", None)
    if actor is None or person_id is None:
        return Q(pk__in=[])
    if actor.is_superuser:
        return Q()
    parts: list[Q] = []
    for position in Position.objects.active().filter(person_id=person_id).select_related("unit"):
        spec = ROLES[Role(position.role)]
        if Perm.LIAISON not in spec.perms:
            continue
        if spec.reach is Reach.EVERYONE:
            return Q()
        if position.unit is not None:
            parts.append(Q(path__startswith=position.unit.path))
    if not parts:
        return Q(pk__in=[])
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def may_keep_unit(actor: User | None, unit: Unit) -> bool:
    return Unit.objects.filter(kept_units_q(actor), pk=unit.pk).exists()


def _check_unit(actor: User, unit: Unit) -> None:
    """404 when the unit is out of reach, 403 when in reach but not kept by the actor."""
    scope = scope_of(actor)
    if not scope.units().filter(pk=unit.pk).exists() and not may_keep_unit(actor, unit):
        raise _not_found()
    if not scope.has(Perm.LIAISON) or not may_keep_unit(actor, unit):
        raise LiaisonRefused(
            _(
                "Only a counselor, a college leader or the leading group over this unit keeps its "
                "community contacts."
            ),
            status=403,
        )


# --- contacts -------------------------------------------------------------------------------


def _contact_fields(
    *, kind: str, organization: str, name: str, phone: str, division: str, note: str
) -> dict[str, str]:
    if kind not in ContactKind.values:
        raise LiaisonRefused(_("Choose what kind of contact this is."))
    fields = {
        "kind": kind,
        "organization": text_input(
            organization,
            limit=100,
            what=_("organization"),
            required=True,
            refused=LiaisonRefused,
        ),
        "name": text_input(name, limit=50, what=_("name"), required=True, refused=LiaisonRefused),
        "note": text_input(note, limit=200, what=_("note"), refused=LiaisonRefused),
    }
    number = compact(phone).replace("-", "")
    if not number:
        raise LiaisonRefused(_("Fill in the phone."))
    if not PHONE.fullmatch(number):
        raise LiaisonRefused(
            _("The phone must be a mobile number of 11 digits or a landline with its area code.")
        )
    fields["phone"] = number
    code = compact(division)
    if code and divisions.get(code) is None:
        raise LiaisonRefused(_("The division code is not a division of China."))
    fields["division"] = code
    return fields


def contact_add(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    organization: str,
    name: str,
    phone: str,
    division: str = "",
    note: str = "",
) -> CommunityContact:
    """Add a community contact to a unit the actor keeps."""
    _check_unit(actor, unit)
    fields = _contact_fields(
        kind=kind, organization=organization, name=name, phone=phone, division=division, note=note
    )
    with transaction.atomic():
        return CommunityContact.objects.create(unit=unit, **fields)


def contact_edit(
    *,
    actor: User,
    contact: CommunityContact,
    kind: str,
    organization: str,
    name: str,
    phone: str,
    division: str = "",
    note: str = "",
) -> CommunityContact:
    """Change a contact of a unit the actor keeps."""
    _check_unit(actor, contact.unit)
    fields = _contact_fields(
        kind=kind, organization=organization, name=name, phone=phone, division=division, note=note
    )
    with transaction.atomic():
        for field, value in fields.items():
            setattr(contact, field, value)
        contact.save(update_fields=list(fields))
    return contact


def contact_deactivate(*, actor: User, contact: CommunityContact) -> CommunityContact:
    """Retire a contact (kept for the hand-overs that name it); a second call changes nothing."""
    _check_unit(actor, contact.unit)
    if contact.is_active:
        with transaction.atomic():
            contact.is_active = False
            contact.save(update_fields=["is_active"])
    return contact


def unit_chain_q(unit: Unit) -> Q:
    """Q over CommunityContact: those of the unit and every unit above it."""
    prefixes = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return Q(unit__path__in=prefixes)


# --- hand-overs -------------------------------------------------------------------------------


def _check_isolation(actor: User, isolation: Isolation) -> None:
    scope = scope_of(actor)
    if not scope.people().filter(pk=isolation.person_id).exists():
        raise _not_found()
    if not scope.has(Perm.LIAISON) or actor.person_id == isolation.person_id:
        raise LiaisonRefused(
            _(
                "Only a counselor, a college leader or the leading group hands a person over to "
                "the community."
            ),
            status=403,
        )


def on_campus(person: Person) -> bool:
    """Whether the person's last check-in says they are on campus."""
    last = CheckIn.objects.filter(person=person).order_by("-day").first()
    return bool(last and last.on_campus)


def handover_record(
    *,
    actor: User,
    isolation: Isolation,
    contact: CommunityContact,
    note: str = "",
    now: dt.datetime | None = None,
) -> Handover:
    """Record that a person isolating at home off campus was handed over to a community
    contact of their units."""
    now = now or timezone.now()
    _check_isolation(actor, isolation)
    if isolation.kind != IsolationKind.HOME or isolation.state != IsolationState.ACTIVE:
        raise LiaisonRefused(
            _("Only a person under home isolation is handed over to the community.")
        )
    person = isolation.person
    if on_campus(person):
        raise LiaisonRefused(
            _("This person checks in on campus: the campus, not the community, looks after them.")
        )
    if (
        not contact.is_active
        or not CommunityContact.objects.filter(unit_chain_q(person.unit), pk=contact.pk).exists()
    ):
        raise LiaisonRefused(_("Choose an active contact of this person's units."))
    text = text_input(note, limit=2000, what=_("note"), refused=LiaisonRefused)
    with transaction.atomic():
        return Handover.objects.create(
            isolation=isolation, contact=contact, handed_over_at=now, note=text, by=actor
        )


def handover_acknowledge(
    *, actor: User, handover: Handover, now: dt.datetime | None = None
) -> Handover:
    """Record that the community confirmed the hand-over; a second call changes nothing."""
    now = now or timezone.now()
    _check_isolation(actor, handover.isolation)
    if handover.acknowledged_at is None:
        with transaction.atomic():
            handover.acknowledged_at = now
            handover.save(update_fields=["acknowledged_at"])
    return handover


# --- student care -----------------------------------------------------------------------------


def care_counselor(person: Person) -> Person | None:
    """Who a student's request goes to: the counselor nearest their class, else the first of
    those who answer for them."""
    prefixes = [
        person.unit.path[:end]
        for end in range(Unit.steplen, len(person.unit.path) + 1, Unit.steplen)
    ]
    counselor = (
        Position.objects.active()
        .filter(role=Role.COUNSELOR, unit__path__in=prefixes)
        .exclude(person=person)
        .select_related("person", "unit")
        .order_by("-unit__depth", "person__number")
        .first()
    )
    if counselor is not None:
        return counselor.person
    levels = chain_for_person(person)
    return levels[0].people[0] if levels else None


def _care_may_handle(actor: User, request: CareRequest) -> None:
    scope = scope_of(actor)
    if not scope.people().filter(pk=request.person_id).exists():
        raise _not_found()
    if not scope.has(Perm.STUDENT_CARE) or actor.person_id == request.person_id:
        raise LiaisonRefused(
            _("Only a counselor, a college leader or Student Affairs takes up a request for care."),
            status=403,
        )


def care_request(
    *,
    actor: User,
    person: Person,
    kind: str,
    detail: str,
    client_id: str = "",
    now: dt.datetime | None = None,
) -> CareRequest:
    """A student asks for care (or their counselor asks for them); the counselor is told
    (the outbox row is written with the request, delivered after commit). The same client_id
    twice answers the first request."""
    now = now or timezone.now()
    own = actor.person_id is not None and actor.person_id == person.pk
    if not own:
        scope = scope_of(actor)
        if not scope.people().filter(pk=person.pk).exists():
            raise _not_found()
        if not scope.has(Perm.STUDENT_CARE):
            raise LiaisonRefused(
                _("Only the student or their counselor asks for care for a student."), status=403
            )
    client_id = compact(client_id)[:64]
    if client_id:
        found = CareRequest.objects.filter(person=person, client_id=client_id).first()
        if found is not None:
            return found
    if person.kind != PersonKind.STUDENT:
        raise LiaisonRefused(_("Requests for care are for students."))
    if kind not in NeedKind.values:
        raise LiaisonRefused(_("Choose what you need."))
    text = text_input(
        detail,
        limit=1000,
        what=pgettext("care request", "detail"),
        required=_("Say what you need."),
        refused=LiaisonRefused,
    )
    counselor = care_counselor(person)
    with transaction.atomic():
        # One at a time per person: a replay sent twice at once finds the first.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        if client_id:
            found = CareRequest.objects.filter(person=person, client_id=client_id).first()
            if found is not None:
                return found
        request = CareRequest.objects.create(
            person=person, kind=kind, detail=text, requested_at=now, client_id=client_id
        )
        if counselor is not None:
            _tell_counselor(request, counselor)
    return request


def _tell_counselor(request: CareRequest, counselor: Person) -> None:
    notify(
        key=f"care:{request.uid}:requested",
        recipients=[counselor],
        subject=_("%(name)s asks for care: %(kind)s")
        % {"name": request.person.name, "kind": request.get_kind_display()},
        body=request.detail,
    )


def care_take(*, actor: User, request: CareRequest) -> CareRequest:
    """Take up an open request; taking one already in one's hands changes nothing."""
    _care_may_handle(actor, request)
    if request.state == CareRequestState.DONE:
        raise LiaisonRefused(_("This request is already done."))
    if request.state == CareRequestState.IN_HAND and request.handler_id == actor.person_id:
        return request
    with transaction.atomic():
        request.state = CareRequestState.IN_HAND
        request.handler = actor.person
        request.save(update_fields=["state", "handler"])
    return request


def care_done(
    *, actor: User, request: CareRequest, outcome: str, now: dt.datetime | None = None
) -> CareRequest:
    """Close a request with what was done; the student is told."""
    now = now or timezone.now()
    _care_may_handle(actor, request)
    if request.state == CareRequestState.DONE:
        raise LiaisonRefused(_("This request is already done."))
    text = text_input(
        outcome,
        limit=1000,
        what=_("outcome"),
        required=_("Say what was done."),
        refused=LiaisonRefused,
    )
    with transaction.atomic():
        request.state = CareRequestState.DONE
        request.handler = request.handler or actor.person
        request.outcome = text
        request.done_at = now
        request.save(update_fields=["state", "handler", "outcome", "done_at"])
        _tell_student(request)
    return request


def _tell_student(request: CareRequest) -> None:
    notify(
        key=f"care:{request.uid}:done",
        recipients=[request.person],
        subject=_("Your request for care is done: %(kind)s") % {"kind": request.get_kind_display()},
        body=request.outcome,
    )
