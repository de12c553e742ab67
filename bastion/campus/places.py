"""Key places (重点场所, R13) and visitors (校外人员): who may enter a place, every entry and
exit logged with its reason, how many are inside; outsiders registered with a staff host and
a window of time, and barred from labs and student apartments.

Services and selectors of the sub-area in one module (as tracing.isolation): every write
checks everything first, then writes in one transaction. A refusal at the door is not an
exception: it is an access-log row with `admitted` false and the reason the keeper reads.
"""

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_update
from bastion.campus.models import (
    NO_VISITORS,
    AccessLog,
    Direction,
    KeyPlace,
    KeyPlaceKind,
    Visitor,
)
from bastion.lib import dorms, idcard
from bastion.lib.days import SHANGHAI, at, business_day
from bastion.lib.inputs import text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean, compact
from bastion.notify.services import notify
from bastion.org.models import HealthStatus, Person, PersonKind, Unit
from bastion.tracing.models import Isolation, IsolationState

NAME_MAX = 100
BUILDING_MAX = 50
CAPACITY_MAX = 100_000
# Numbers named at once on a place's list (a class, a lab's group): more is a roster import.
ALLOW_MAX = 200
VISITOR_NAME_MAX = 50
ORGANIZATION_MAX = 100
PURPOSE_MAX = 200
VISIT_MAX_DAYS = 7
# How far ahead a visit may be registered.
VISIT_AHEAD_DAYS = 30
# A window "from now" is typed a little before the form is sent.
VISIT_START_SLACK = dt.timedelta(minutes=10)
NONCE_MAX = 32
# Mobile numbers (11 digits from 13…–19…) and landlines with their area code.
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}\d{7,8}")
VISITOR_CODE = re.compile(r"[vV]?([0-9a-fA-F]{8})")


class PlaceRefused(Refused):
    """A step on a key place or a visitor that may not happen: nothing written.

    `status`: 404 for a place, unit, person or visitor out of reach (the same answer as a
    missing one, and for those without the right), 409 when the visit's state does not allow
    the step, 400 for bad input.
    """


def _not_found() -> PlaceRefused:
    return PlaceRefused(_("Not found, or not in your reach."), status=404)


def _localized(text: str, **values: Any) -> str:
    """A text stored or sent (a log's reason, a notification): in the site's language, not
    the requester's. `text` is marked with gettext_noop where it is written."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values if values else _(text)


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=PlaceRefused, **checks)


def _moment(value: Any, *, what: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(clean(value))
        except ValueError:
            raise PlaceRefused(
                _("The %(what)s must be a moment such as 2020-02-10 09:30.") % {"what": what}
            ) from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=SHANGHAI)
    try:
        return value.astimezone(SHANGHAI)
    except OverflowError:  # a moment near year 1 or 9999 in another zone
        raise PlaceRefused(
            _("The %(what)s must be a moment such as 2020-02-10 09:30.") % {"what": what}
        ) from None


# --- who keeps which places ------------------------------------------------------------------


def _kept_q(scope: Scope, prefix: str = "") -> Q:
    """Q over Unit (or over a model whose unit is `prefix`, e.g. "unit__"): the units whose
    places `scope` keeps: the MANAGE_PLACES right over a unit subtree, or over everyone."""
    if not scope.has(Perm.MANAGE_PLACES):
        return Q(pk__in=[])
    if scope.everyone:
        return Q()
    parts = [Q(**{f"{prefix}path__startswith": p}) for p in scope.unit_paths]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _keeps(scope: Scope, unit: Unit) -> bool:
    if not scope.has(Perm.MANAGE_PLACES):
        return False
    return scope.everyone or any(unit.path.startswith(p) for p in scope.unit_paths)


def units_kept(*, scope: Scope) -> QuerySet[Unit]:
    """The units whose key places the viewer may set up, in tree order."""
    return Unit.objects.filter(_kept_q(scope)).order_by("path")


def place_may_manage(*, actor: User, place: KeyPlace) -> bool:
    """May `actor` edit the place and its list: MANAGE_PLACES over the place's unit."""
    return _keeps(scope_of(actor), place.unit)


