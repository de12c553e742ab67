"""Contacts (密切接触者, R10): Bastion's proposals, a tracer's decisions, contacts of contacts,
and the chain of transmission as a graph.

On a campus most contacts can be found from where people live, study and work: the same
dormitory room or floor, class, lab or office; and from trips on the same train or flight on
the same day. Bastion proposes them in a handful of queries whatever the size of the
university; a tracer confirms each (which starts an isolation) or dismisses it.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.models import Action
from bastion.audit.services import audit_bulk
from bastion.lib import dorms
from bastion.lib.days import business_day
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.org.models import Grid, Person, PersonKind, Unit, UnitKind
from bastion.tracing.isolation import isolation_start
from bastion.tracing.models import (
    Case,
    CaseStatus,
    Closeness,
    Contact,
    ContactSetting,
    ContactState,
    Isolation,
    IsolationState,
    Transport,
    Trip,
)

NOTE_MAX = 200
OUT_OF_REACH = "（范围外）"
GRAPH_DEPTH = 3  # cases followed along the chain of transmission, the first one included


class ContactRefused(Refused):
    """A contact that cannot be added or decided: 400 for bad input or a wrong state, 404 for
    a case, person or contact out of reach (the same answer as a missing one)."""


def _not_found() -> ContactRefused:
    return ContactRefused(_("Not found, or not in your reach."), status=404)


# --- proposals ---------------------------------------------------------------------------

# The settings from strongest to weakest: one proposal per (case, person) keeps the first.
# A lab is close: its members share benches, instruments and a small room for hours a day,
# which is what the national protocol calls close (共同工作、学习于同一房间); a class meets in
# a lecture hall and a floor shares corridors and washrooms, so both are general.
STRENGTH = [
    ContactSetting.DORM_ROOM,
    ContactSetting.TRAIN,
    ContactSetting.FLIGHT,
    ContactSetting.LAB,
    ContactSetting.DORM_FLOOR,
    ContactSetting.CLASS,
    ContactSetting.UNIT,
]
RANK = {setting: i for i, setting in enumerate(STRENGTH)}
CLOSENESS = {
    ContactSetting.DORM_ROOM: Closeness.CLOSE,
    ContactSetting.TRAIN: Closeness.CLOSE,
    ContactSetting.FLIGHT: Closeness.CLOSE,
    ContactSetting.LAB: Closeness.CLOSE,
    ContactSetting.DORM_FLOOR: Closeness.GENERAL,
    ContactSetting.CLASS: Closeness.GENERAL,
    ContactSetting.UNIT: Closeness.GENERAL,
}
LAB_KINDS = (UnitKind.LAB, UnitKind.RESEARCH_GROUP)


@dataclass(frozen=True)
class Found:
    setting: str
    reason: str
    exposure_on: dt.date


def _day_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _window(*, case: Case, source_id: int, now: dt.datetime) -> tuple[int, dt.date, dt.date]:
    """(degree, first day, last day) of the exposure to `source_id`.

    For the case's person: the campaign's contact window before the discovery, up to the
    discovery (or the isolation, if earlier). For a confirmed contact's person: from their
    own exposure up to the day they were confirmed, when they were isolated in their turn.
    """
    window = dt.timedelta(days=case.campaign.contact_window_days)
    if source_id == case.person_id:
        last = business_day(case.discovered_at)
        if case.isolated_at is not None:
            last = min(last, business_day(case.isolated_at))
        return 1, last - window, last
    link = (
        Contact.objects.filter(
            case=case, person_id=source_id, degree=1, state=ContactState.CONFIRMED
        )
        .only("exposure_on", "decided_at")
        .first()
    )
    if link is None:
        raise ContactRefused(_("Contacts of contacts are proposed only for a confirmed contact."))
    last = business_day(link.decided_at or now)
    return 2, max(link.exposure_on, last - window), last


def shared_places(source: Person, *, day: dt.date) -> Iterator[tuple[int, Found]]:
    """Who shares a room, floor, class, lab or office with `source`: one query."""
    where: list[Q] = []
    dormitory = source.dormitory.strip()
    dorm = dorms.parse(dormitory)
    floor_prefix = dorm.floor_prefix if dorm is not None else ""
    if floor_prefix:
        # The floor's possible rooms, rather than a prefix: LIKE 'x%' uses no b-tree index on
        # SQLite (case-insensitive LIKE) nor on PostgreSQL outside the C collation, while
        # equality does on both; and floor 3 ("一号楼301") is not floor 30 ("一号楼3001").
        rooms = [f"{floor_prefix}{n:02d}" for n in range(100)]
        where.append(Q(dormitory__in=rooms + [f"{r}室" for r in rooms]))
    elif dormitory:
        where.append(Q(dormitory=dormitory))
    grid: Grid | None = source.grid
    if grid is not None and grid.kind == Grid.Kind.DORMITORY_FLOOR:
        where.append(Q(grid_id=grid.pk))
    unit: Unit = source.unit
    labs: dict[int, Unit] = {}
    if source.lab_id is not None:
        labs[source.lab_id] = source.lab
    if unit.kind in LAB_KINDS:
        labs[unit.pk] = unit
    if labs:
        where += [Q(unit_id__in=labs), Q(lab_id__in=labs)]
    is_class = unit.kind == UnitKind.CLASS
    is_office = unit.kind == UnitKind.OFFICE and source.kind == PersonKind.STAFF
    if is_class or is_office:
        where.append(Q(unit_id=unit.pk))
    if not where:
        return
    rows = (
        Person.objects.filter(reduce(or_, where))
        .exclude(pk=source.pk)
        .values_list("pk", "dormitory", "unit_id", "lab_id", "grid_id")
    )
    for pk, their_dormitory, unit_id, lab_id, grid_id in rows.order_by():
        if dormitory and their_dormitory == dormitory:
            yield pk, Found(ContactSetting.DORM_ROOM, f"同宿舍 {dormitory}", day)
        if labs and (unit_id in labs or lab_id in labs):
            lab = labs[unit_id] if unit_id in labs else labs[lab_id]
            word = "同实验室" if lab.kind == UnitKind.LAB else "同课题组"
            yield pk, Found(ContactSetting.LAB, f"{word} {lab.name}", day)
        if (
            floor_prefix
            and (theirs := dorms.parse(their_dormitory)) is not None
            and theirs.floor_prefix == floor_prefix
        ):
            yield pk, Found(ContactSetting.DORM_FLOOR, f"同楼层 {floor_prefix}层", day)
        elif grid is not None and grid_id == grid.pk and grid.kind == Grid.Kind.DORMITORY_FLOOR:
            yield pk, Found(ContactSetting.DORM_FLOOR, f"同楼层 {grid.name}", day)
        if is_class and unit_id == unit.pk:
            yield pk, Found(ContactSetting.CLASS, f"同班 {unit.name}", day)
        if is_office and unit_id == unit.pk:
            yield pk, Found(ContactSetting.UNIT, f"同办公室 {unit.name}", day)


def shared_trips(source_id: int, *, first: dt.date, last: dt.date) -> Iterator[tuple[int, Found]]:
    """Who took the same train or flight as `source_id` on the same day within the window:
    two queries on the (number, departs_on) index."""
    legs = set(
        Trip.objects.filter(
            person_id=source_id,
            transport__in=[Transport.TRAIN, Transport.FLIGHT],
            departs_on__range=(first, last),
        )
        .exclude(number="")
        .values_list("transport", "number", "departs_on")
        .order_by()
    )
    if not legs:
        return
    same = reduce(or_, [Q(transport=t, number=n, departs_on=d) for t, n, d in legs])
    rows = (
        Trip.objects.filter(same)
        .exclude(person_id=source_id)
        .values_list("person_id", "transport", "number", "departs_on")
        .order_by()
    )
    for pk, transport, number, day in rows:
        if transport == Transport.TRAIN:
            yield pk, Found(ContactSetting.TRAIN, f"同车次 {number} {_day_text(day)}", day)
        else:
            yield pk, Found(ContactSetting.FLIGHT, f"同航班 {number} {_day_text(day)}", day)


def contacts_propose(
    *, case: Case, source: Person | None = None, now: dt.datetime | None = None
) -> list[Contact]:
    """Bastion's proposals for `case`: the people who shared a room, floor, class, lab, office,
    train or flight with the case's person (degree 1), or with `source`, a confirmed contact
    of the case (degree 2). Returns the contacts it wrote.

    One proposal per (case, person), the strongest setting kept; never the case's person nor
    the source; people already contacts of the case are left as they are, so a second call
    writes nothing. A few queries and one bulk insert, whatever the size of the university.
    Duty shifts will join once duties are recorded (the Party-work issue).
    """
    now = now or timezone.now()
    source_id = case.person_id if source is None else source.pk
    degree, first, last = _window(case=case, source_id=source_id, now=now)
    person = Person.objects.select_related("unit", "grid", "lab").get(pk=source_id)
    best: dict[int, Found] = {}
    for pk, found in (
        *shared_places(person, day=last),
        *shared_trips(source_id, first=first, last=last),
    ):
        held = best.get(pk)
        if held is None or RANK[found.setting] < RANK[held.setting]:
            best[pk] = found
    best.pop(case.person_id, None)
    best.pop(source_id, None)
    if not best:
        return []
    already = set(Contact.objects.filter(case=case).values_list("person_id", flat=True).order_by())
    rows = [
        Contact(
            case=case,
            person_id=pk,
            source_id=source_id,
            degree=degree,
            exposure_on=found.exposure_on,
            setting=found.setting,
            closeness=CLOSENESS[found.setting],
            reason=found.reason[:200],
            state=ContactState.PROPOSED,
            proposed=True,
            created_at=now,
        )
        for pk, found in best.items()
        if pk not in already
    ]
    if not rows:
        return []
    with transaction.atomic():
        Contact.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        # Conflicting rows (a concurrent run) were skipped and got no key: read back what we
        # wrote.
        made = list(
            Contact.objects.filter(case=case, uid__in=[row.uid for row in rows]).select_related(
                "person"
            )
        )
        audit_bulk(Action.CREATE, made)
    return made


# --- a tracer's writes -------------------------------------------------------------------


def _may_trace(actor: User, *people: int) -> bool:
    scope = scope_of(actor)
    wanted = set(people)
    return scope.has(Perm.TRACE) and scope.people().filter(pk__in=wanted).count() == len(wanted)


def _note(note: Any) -> str:
    note = clean(note)
    if len(note) > NOTE_MAX:
        raise ContactRefused(_("The note is longer than 200 characters."))
    return note


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(clean(value))
    except ValueError:
        raise ContactRefused(_("The exposure date must be a day such as 2020-01-20.")) from None


def _isolate(*, actor: User, contact: Contact, now: dt.datetime) -> None:
    """Start the confirmed contact's isolation: central for a close contact, home otherwise.

    The reason does not name the case: whoever reaches the contact (their carer included)
    reads it, and the case's person may be out of their reach."""
    who = "病例的密切接触者" if contact.degree == 1 else "密切接触者的密切接触者"
    reason = f"{who}：{contact.reason or contact.get_setting_display()}"
    isolation_start(
        actor=actor,
        person=contact.person,
        kind="central" if contact.closeness == Closeness.CLOSE else "home",
        reason=reason[:200],
        contact=contact,
        now=now,
    )


