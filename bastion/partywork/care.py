"""Care for the front line (关心关爱一线人员, R23): the difficulties of front-line workers
(above all the hospital's) registered, assigned to someone and resolved; protective
equipment issued to them; their hours on duty from the rosters beside it all.

CARE_FRONTLINE over the worker (the people in reach) registers, assigns and issues; the one a
case is assigned to may resolve it too. Out of reach is a 404.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.notify.services import notify
from bastion.org.models import Person, Unit, UnitKind
from bastion.partywork.duty import hours_between, weekly_limit
from bastion.partywork.models import CareCase, DutyShift, EquipmentIssue

DIFFICULTY_MAX = 2000
RESOLUTION_MAX = 2000
ITEM_MAX = 100
QUANTITY_MAX = 100_000
HOURS_DAYS = 7  # a worker's hours are those of the last week
EQUIPMENT_DAYS = 30  # equipment shown beside a worker: issued within the last month
WORKERS_LIMIT = 300


class CareRefused(Refused):
    """A step on a care case or an issue of equipment that may not happen: nothing written.

    `status`: 404 for a worker or case out of reach, 403 in reach without the CARE_FRONTLINE
    right, 409 for a case already resolved, 400 for bad input.
    """


def _not_found() -> CareRefused:
    return CareRefused(_("Not found, or not in your reach."), status=404)


def no_right() -> CareRefused:
    return CareRefused(
        _("Caring for front-line staff is not among your duties: it needs the care right."),
        status=403,
    )


def _localized(text: str, **values: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=CareRefused, **checks)


def _reach_check(actor: User, person: Person) -> Scope:
    """404 when the person is out of reach, 403 when in reach without the right."""
    scope = scope_of(actor)
    if not scope.people().filter(pk=person.pk).exists():
        raise CareRefused(_("%(name)s is not in your reach.") % {"name": person.name}, status=404)
    if not scope.has(Perm.CARE_FRONTLINE):
        raise no_right()
    return scope


def _hospital_q(prefix: str = "") -> Q:
    """Q over Person (or over a model whose person is `prefix`): the hospital's staff."""
    paths = list(Unit.objects.filter(kind=UnitKind.HOSPITAL).values_list("path", flat=True))
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, [Q(**{f"{prefix}unit__path__startswith": p}) for p in paths])


# --- selectors -------------------------------------------------------------------------------


def care_cases_visible(*, scope: Scope) -> QuerySet[CareCase]:
    """The cases of workers in reach (with the care right) and those assigned to oneself."""
    q = Q(pk__in=[])
    if scope.person_id is not None:
        q = Q(assigned_to_id=scope.person_id)
    if scope.has(Perm.CARE_FRONTLINE):
        in_reach = scope.people_q("person__")
        # An empty Q (everyone) would vanish in an OR: it stands for every case.
        q = (q | in_reach) if in_reach else Q()
    return CareCase.objects.filter(q).select_related(
        "person", "person__unit", "assigned_to", "registered_by", "registered_by__person"
    )


def care_case_for(user: User, uid: uuid.UUID | str) -> CareCase:
    return by_uid(care_cases_visible(scope=scope_of(user)), uid, missing=_not_found)


def care_cases_open(*, scope: Scope) -> QuerySet[CareCase]:
    """The open cases in reach, the hospital's staff first, then the oldest first."""
    first = Case(When(_hospital_q("person__"), then=Value(0)), default=Value(1))
    return (
        care_cases_visible(scope=scope)
        .filter(resolved_at__isnull=True)
        .annotate(hospital_last=first)
        .order_by("hospital_last", "registered_at", "pk")
    )


def care_cases_resolved(*, scope: Scope) -> QuerySet[CareCase]:
    return (
        care_cases_visible(scope=scope)
        .filter(resolved_at__isnull=False)
        .order_by("-resolved_at", "-pk")
    )


@dataclass
class Worker:
    """A front-line worker: hours on duty in the last week, open cases, equipment issued."""

    person: Person
    hospital: bool
    hours: float = 0
    limit: int = 0
    open_cases: int = 0
    equipment: list[tuple[str, int]] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.hours > self.limit