def place_may_log(*, actor: User, place: KeyPlace) -> bool:
    """May `actor` log entries and exits at the place: a gate keeper (GATE_CHECK reaches
    every place and gate, though their scope reaches nobody), or one who keeps the place."""
    scope = scope_of(actor)
    return scope.has(Perm.GATE_CHECK) or _keeps(scope, place.unit)


# --- selectors of places ----------------------------------------------------------------------


def places_visible(*, scope: Scope) -> QuerySet[KeyPlace]:
    """The key places the viewer keeps or guards, by unit then name."""
    q = Q() if scope.has(Perm.GATE_CHECK) else _kept_q(scope, prefix="unit__")
    return KeyPlace.objects.filter(q).select_related("unit").order_by("unit__path", "name")


def place_for(user: User, uid: uuid.UUID | str) -> KeyPlace:
    """One key place the user keeps or guards; PlaceRefused(404) otherwise."""
    return by_uid(places_visible(scope=scope_of(user)), uid, missing=_not_found)


def occupancy_now(place: KeyPlace) -> int:
    """How many are inside now, read again from the row (the entry service keeps it)."""
    value = KeyPlace.objects.filter(pk=place.pk).values_list("occupancy", flat=True).first()
    return value or 0


@dataclass(frozen=True)
class PlaceLoad:
    """A place with how full it is."""

    place: KeyPlace
    occupancy: int
    capacity: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.occupancy / self.capacity)) if self.capacity else 100

    @property
    def full(self) -> bool:
        return self.occupancy >= self.capacity


def places_load(*, scope: Scope) -> list[PlaceLoad]:
    """Every place the viewer keeps or guards with its occupancy and capacity (one query)."""
    return [PlaceLoad(p, p.occupancy, p.capacity) for p in places_visible(scope=scope)]


def place_log_day(*, place: KeyPlace, day: dt.date) -> QuerySet[AccessLog]:
    """The place's access log of one business day, newest first."""
    start = at(day, dt.time.min)
    return (
        AccessLog.objects.filter(place=place, at__gte=start, at__lt=start + dt.timedelta(days=1))
        .select_related("person", "visitor", "checked_by", "checked_by__person")
        .order_by("-at", "-pk")
    )


# --- setting places up ------------------------------------------------------------------------


def _capacity(value: Any) -> int:
    try:
        capacity = int(clean(value))
    except ValueError:
        raise PlaceRefused(_("The capacity must be a whole number of people.")) from None
    if not 0 < capacity <= CAPACITY_MAX:
        raise PlaceRefused(
            _("The capacity must be between 1 and %(max)d people.") % {"max": CAPACITY_MAX}
        )
    return capacity


def _place_fields(*, name: Any, kind: Any, capacity: Any, dormitory: Any) -> dict:
    name = _text(name, limit=NAME_MAX, what=_("name"), required=True)
    if kind not in KeyPlaceKind.values:
        raise PlaceRefused(
            _("Unknown kind of place %(kind)s: office, lab, apartment or other.")
            % {"kind": kind or "—"}
        )
    building = ""
    if kind == KeyPlaceKind.APARTMENT:
        # Compared with the building of each resident's address, which is read without spaces.
        building = _text(dormitory, limit=BUILDING_MAX, what=_("building")).replace(" ", "")
        if not building:
            raise PlaceRefused(
                _("Name the building of the apartment, e.g. 一号楼: its residents may enter.")
            )
    return {"name": name, "kind": kind, "capacity": _capacity(capacity), "dormitory": building}