def contact_add(
    *,
    actor: User,
    case: Case,
    person: Person,
    setting: Any,
    closeness: Any,
    exposure_on: Any,
    note: Any = "",
    now: dt.datetime | None = None,
) -> Contact:
    """A contact the tracer found and Bastion did not: written confirmed (the tracer's own
    finding needs no second decision), and their isolation started like any confirmation.

    Refused (nothing written): the case's person themself, an exposure in the future or
    before the window could matter, a person already a contact of the case, a bad setting or
    closeness (400); a case or person out of reach (404).
    """
    now = now or timezone.now()
    if not _may_trace(actor, case.person_id, person.pk):
        raise _not_found()
    if person.pk == case.person_id:
        raise ContactRefused(_("A person cannot be their own contact."))
    setting, closeness = clean(setting), clean(closeness)
    if setting not in ContactSetting.values:
        raise ContactRefused(
            _("Unknown setting %(s)s: one of %(known)s.")
            % {"s": setting or "—", "known": ", ".join(ContactSetting.values)}
        )
    if closeness not in Closeness.values:
        raise ContactRefused(_("Say whether the contact was close or general."))
    day = _day(exposure_on)
    if day > business_day(now):
        raise ContactRefused(_("The exposure cannot be in the future."))
    note = _note(note)
    if Contact.objects.filter(case=case, person=person).exists():
        raise ContactRefused(_("This person is already a contact of this case."))
    with transaction.atomic():
        contact = Contact.objects.create(
            case=case,
            person=person,
            source_id=case.person_id,
            degree=1,
            exposure_on=day,
            setting=setting,
            closeness=closeness,
            reason=note or ContactSetting(setting).label,
            state=ContactState.CONFIRMED,
            proposed=False,
            created_at=now,
            decided_at=now,
            decided_by=actor,
            note=note,
        )
        _isolate(actor=actor, contact=contact, now=now)
    return contact