def care_workers(*, scope: Scope, now: dt.datetime) -> list[Worker]:
    """The workers in reach who held shifts in the last week, have an open case or were
    issued equipment in the last month: hospital staff first, then the most hours. A handful
    of grouped queries."""
    if not scope.has(Perm.CARE_FRONTLINE):
        return []
    in_reach = scope.people_q("person__")
    hours = hours_between(
        DutyShift.objects.filter(in_reach),
        start=now - dt.timedelta(days=HOURS_DAYS),
        end=now,
    )
    cases = dict(
        CareCase.objects.filter(in_reach, resolved_at__isnull=True)
        .values_list("person_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    since = business_day(now) - dt.timedelta(days=EQUIPMENT_DAYS)
    equipment: dict[int, list[tuple[str, int]]] = defaultdict(list)
    issued = (
        EquipmentIssue.objects.filter(in_reach, issued_on__gte=since)
        .values("person_id", "item")
        .annotate(n=Sum("quantity"))
        .order_by("person_id", "item")
    )
    for row in issued:
        equipment[row["person_id"]].append((row["item"], row["n"]))
    ids = set(hours) | set(cases) | set(equipment)
    if not ids:
        return []
    limit = weekly_limit()
    people = (
        Person.objects.filter(pk__in=ids)
        .annotate(
            at_hospital=Case(
                When(_hospital_q(), then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .select_related("unit")
    )
    workers = [
        Worker(
            person=p,
            hospital=bool(p.at_hospital),
            hours=hours.get(p.pk, 0),
            limit=limit,
            open_cases=cases.get(p.pk, 0),
            equipment=equipment.get(p.pk, []),
        )
        for p in people
    ]
    workers.sort(key=lambda w: (not w.hospital, -w.hours, w.person.number))
    return workers[:WORKERS_LIMIT]


def equipment_recent(*, scope: Scope, limit: int = 50) -> QuerySet[EquipmentIssue]:
    """The latest issues of equipment to people in reach (with the care right)."""
    if not scope.has(Perm.CARE_FRONTLINE):
        return EquipmentIssue.objects.none()
    return (
        EquipmentIssue.objects.filter(scope.people_q("person__"))
        .select_related("person", "person__unit")
        .order_by("-issued_on", "-pk")[:limit]
    )


# --- services --------------------------------------------------------------------------------


def _locked(case: CareCase) -> CareCase:
    return CareCase.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)


def _open_check(case: CareCase) -> None:
    if case.resolved_at is not None:
        raise CareRefused(_("This case is already resolved."), status=409)


def _locked_open(case: CareCase) -> CareCase:
    case = _locked(case)
    _open_check(case)
    return case


def care_case_register(
    *, actor: User, person: Person, difficulty: Any, now: dt.datetime | None = None
) -> CareCase:
    """Register a front-line worker's difficulty."""
    now = now or timezone.now()
    _reach_check(actor, person)
    difficulty = _text(difficulty, limit=DIFFICULTY_MAX, what=_("difficulty"), required=True)
    with transaction.atomic():
        return CareCase.objects.create(
            person=person, difficulty=difficulty, registered_by=actor, registered_at=now
        )


def care_case_assign(
    *, actor: User, case: CareCase, to_person: Person, now: dt.datetime | None = None
) -> CareCase:
    """Give an open case to someone in reach to solve; they are told."""
    _reach_check(actor, case.person)
    scope = scope_of(actor)
    if not scope.people().filter(pk=to_person.pk).exists():
        raise CareRefused(
            _("%(name)s is not in your reach.") % {"name": to_person.name}, status=404
        )
    with transaction.atomic():
        case = _locked_open(case)
        case.assigned_to = to_person
        case.save(update_fields=["assigned_to"])
        notify(
            key=f"care:{case.uid}:assigned:{to_person.number}",
            recipients=[to_person],
            subject=_localized(
                gettext_noop("A difficulty of %(name)s to solve"), name=case.person.name
            ),
            body=_localized(
                gettext_noop(
                    "You are asked to solve this difficulty of %(name)s, a front-line worker: "
                    "%(difficulty)s"
                ),
                name=case.person.name,
                difficulty=case.difficulty,
            ),
        )
    return case


def care_case_resolve(
    *, actor: User, case: CareCase, resolution: Any, now: dt.datetime | None = None
) -> CareCase:
    """Close a case with what was done: by the one it is assigned to, or one with the care
    right over the worker."""
    now = now or timezone.now()
    resolution = _text(resolution, limit=RESOLUTION_MAX, what=_("resolution"), required=True)
    with transaction.atomic():
        case = _locked(case)  # who it is assigned to, as it is now
        if actor.person_id is None or actor.person_id != case.assigned_to_id:
            _reach_check(actor, case.person)
        _open_check(case)
        case.resolution = resolution
        case.resolved_at = now
        case.save(update_fields=["resolution", "resolved_at"])
    return case


def _quantity(value: Any) -> int:
    try:
        quantity = int(clean(value))
    except ValueError:
        raise CareRefused(_("The quantity must be a whole number.")) from None
    if not 0 < quantity <= QUANTITY_MAX:
        raise CareRefused(_("The quantity must be between 1 and %(max)d.") % {"max": QUANTITY_MAX})
    return quantity


def equipment_issue(
    *, actor: User, person: Person, item: Any, quantity: Any, on: Any
) -> EquipmentIssue:
    """Record protective equipment issued to a front-line worker on a day (not ahead)."""
    _reach_check(actor, person)
    item = _text(item, limit=ITEM_MAX, what=_("item"), required=True)
    quantity = _quantity(quantity)
    day = day_input(on, what=_("day issued"), refused=CareRefused)
    if day > business_day():
        raise CareRefused(_("Equipment is recorded once issued, not ahead."))
    with transaction.atomic():
        return EquipmentIssue.objects.create(
            person=person, item=item, quantity=quantity, issued_on=day, issued_by=actor
        )