def _unique_name(*, unit: Unit, name: str, place: KeyPlace | None = None) -> None:
    others = KeyPlace.objects.filter(unit=unit, name=name)
    if place is not None:
        others = others.exclude(pk=place.pk)
    if others.exists():
        raise PlaceRefused(
            _("%(unit)s already has a key place named %(name)s.")
            % {"unit": unit.name, "name": name}
        )


def key_place_add(
    *, actor: User, unit: Unit, name: str, kind: str, capacity: int, dormitory: str = ""
) -> KeyPlace:
    """Set up a key place of `unit`, which the actor keeps. Raises PlaceRefused."""
    if not _keeps(scope_of(actor), unit):
        raise _not_found()
    fields = _place_fields(name=name, kind=kind, capacity=capacity, dormitory=dormitory)
    _unique_name(unit=unit, name=fields["name"])
    with transaction.atomic():
        return KeyPlace.objects.create(unit=unit, **fields)


def key_place_edit(
    *,
    actor: User,
    place: KeyPlace,
    name: str | None = None,
    kind: str | None = None,
    capacity: int | None = None,
    dormitory: str | None = None,
    unit: Unit | None = None,
    is_active: bool | None = None,
) -> KeyPlace:
    """Change a place (what is None stays). A capacity below those inside is allowed: the
    place is full until enough leave. Raises PlaceRefused."""
    scope = scope_of(actor)
    if not _keeps(scope, place.unit):
        raise _not_found()
    unit = unit or place.unit
    if not _keeps(scope, unit):
        raise _not_found()
    fields = _place_fields(
        name=place.name if name is None else name,
        kind=place.kind if kind is None else kind,
        capacity=place.capacity if capacity is None else capacity,
        dormitory=place.dormitory if dormitory is None else dormitory,
    )
    _unique_name(unit=unit, name=fields["name"], place=place)
    with transaction.atomic():
        # The count is the entry service's: never written back from a stale object.
        KeyPlace.objects.filter(pk=place.pk).update(
            unit=unit,
            is_active=place.is_active if is_active is None else bool(is_active),
            **fields,
        )
    place.refresh_from_db()
    return place


def _numbers(numbers: list[str] | str) -> list[str]:
    if isinstance(numbers, str):
        numbers = re.split(r"[\s,，、;；]+", numbers)
    wanted = list(dict.fromkeys(n for n in (compact(x) for x in numbers) if n))
    if not wanted:
        raise PlaceRefused(_("Give at least one number."))
    if len(wanted) > ALLOW_MAX:
        raise PlaceRefused(
            _("At most %(n)d numbers at once; import a roster for more.") % {"n": ALLOW_MAX}
        )
    return wanted


def key_place_allow(*, actor: User, place: KeyPlace, numbers: list[str] | str) -> int:
    """Name people who may also enter the place, by number, among the people in the actor's
    reach; all or none. How many were added (those already on the list are not counted)."""
    scope = scope_of(actor)
    if not _keeps(scope, place.unit):
        raise _not_found()
    wanted = _numbers(numbers)
    people = list(scope.people().filter(number__in=wanted))
    missing = sorted(set(wanted) - {p.number for p in people})
    if missing:
        raise PlaceRefused(
            _("No one in your reach has the number %(numbers)s: nobody was added.")
            % {"numbers": "、".join(missing[:10]) + ("…" if len(missing) > 10 else "")}
        )
    with transaction.atomic():
        before = set(
            place.allowed.filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True)
        )
        place.allowed.add(*people)
    return len(people) - len(before)


def key_place_disallow(*, actor: User, place: KeyPlace, numbers: list[str] | str) -> int:
    """Take people off the place's list, by number; how many were on it."""
    if not _keeps(scope_of(actor), place.unit):
        raise _not_found()
    wanted = _numbers(numbers)
    with transaction.atomic():
        listed = list(place.allowed.filter(number__in=wanted))
        place.allowed.remove(*listed)
    return len(listed)