def contact_decide(
    *, actor: User, contact: Contact, confirm: bool, note: Any = "", now: dt.datetime | None = None
) -> Contact:
    """Confirm a proposed contact (and start their isolation: central for a close contact,
    home for a general one) or dismiss it with a note. Refused: a contact already decided
    (400); a tracer without reach over the contact's person (404)."""
    now = now or timezone.now()
    if not _may_trace(actor, contact.person_id):
        raise _not_found()
    note = _note(note)
    with transaction.atomic():
        locked = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("case__person", "person")
            .get(pk=contact.pk)
        )
        if locked.state != ContactState.PROPOSED:
            raise ContactRefused(_("This contact has already been decided."))
        locked.state = ContactState.CONFIRMED if confirm else ContactState.DISMISSED
        locked.decided_at = now
        locked.decided_by = actor
        locked.note = note
        locked.save(update_fields=["state", "decided_at", "decided_by", "note"])
        if confirm:
            _isolate(actor=actor, contact=locked, now=now)
    return locked


def contacts_of_contact_propose(
    *, actor: User, contact: Contact, now: dt.datetime | None = None
) -> list[Contact]:
    """Bastion's proposals of degree 2 for a confirmed direct contact: the people who shared a
    place or a trip with them since their exposure."""
    if not _may_trace(actor, contact.person_id):
        raise _not_found()
    if contact.degree != 1 or contact.state != ContactState.CONFIRMED:
        raise ContactRefused(_("Contacts of contacts are proposed only for a confirmed contact."))
    return contacts_propose(case=contact.case, source=contact.person, now=now)