def key_place_recount(*, actor: User, place: KeyPlace, occupancy: Any) -> KeyPlace:
    """Set how many are inside, as counted by the keeper (at closing time, or after people
    left without showing their pass). Raises PlaceRefused."""
    if not _keeps(scope_of(actor), place.unit):
        raise _not_found()
    try:
        count = int(clean(occupancy))
    except ValueError:
        raise PlaceRefused(_("The count must be a whole number of people.")) from None
    if not 0 <= count <= CAPACITY_MAX:
        raise PlaceRefused(_("The count must be zero or more."))
    with transaction.atomic():
        KeyPlace.objects.filter(pk=place.pk).update(occupancy=count)
    place.occupancy = count
    return place


# --- who may enter --------------------------------------------------------------------------


def person_refusal(*, person: Person, now: dt.datetime) -> str | None:
    """Why the person's health bars them from entering anywhere now (an active isolation, a
    red health status), or None. The gate reuses it."""
    isolated = (
        Isolation.objects.filter(person=person, state=IsolationState.ACTIVE)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=business_day(now)))
        .exists()
    )
    if isolated:
        return _("%(name)s is under isolation: no entry.") % {"name": person.name}
    if person.health_status == HealthStatus.RED:
        return _("%(name)s's health status is red (%(why)s): no entry.") % {
            "name": person.name,
            "why": person.health_reason or "—",
        }
    return None


def _person_may_enter(place: KeyPlace, person: Person) -> tuple[bool, str]:
    values = {"name": person.name, "place": place.name, "unit": place.unit.name}
    if place.allowed.filter(pk=person.pk).exists():
        return True, _("%(name)s is on the list of %(place)s.") % values
    if place.kind == KeyPlaceKind.APARTMENT:
        dorm = dorms.parse(person.dormitory)
        values["building"] = place.dormitory or "—"
        if (
            person.kind == PersonKind.STUDENT
            and dorm is not None
            and place.dormitory
            and dorm.building == place.dormitory
        ):
            return True, _("%(name)s lives in %(building)s.") % values
        return False, _(
            "%(name)s does not live in %(building)s and is not on the list of %(place)s."
        ) % values
    path = place.unit.path
    if person.unit.path.startswith(path) or (
        person.lab_id is not None and person.lab.path.startswith(path)
    ):
        return True, _("%(name)s is of %(unit)s.") % values
    return False, _("%(name)s is not of %(unit)s and not on the list of %(place)s.") % values


def _visitor_may_enter(place: KeyPlace, visitor: Visitor, now: dt.datetime) -> tuple[bool, str]:
    values = {"name": visitor.name, "place": place.name}
    if place.kind in NO_VISITORS:
        values["kind"] = KeyPlaceKind(place.kind).label
        return False, _(
            "Visitors may not enter labs or student apartments: %(place)s is a %(kind)s."
        ) % values
    if visitor.revoked_at is not None and visitor.revoked_at <= now:
        return False, _("The visit of %(name)s was revoked.") % values
    if now < visitor.valid_from:
        return False, _("The visit of %(name)s starts at %(from)s.") % (
            values | {"from": _time(visitor.valid_from)}
        )
    if now >= visitor.valid_until:
        return False, _("The visit of %(name)s ended at %(until)s.") % (
            values | {"until": _time(visitor.valid_until)}
        )
    return True, _("%(name)s visits %(host)s until %(until)s.") % (
        values | {"host": visitor.host.name, "until": _time(visitor.valid_until)}
    )


def may_enter(
    *,
    place: KeyPlace,
    person: Person | None = None,
    visitor: Visitor | None = None,
    now: dt.datetime,
) -> tuple[bool, str]:
    """May this person or visitor enter the place now, and the reason the keeper reads.

    A person: of the place's unit subtree (their unit or their lab), for an apartment a
    student living in its building, or on the place's list. A visitor: never into a lab or
    a student apartment, elsewhere only within their window and not revoked. Health is
    `person_refusal`'s, and capacity the entry's (`place_pass`).
    """
    if (person is None) == (visitor is None):
        raise ValueError("may_enter needs one person or one visitor")
    if not place.is_active:
        return False, _("%(place)s is closed.") % {"place": place.name}
    if visitor is not None:
        return _visitor_may_enter(place, visitor, now)
    return _person_may_enter(place, person)


# --- entries and exits ------------------------------------------------------------------------


def _inside(place: KeyPlace, *, person: Person | None, visitor: Visitor | None) -> bool:
    """Was their last admitted pass at the place an entry (so they count as inside)?"""
    holder = Q(person=person) if person is not None else Q(visitor=visitor)
    last = (
        AccessLog.objects.filter(holder, place=place, admitted=True)
        .order_by("-at", "-pk")
        .values_list("direction", flat=True)
        .first()
    )
    return last == Direction.IN


def _entry(
    place: KeyPlace,
    *,
    person: Person | None,
    visitor: Visitor | None,
    now: dt.datetime,
    nonce: str,
) -> tuple[bool, str, int]:
    """(admitted, reason, change of the count) of an entry; nothing written."""
    refusal = person_refusal(person=person, now=now) if person is not None else None
    if refusal:
        return False, refusal, 0
    allowed, reason = may_enter(place=place, person=person, visitor=visitor, now=now)
    if not allowed:
        return False, reason, 0
    if nonce and AccessLog.objects.filter(nonce=nonce, admitted=True).exists():
        return False, _("This pass was already used: show a new one."), 0
    if _inside(place, person=person, visitor=visitor):
        return (
            True,
            _("%(reason)s Already inside with no exit logged: the count is unchanged.")
            % {"reason": reason},
            0,
        )
    if place.occupancy >= place.capacity:
        return False, _full(place, place.occupancy), 0
    return True, reason, 1


def _full(place: KeyPlace, occupancy: int) -> str:
    return _("%(place)s is full: %(n)d of %(capacity)d inside.") % {
        "place": place.name,
        "n": occupancy,
        "capacity": place.capacity,
    }


def _name(person: Person | None, visitor: Visitor | None) -> str:
    return person.name if person is not None else visitor.name


def _exit(
    place: KeyPlace, *, person: Person | None, visitor: Visitor | None
) -> tuple[bool, str, int]:
    """An exit is always let through; the count falls only for one who was counted in."""
    name = _name(person, visitor)
    if _inside(place, person=person, visitor=visitor):
        return True, _("%(name)s left %(place)s.") % {"name": name, "place": place.name}, -1
    return (
        True,
        _("%(name)s left %(place)s; no entry was logged, so the count is unchanged.")
        % {"name": name, "place": place.name},
        0,
    )


def _log(place, *, direction, person, visitor, admitted, reason, nonce, actor, now) -> AccessLog:
    return AccessLog.objects.create(
        at=now,
        place=place,
        direction=direction,
        person=person,
        visitor=visitor,
        admitted=admitted,
        reason=reason[:200],
        nonce=nonce,
        checked_by=actor,
    )


def _moved(place: KeyPlace, change: int) -> bool:
    """Move the count by `change` in one guarded UPDATE: never past the capacity on the way
    in, never below 0 on the way out. Whether it moved."""
    rows = KeyPlace.objects.filter(pk=place.pk)
    if change > 0:
        rows = rows.filter(occupancy__lt=F("capacity"))
        return bool(rows.update(occupancy=F("occupancy") + change))
    if change < 0:
        return bool(rows.filter(occupancy__gt=0).update(occupancy=F("occupancy") + change))
    return False