# --- selectors ---------------------------------------------------------------------------


def contacts_visible(*, scope: Scope) -> QuerySet[Contact]:
    """The contacts whose person is in the viewer's reach, newest first."""
    return (
        Contact.objects.filter(scope.people_q(prefix="person__"))
        .select_related("person", "person__unit", "case", "case__person")
        .order_by("-created_at", "pk")
    )


def case_contacts_visible(*, scope: Scope, case: Case) -> QuerySet[Contact]:
    """A case's contacts whose person is in the viewer's reach, nearest first."""
    return (
        contacts_visible(scope=scope)
        .filter(case=case)
        .select_related("source")
        .order_by("degree", "closeness", "person__number")
    )


def contact_for(user: User, uid: uuid.UUID | str) -> Contact:
    """One visible contact, or ContactRefused(404)."""
    return by_uid(contacts_visible(scope=scope_of(user)), uid, missing=_not_found)


def contacts_ledger(
    *,
    scope: Scope,
    unit: Unit | None = None,
    state: str = "",
    closeness: str = "",
) -> QuerySet[Contact]:
    """The contacts ledger (密切接触者台账): in reach, filtered, in print order."""
    contacts = contacts_visible(scope=scope)
    if unit is not None:
        contacts = contacts.filter(person__unit__path__startswith=unit.path)
    if state:
        contacts = contacts.filter(state=state)
    if closeness:
        contacts = contacts.filter(closeness=closeness)
    return contacts.order_by("-case__discovered_at", "case_id", "degree", "person__number")


def isolation_states(person_ids: list[int]) -> dict[int, str]:
    """Each person's latest isolation state (label), in one query."""
    found: dict[int, str] = {}
    rows = (
        Isolation.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-proposed_at")
        .values_list("person_id", "state")
    )
    labels = dict(IsolationState.choices)
    for person_id, state in rows:
        found.setdefault(person_id, str(labels[state]))
    return found