def place_pass(
    *,
    actor: User,
    place: KeyPlace,
    direction: str,
    person: Person | None = None,
    visitor: Visitor | None = None,
    now: dt.datetime,
    nonce: str = "",
) -> AccessLog:
    """Log one entry or exit at a key place, admitted or refused, and move the count.

    An entry is refused (and logged) for a person under isolation or with a red health
    status, for anyone `may_enter` refuses, for a pass already used (`nonce`), and when the
    place is full. An exit is always let through and logged; the count falls only for one
    counted in, and never below 0. Raises PlaceRefused (nothing written) for an actor who may
    not log there or bad input.
    """
    if not place_may_log(actor=actor, place=place):
        raise _not_found()
    if (person is None) == (visitor is None):
        raise PlaceRefused(_("Name one person or one visitor."))
    if direction not in Direction.values:
        raise PlaceRefused(_("Unknown direction %(d)s: in or out.") % {"d": direction or "—"})
    nonce = clean(nonce)
    if len(nonce) > NONCE_MAX:
        raise PlaceRefused(_("The pass nonce is longer than %(n)d characters.") % {"n": NONCE_MAX})
    values = {"direction": direction, "person": person, "visitor": visitor, "actor": actor}
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        # One entry at a time per place: the decision reads the count and the last pass.
        locked = (
            KeyPlace.objects.select_for_update(of=("self",)).select_related("unit").get(pk=place.pk)
        )
        if direction == Direction.IN:
            admitted, reason, change = _entry(
                locked, person=person, visitor=visitor, now=now, nonce=nonce
            )
        else:
            admitted, reason, change = _exit(locked, person=person, visitor=visitor)
        try:
            with transaction.atomic():
                if change > 0 and not _moved(locked, change):
                    # Filled up between the read and the write (no row lock on SQLite).
                    admitted, reason, change = False, _full(locked, locked.capacity), 0
                elif change < 0:
                    _moved(locked, change)
                log = _log(locked, admitted=admitted, reason=reason, nonce=nonce, now=now, **values)
        except IntegrityError:
            # The same pass admitted elsewhere a moment ago: refused, the count untouched.
            log = _log(
                locked,
                admitted=False,
                reason=_("This pass was already used: show a new one."),
                nonce=nonce,
                now=now,
                **values,
            )
    place.occupancy = occupancy_now(place)
    return log


def holder_by_code(code: str) -> Person | Visitor | None:
    """The person with this number, else the visitor with this code; None for neither."""
    code = compact(code)
    if not code:
        return None
    person = Person.objects.filter(number=code).select_related("unit", "lab").first()
    return person if person is not None else visitor_by_code(code)


def place_pass_by_code(
    *, actor: User, place: KeyPlace, direction: str, code: str, now: dt.datetime
) -> AccessLog:
    """`place_pass` for what the keeper types: a person's number or a visitor's code. A code
    that names nobody is refused and logged too (someone tried)."""
    if not place_may_log(actor=actor, place=place):
        raise _not_found()
    if not compact(code):
        raise PlaceRefused(_("Type a person's number or a visitor's code."))
    holder = holder_by_code(code)
    if isinstance(holder, Person):
        return place_pass(actor=actor, place=place, direction=direction, person=holder, now=now)
    if isinstance(holder, Visitor):
        return place_pass(actor=actor, place=place, direction=direction, visitor=holder, now=now)
    if direction not in Direction.values:
        raise PlaceRefused(_("Unknown direction %(d)s: in or out.") % {"d": direction or "—"})
    code = compact(code)[:40]
    with transaction.atomic():
        return _log(
            place,
            direction=direction,
            person=None,
            visitor=None,
            admitted=False,
            reason=_localized(
                gettext_noop("No person or visitor has the number or code %(code)s."), code=code
            ),
            nonce="",
            actor=actor,
            now=now,
        )


# --- visitors --------------------------------------------------------------------------------


def visitor_code(visitor: Visitor) -> str:
    """The short code the gate types for a visitor: V and the first 8 hex digits of its uid."""
    return "V" + visitor.uid.hex[:8].upper()


def visitor_by_code(code: str) -> Visitor | None:
    """The visitor with this code ("V1A2B3C4D", the V and the case optional); None if none.
    Codes are kept unique when visitors are registered."""
    match = VISITOR_CODE.fullmatch(compact(code))
    if match is None:
        return None
    return (
        Visitor.objects.filter(uid__startswith=match.group(1).lower())
        .select_related("host")
        .order_by("-registered_at", "-pk")
        .first()
    )


def _fresh_uid() -> uuid.UUID:
    """A uid whose code no visitor has yet (8 hex digits: a clash is rare, never allowed)."""
    while True:
        uid = uuid.uuid4()
        if not Visitor.objects.filter(uid__startswith=uid.hex[:8]).exists():
            return uid


def visitors_visible(*, actor: User) -> QuerySet[Visitor]:
    """The visitors the viewer may see: every one at a gate (GATE_CHECK); for one who
    registers visitors, those hosted by people in their reach or registered by them; for
    anyone else, their own visitors. Newest window first."""
    scope = scope_of(actor)
    if scope.has(Perm.GATE_CHECK):
        q = Q()
    elif scope.has(Perm.REGISTER_VISITORS):
        q = scope.people_q(prefix="host__") | Q(registered_by=actor)
    elif actor.person_id is not None:
        q = Q(host_id=actor.person_id)
    else:
        q = Q(pk__in=[])
    return (
        Visitor.objects.filter(q)
        .select_related("host", "host__unit", "registered_by", "registered_by__person")
        .order_by("-valid_from", "-pk")
    )


def visitors_current(visitors: QuerySet[Visitor], *, now: dt.datetime) -> QuerySet[Visitor]:
    """Those whose window is open now and not revoked."""
    return visitors.filter(revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)


def visitors_upcoming(visitors: QuerySet[Visitor], *, now: dt.datetime) -> QuerySet[Visitor]:
    """Those whose window is still to come, not revoked; soonest first."""
    return visitors.filter(revoked_at__isnull=True, valid_from__gt=now).order_by("valid_from")


def visitors_ended(visitors: QuerySet[Visitor], *, now: dt.datetime) -> QuerySet[Visitor]:
    """Those whose window has passed or who were revoked; latest first."""
    return visitors.filter(Q(revoked_at__isnull=False) | Q(valid_until__lte=now)).order_by(
        "-valid_until", "-pk"
    )


def visitor_for(user: User, uid: uuid.UUID | str) -> Visitor:
    """One visitor the user may see; PlaceRefused(404) otherwise."""
    return by_uid(visitors_visible(actor=user), uid, missing=_not_found)


def visitor_may_revoke(*, actor: User, visitor: Visitor) -> bool:
    """One who registers visitors and sees this one, or its host."""
    if actor.person_id is not None and actor.person_id == visitor.host_id:
        return True
    return (
        scope_of(actor).has(Perm.REGISTER_VISITORS)
        and visitors_visible(actor=actor).filter(pk=visitor.pk).exists()
    )


def _host(*, scope: Scope, number: Any) -> Person:
    number = compact(number)
    if not number:
        raise PlaceRefused(_("Give the number of the visitor's host."))
    # At a gate anyone may be named host (a gate keeper's scope reaches nobody).
    people = Person.objects.all() if scope.has(Perm.GATE_CHECK) else scope.people()
    host = people.filter(number=number).first()
    if host is None:
        raise PlaceRefused(
            _("No one numbered %(number)s in your reach can host a visitor.") % {"number": number}
        )
    if host.kind != PersonKind.STAFF:
        raise PlaceRefused(
            _("%(name)s is a student: a visitor's host is a staff member.") % {"name": host.name}
        )
    return host