def names_in_reach(scope: Scope, person_ids: set[int]) -> set[int]:
    """Of `person_ids`, those whose names the viewer may read."""
    return set(scope.people().filter(pk__in=person_ids).values_list("pk", flat=True).order_by())


# --- the chain of transmission ----------------------------------------------------------


def _case_category(status: str) -> str:
    return _("Case: %(status)s") % {"status": CaseStatus(status).label}


def _contact_category(degree: int, state: str) -> str:
    if degree == 1:
        return _("Contact") if state == ContactState.CONFIRMED else _("Proposed contact")
    if state == ContactState.CONFIRMED:
        return _("Contact of a contact")
    return _("Proposed contact of a contact")


def contact_graph(*, case: Case, scope: Scope) -> dict:
    """The chain of transmission from `case` for an ECharts force graph: its person, their
    confirmed and proposed contacts, and, where a contact later became a case, that case's
    contacts in turn (three cases deep). Two queries a level and one for the names; people
    out of the viewer's reach are shown without their names."""
    cases: dict[int, Case] = {}  # person id → the case of that person
    level = [case]
    contacts: list[Contact] = []
    seen_cases = {case.pk}
    for depth in range(GRAPH_DEPTH):
        for c in level:
            cases.setdefault(c.person_id, c)
        found = list(
            Contact.objects.filter(
                case__in=level,
                state__in=[ContactState.PROPOSED, ContactState.CONFIRMED],
            )
            .select_related("person")
            .order_by("case_id", "degree", "pk")
        )
        contacts += found
        if depth == GRAPH_DEPTH - 1 or not found:
            break
        level = list(
            Case.objects.filter(
                campaign_id=case.campaign_id,
                person_id__in={c.person_id for c in found},
            )
            .exclude(pk__in=seen_cases)
            .order_by("discovered_at")
        )
        seen_cases |= {c.pk for c in level}
        if not level:
            break
    people: dict[int, str] = {case.person_id: case.person.name}
    for c in contacts:
        people.setdefault(c.person_id, c.person.name)
    readable = names_in_reach(scope, set(people) | {c.source_id for c in contacts})

    def name(pk: int) -> str:
        return people.get(pk, "") if pk in readable else OUT_OF_REACH

    nodes: dict[int, dict] = {}
    for pk, c in cases.items():
        nodes[pk] = {
            "id": str(pk),
            "name": name(pk),
            "category": _case_category(c.status),
            "symbolSize": 36,
        }
    links = []
    settings = dict(ContactSetting.choices)
    closeness = dict(Closeness.choices)
    states = dict(ContactState.choices)
    for c in contacts:
        nodes.setdefault(
            c.person_id,
            {
                "id": str(c.person_id),
                "name": name(c.person_id),
                "category": _contact_category(c.degree, c.state),
                "symbolSize": 24 if c.closeness == Closeness.CLOSE else 16,
            },
        )
        if c.source_id not in nodes:  # a source whose own link is not drawn
            nodes[c.source_id] = {
                "id": str(c.source_id),
                "name": name(c.source_id),
                "category": _contact_category(1, ContactState.CONFIRMED),
                "symbolSize": 24,
            }
        links.append(
            {
                "source": str(c.source_id),
                "target": str(c.person_id),
                "value": str(settings[c.setting]),
                "source_name": name(c.source_id),
                "target_name": name(c.person_id),
                "closeness": str(closeness[c.closeness]),
                "exposure_on": c.exposure_on.isoformat(),
                "state": str(states[c.state]),
                "degree": c.degree,
            }
        )
    categories = [_case_category(s) for s in CaseStatus.values] + [
        _contact_category(degree, state)
        for degree in (1, 2)
        for state in (ContactState.CONFIRMED, ContactState.PROPOSED)
    ]
    used = {n["category"] for n in nodes.values()}
    categories = [c for c in categories if c in used]
    index = {c: i for i, c in enumerate(categories)}
    for node in nodes.values():
        node["category"] = index[node["category"]]
    return {
        "categories": [{"name": c} for c in categories],
        "nodes": list(nodes.values()),
        "links": links,
    }