def visitor_register(
    *,
    actor: User,
    host_number: str,
    name: str,
    phone: str,
    id_number: str = "",
    organization: str = "",
    purpose: str,
    valid_from: Any,
    valid_until: Any,
    now: dt.datetime,
) -> Visitor:
    """Register a visitor with a staff host and a window of at most 7 days, from now on; the
    host is told. The host is in the actor's reach, or anyone for one at a gate.
    Raises PlaceRefused."""
    scope = scope_of(actor)
    if not scope.has(Perm.REGISTER_VISITORS):
        raise _not_found()
    host = _host(scope=scope, number=host_number)
    name = _text(name, limit=VISITOR_NAME_MAX, what=_("visitor's name"), required=True)
    phone = compact(phone)
    if not PHONE.fullmatch(phone):
        raise PlaceRefused(
            _(
                "The phone number %(phone)s is not valid: a mobile of 11 digits, or a landline "
                "with its area code."
            )
            % {"phone": phone or "—"}
        )
    id_number = idcard.normalize(compact(id_number))
    if id_number and not idcard.is_valid(id_number):
        raise PlaceRefused(
            _("The ID card number %(number)s is not valid: check its 18 characters.")
            % {"number": id_number}
        )
    organization = _text(organization, limit=ORGANIZATION_MAX, what=_("organization"))
    purpose = _text(
        purpose, limit=PURPOSE_MAX, what=pgettext("trip or visit", "purpose"), required=True
    )
    valid_from = _moment(valid_from, what=_("start of the visit"))
    valid_until = _moment(valid_until, what=_("end of the visit"))
    if valid_from < now - VISIT_START_SLACK:
        raise PlaceRefused(_("A visit starts now or later, not in the past."))
    if valid_from > now + dt.timedelta(days=VISIT_AHEAD_DAYS):
        raise PlaceRefused(
            _("A visit is registered at most %(days)d days ahead.") % {"days": VISIT_AHEAD_DAYS}
        )
    if valid_until <= valid_from:
        raise PlaceRefused(_("A visit ends after it starts."))
    if valid_until - valid_from > dt.timedelta(days=VISIT_MAX_DAYS):
        raise PlaceRefused(
            _("A visit lasts at most %(days)d days; register it again for longer.")
            % {"days": VISIT_MAX_DAYS}
        )
    with transaction.atomic():
        visitor = Visitor.objects.create(
            uid=_fresh_uid(),
            name=name,
            phone=phone,
            id_number=id_number,
            organization=organization,
            purpose=purpose,
            host=host,
            valid_from=valid_from,
            valid_until=valid_until,
            registered_by=actor,
            registered_at=now,
        )
        notify(
            key=f"visitor:{visitor.uid}:registered",
            recipients=[host],
            subject=_localized(
                gettext_noop("A visitor is registered for you: %(name)s"), name=name
            ),
            body=_localized(
                gettext_noop(
                    "%(name)s%(organization)s visits you from %(start)s to %(end)s "
                    "(%(purpose)s). Their code at the gate is %(code)s. They may not enter labs "
                    "or student apartments."
                ),
                name=name,
                organization=f"（{organization}）" if organization else "",
                start=_time(valid_from),
                end=_time(valid_until),
                purpose=purpose,
                code=visitor_code(visitor),
            ),
        )
    return visitor


def visitor_revoke(*, actor: User, visitor: Visitor, now: dt.datetime) -> Visitor:
    """End a visit before its window ends: the visitor is refused from then on."""
    if not visitor_may_revoke(actor=actor, visitor=visitor):
        raise _not_found()
    with transaction.atomic():
        locked = Visitor.objects.select_for_update().get(pk=visitor.pk)
        if locked.revoked_at is not None:
            raise PlaceRefused(_("This visit was already revoked."), status=409)
        if locked.valid_until <= now:
            raise PlaceRefused(_("This visit has already ended."), status=409)
        audit_update(Visitor.objects.filter(pk=visitor.pk), revoked_at=now)
    visitor.revoked_at = now
    return visitor


def visitor_state(visitor: Visitor, *, now: dt.datetime) -> str:
    """ "revoked", "upcoming", "current" or "ended"."""
    if visitor.revoked_at is not None:
        return "revoked"
    if now < visitor.valid_from:
        return "upcoming"
    if now < visitor.valid_until:
        return "current"
    return "ended"
