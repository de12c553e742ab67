"""Duty rosters (值班值守, R14): shifts at a post or for a unit, assigned, swapped, cancelled,
checked in and out by their holder; the share of shifts held by cadres and Party members per
unit (the seeds want them first); hours per person per week, flagged above the university's
limit.

Planning needs DUTY_ROSTER over the shift's unit (a post's leader, the secretary of its
temporary organization, also plans the shifts at the post for those at it); checking in and
out is the holder's own.
Nobody holds two shifts at once: the overlap is checked under a lock on the person's row.
"""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_update
from bastion.lib.days import SHANGHAI, at, business_day
from bastion.lib.inputs import text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.notify.services import notify
from bastion.org.models import Person, PoliticalStatus, Position, Unit
from bastion.partywork.frontline import any_of, held_units_q, holds_unit, unit_access, units_held
from bastion.partywork.models import (
    DutyPolicy,
    DutyShift,
    FrontlinePost,
    PostMember,
    ShiftState,
)

MAX_SHIFT = dt.timedelta(hours=24)
# A holder may check in this long before the shift starts (to hand over).
CHECK_IN_EARLY = dt.timedelta(minutes=30)
# Hours a week above which a person is flagged when the campaign sets no limit.
DEFAULT_WEEKLY_LIMIT = 48
NOTE_MAX = 200
# Shifts that count as held (and as hours): not cancelled, not missed.
HELD_STATES = (ShiftState.PLANNED, ShiftState.ON, ShiftState.DONE)
PARTY_MEMBERS = (PoliticalStatus.MEMBER, PoliticalStatus.PROBATIONARY)
# Perms whose holders read the rosters of the units in their reach.
READ_PERMS = (Perm.DUTY_ROSTER, Perm.PARTY_TASKS, Perm.CARE_FRONTLINE, Perm.VIEW_PEOPLE)


class DutyRefused(Refused):
    """A step on a shift that may not happen: nothing written.

    `status`: 404 for a unit, post, shift or person out of reach (as for a missing one), 403
    in reach without the DUTY_ROSTER right or for a shift that is not one's own, 409 when the
    shift's state forbids it or it overlaps another of the same person, 400 for bad input.
    """


def _not_found() -> DutyRefused:
    return DutyRefused(_("Not found, or not in your reach."), status=404)


def no_right() -> DutyRefused:
    return DutyRefused(
        _("Planning duty shifts is not among your duties: it needs the duty-roster right."),
        status=403,
    )


def _localized(text: str, **values: Any) -> str:
    """A text sent (a notification): in the site's language, not the requester's."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


def _moment(value: Any, *, what: str) -> dt.datetime:
    """An aware moment from a datetime or text such as 2020-02-10 08:00 (Shanghai time)."""
    if not isinstance(value, dt.datetime):
        text = clean(value)
        if not text:
            raise DutyRefused(_("Fill in the %(what)s.") % {"what": what})
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise DutyRefused(
                _("The %(what)s must be a moment such as 2020-02-10 09:30.") % {"what": what}
            ) from None
    if timezone.is_naive(value):
        value = value.replace(tzinfo=SHANGHAI)
    try:
        return value.astimezone(SHANGHAI)
    except OverflowError:
        raise DutyRefused(
            _("The %(what)s must be a moment such as 2020-02-10 09:30.") % {"what": what}
        ) from None


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


# --- who may do what -------------------------------------------------------------------------


def units_for_duty(*, scope: Scope) -> QuerySet[Unit]:
    """The units whose shifts the viewer may plan (DUTY_ROSTER over them), in tree order."""
    return units_held(scope=scope, perm=Perm.DUTY_ROSTER)


def _led_posts_q(scope: Scope, prefix: str = "") -> Q:
    """Q over FrontlinePost (or a model whose post is `prefix`): the posts whose temporary
    Party organization the viewer leads today, when that gives them DUTY_ROSTER."""
    if not scope.has(Perm.DUTY_ROSTER) or not scope.party_paths:
        return Q(pk__in=[])
    return any_of([Q(**{f"{prefix}party_org__path__startswith": p}) for p in scope.party_paths])


def leads_post(scope: Scope, post: FrontlinePost | None) -> bool:
    """Does the viewer plan duty at `post` as the secretary of its temporary organization?"""
    if post is None or post.party_org_id is None or not scope.has(Perm.DUTY_ROSTER):
        return False
    path = post.party_org.path
    return any(path.startswith(p) for p in scope.party_paths)


def posts_for_duty(*, scope: Scope) -> QuerySet[FrontlinePost]:
    """The standing posts at which the viewer may plan shifts: those of the units they hold
    DUTY_ROSTER over, and those whose temporary organization they lead."""
    held = held_units_q(scope, "unit__") if scope.has(Perm.DUTY_ROSTER) else Q(pk__in=[])
    return (
        FrontlinePost.objects.filter(any_of([held, _led_posts_q(scope)]))
        .filter(dissolved_on__isnull=True)
        .select_related("unit", "party_org")
        .order_by("unit__path", "name")
    )


def _manage_check(actor: User, unit: Unit, post: FrontlinePost | None = None) -> None:
    """404 when the unit is out of reach, 403 when in reach without the right (a post's
    leader plans the shifts at their post)."""
    scope = scope_of(actor)
    if leads_post(scope, post):
        return
    access = unit_access(scope, unit, Perm.DUTY_ROSTER)
    if access == 404:
        raise _not_found()
    if access == 403:
        raise no_right()


def shift_may_manage(*, actor: User, shift: DutyShift) -> bool:
    scope = scope_of(actor)
    if leads_post(scope, shift.post):
        return True
    return scope.has(Perm.DUTY_ROSTER) and holds_unit(scope, shift.unit)


def people_for_duty(*, actor: User, post: FrontlinePost | None = None) -> QuerySet[Person]:
    """Who the actor may put on duty: the people in their reach, and at a post they lead,
    those at the post today."""
    scope = scope_of(actor)
    if not leads_post(scope, post):
        return scope.people()
    here = PostMember.objects.filter(post=post, from_on__lte=business_day()).filter(
        Q(to_on__isnull=True) | Q(to_on__gte=business_day())
    )
    return Person.objects.filter(any_of([scope.people_q(), Q(pk__in=here.values("person_id"))]))


def _person_check(actor: User, person: Person, post: FrontlinePost | None = None) -> None:
    if not people_for_duty(actor=actor, post=post).filter(pk=person.pk).exists():
        raise DutyRefused(_("%(name)s is not in your reach.") % {"name": person.name}, status=404)


def _shifts_q(scope: Scope) -> Q:
    """Q over DutyShift: for those whose duties read them, the shifts of the units they hold
    and of the people in their reach; one's own, and those at the posts one leads."""
    parts = []
    if any(scope.has(p) for p in READ_PERMS):
        parts += [held_units_q(scope, "unit__"), scope.people_q("person__")]
    if scope.person_id is not None:
        parts += [Q(person_id=scope.person_id), Q(post__leader_id=scope.person_id)]
    return any_of(parts)


def shifts_visible(*, scope: Scope) -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(_shifts_q(scope)).select_related(
        "unit", "post", "person", "person__unit", "swapped_from"
    )


def shift_for(user: User, uid: uuid.UUID | str) -> DutyShift:
    """One shift the user may read; DutyRefused(404) otherwise."""
    return by_uid(shifts_visible(scope=scope_of(user)), uid, missing=_not_found)


# --- services --------------------------------------------------------------------------------


def _overlapping(
    person: Person, starts_at: dt.datetime, ends_at: dt.datetime, *, other_than: int | None = None
) -> DutyShift | None:
    """Another shift of the person, not cancelled, that meets [starts_at, ends_at)."""
    shifts = DutyShift.objects.filter(
        person=person, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(state=ShiftState.CANCELLED)
    if other_than is not None:
        shifts = shifts.exclude(pk=other_than)
    return shifts.order_by("starts_at").first()


def _free_check(
    person: Person, starts_at: dt.datetime, ends_at: dt.datetime, *, other_than: int | None = None
) -> None:
    """Refused when the person already holds a shift then. Call inside the transaction that
    writes, after locking the person's row: two planners at once cannot both pass."""
    Person.objects.select_for_update().filter(pk=person.pk).first()
    other = _overlapping(person, starts_at, ends_at, other_than=other_than)
    if other is not None:
        raise DutyRefused(
            _(
                "%(name)s already has a shift from %(start)s to %(end)s: one person holds one "
                "shift at a time."
            )
            % {"name": person.name, "start": _time(other.starts_at), "end": _time(other.ends_at)},
            status=409,
        )


def _tell(shift: DutyShift, person: Person, *, key: str) -> None:
    where = shift.post.name if shift.post is not None else shift.unit.name
    notify(
        key=f"shift:{shift.uid}:{key}:{person.number}",
        recipients=[person],
        subject=_localized(
            gettext_noop("Duty shift at %(where)s from %(start)s"),
            where=where,
            start=_time(shift.starts_at),
        ),
        body=_localized(
            gettext_noop(
                "You are on duty at %(where)s from %(start)s to %(end)s. Check in on Bastion "
                "when you start and check out when you hand over."
            ),
            where=where,
            start=_time(shift.starts_at),
            end=_time(shift.ends_at),
        ),
    )


def shift_assign(
    *,
    actor: User,
    unit: Unit,
    post: FrontlinePost | None = None,
    person: Person,
    starts_at: Any,
    ends_at: Any,
    note: Any = "",
    now: dt.datetime | None = None,
) -> DutyShift:
    """Give `person` a shift of `unit` (at `post`, one of the unit's). Refused: the unit or
    person out of reach, no duty-roster right, a shift that ends before it starts, is longer
    than 24 hours, is already over, or overlaps another of the person's."""
    now = now or timezone.now()
    _manage_check(actor, unit, post)
    if post is not None and post.unit_id != unit.pk:
        raise DutyRefused(
            _("%(post)s is a post of %(unit)s, not of this unit.")
            % {"post": post.name, "unit": post.unit.name}
        )
    _person_check(actor, person, post)
    start = _moment(starts_at, what=_("start of the shift"))
    end = _moment(ends_at, what=_("end of the shift"))
    if end <= start:
        raise DutyRefused(_("The shift must end after it starts."))
    if end - start > MAX_SHIFT:
        raise DutyRefused(_("A shift lasts at most 24 hours: split it in two."))
    if end <= now:
        raise DutyRefused(_("This shift is already over: plan shifts to come."))
    if post is not None:
        day = business_day(start)
        if day < post.set_up_on or (post.dissolved_on is not None and day > post.dissolved_on):
            raise DutyRefused(
                _("%(post)s does not stand on %(day)s.")
                % {"post": post.name, "day": day.isoformat()},
                status=409,
            )
    note = text_input(note, limit=NOTE_MAX, what=_("note on the shift"), refused=DutyRefused)
    with transaction.atomic():
        _free_check(person, start, end)
        shift = DutyShift.objects.create(
            unit=unit,
            post=post,
            person=person,
            starts_at=start,
            ends_at=end,
            note=note,
            assigned_by=actor,
        )
        _tell(shift, person, key="assigned")
    return shift


def _locked(shift: DutyShift) -> DutyShift:
    return (
        DutyShift.objects.select_for_update(of=("self",))
        .select_related("unit", "post", "person")
        .get(pk=shift.pk)
    )


def _state_check(shift: DutyShift, *states: str) -> None:
    if shift.state not in states:
        raise DutyRefused(
            _("This shift is %(state)s: that step is no longer possible.")
            % {"state": shift.get_state_display()},
            status=409,
        )


def shift_swap(
    *, actor: User, shift: DutyShift, to_person: Person, now: dt.datetime | None = None
) -> DutyShift:
    """Give a planned shift to someone else in reach; who had it is kept."""
    now = now or timezone.now()
    _manage_check(actor, shift.unit, shift.post)
    _person_check(actor, to_person, shift.post)
    with transaction.atomic():
        shift = _locked(shift)
        _state_check(shift, ShiftState.PLANNED)
        if shift.ends_at <= now:
            raise DutyRefused(_("This shift is already over."), status=409)
        if to_person.pk == shift.person_id:
            raise DutyRefused(
                _("%(name)s already holds this shift.") % {"name": to_person.name}, status=409
            )
        _free_check(to_person, shift.starts_at, shift.ends_at, other_than=shift.pk)
        previous = shift.person
        shift.swapped_from = previous
        shift.person = to_person
        shift.save(update_fields=["person", "swapped_from"])
        _tell(shift, to_person, key="swapped")
    return shift


def shift_cancel(
    *, actor: User, shift: DutyShift, reason: Any = "", now: dt.datetime | None = None
) -> DutyShift:
    """Cancel a planned shift (the reason goes into its note)."""
    _manage_check(actor, shift.unit, shift.post)
    reason = text_input(reason, limit=NOTE_MAX, what=_("reason"), refused=DutyRefused)
    with transaction.atomic():
        shift = _locked(shift)
        _state_check(shift, ShiftState.PLANNED)
        shift.state = ShiftState.CANCELLED
        if reason:
            shift.note = (f"{shift.note} · {reason}" if shift.note else reason)[:NOTE_MAX]
        shift.save(update_fields=["state", "note"])
    return shift


def _holder_check(actor: User, shift: DutyShift) -> None:
    if actor.person_id is None or actor.person_id != shift.person_id:
        raise DutyRefused(
            _("Only %(name)s, who holds this shift, checks in and out of it.")
            % {"name": shift.person.name},
            status=403,
        )


def shift_check_in(*, actor: User, shift: DutyShift, now: dt.datetime) -> DutyShift:
    """The holder starts their shift: from half an hour before it until its end."""
    _holder_check(actor, shift)
    with transaction.atomic():
        shift = _locked(shift)
        _state_check(shift, ShiftState.PLANNED)
        if now < shift.starts_at - CHECK_IN_EARLY:
            raise DutyRefused(
                _("The shift starts at %(start)s: check in at most half an hour before.")
                % {"start": _time(shift.starts_at)},
                status=409,
            )
        if now >= shift.ends_at:
            raise DutyRefused(
                _("The shift ended at %(end)s.") % {"end": _time(shift.ends_at)}, status=409
            )
        shift.state = ShiftState.ON
        shift.checked_in_at = now
        shift.save(update_fields=["state", "checked_in_at"])
    return shift


def shift_check_out(*, actor: User, shift: DutyShift, now: dt.datetime) -> DutyShift:
    """The holder hands over: the shift is done."""
    _holder_check(actor, shift)
    with transaction.atomic():
        shift = _locked(shift)
        _state_check(shift, ShiftState.ON)
        shift.state = ShiftState.DONE
        shift.checked_out_at = max(now, shift.checked_in_at or now)
        shift.save(update_fields=["state", "checked_out_at"])
    return shift


def shifts_mark_missed(*, now: dt.datetime) -> int:
    """Shifts that ended with nobody checked in are missed; how many (for a periodic task)."""
    with transaction.atomic():
        return audit_update(
            DutyShift.objects.filter(state=ShiftState.PLANNED, ends_at__lte=now),
            state=ShiftState.MISSED,
        )


# --- the roster ----------------------------------------------------------------------------


def _day_range(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return at(first_day, dt.time.min), at(last_day + dt.timedelta(days=1), dt.time.min)


def roster(
    *,
    scope: Scope,
    first_day: dt.date,
    last_day: dt.date,
    unit: Unit | None = None,
    post: FrontlinePost | None = None,
) -> QuerySet[DutyShift]:
    """The shifts the viewer may read that start between the two days (of a unit's subtree,
    or of a post), in order."""
    start, end = _day_range(first_day, last_day)
    shifts = shifts_visible(scope=scope).filter(starts_at__gte=start, starts_at__lt=end)
    if unit is not None:
        shifts = shifts.filter(unit__path__startswith=unit.path)
    if post is not None:
        shifts = shifts.filter(post=post)
    return shifts.order_by("starts_at", "pk")


@dataclass
class RosterRow:
    """One line of the grid: a post (or a unit's own duty) and its shifts per day."""

    label: str
    sublabel: str
    cells: list[list[DutyShift]]


@dataclass
class RosterGrid:
    days: list[dt.date]
    rows: list[RosterRow] = field(default_factory=list)


def roster_grid(
    shifts: Iterable[DutyShift], *, first_day: dt.date, last_day: dt.date
) -> RosterGrid:
    """Shifts laid out as a grid: a row per post (or unit), a column per day of their start."""
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    column = {day: i for i, day in enumerate(days)}
    rows: dict[tuple, RosterRow] = {}
    for shift in shifts:
        if shift.post_id is not None:
            key = ("post", shift.post_id)
            label, sublabel = shift.post.name, shift.unit.name
        else:
            key = ("unit", shift.unit_id)
            label, sublabel = shift.unit.name, ""
        row = rows.get(key)
        if row is None:
            row = rows[key] = RosterRow(label, sublabel, [[] for _day in days])
        day = business_day(shift.starts_at)
        if day in column:
            row.cells[column[day]].append(shift)
    return RosterGrid(days, sorted(rows.values(), key=lambda r: (r.sublabel, r.label)))


def my_shifts(*, person: Person, now: dt.datetime, past_days: int = 7) -> list[DutyShift]:
    """The person's shifts from a week ago on, the one under way first (phone page)."""
    return list(
        DutyShift.objects.filter(person=person, ends_at__gte=now - dt.timedelta(days=past_days))
        .select_related("unit", "post")
        .order_by("starts_at", "pk")
    )


# --- shares and hours ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShareRow:
    """A unit (with the units below it): its shifts, and how many cadres and Party members
    held."""

    unit: Unit
    shifts: int
    by_cadres: int
    by_members: int
    by_either: int

    def _share(self, n: int) -> int | None:
        return round(100 * n / self.shifts) if self.shifts else None

    @property
    def cadre_share(self) -> int | None:
        return self._share(self.by_cadres)

    @property
    def member_share(self) -> int | None:
        return self._share(self.by_members)

    @property
    def either_share(self) -> int | None:
        return self._share(self.by_either)


def duty_share(
    *, units: Iterable[Unit], first_day: dt.date, last_day: dt.date, today: dt.date | None = None
) -> list[ShareRow]:
    """Per unit (and the units below it), the shifts starting between the two days that are
    held (not cancelled, not missed), and how many of them cadres (anyone holding a position
    today) and Party members (full or probationary) held. One grouped query."""
    units = list(units)
    if not units:
        return []
    today = today or business_day()
    start, end = _day_range(first_day, last_day)
    cadre = Exists(Position.objects.active(today).filter(person_id=OuterRef("person_id")))
    member = Q(person__political_status__in=PARTY_MEMBERS)
    rows = (
        DutyShift.objects.filter(
            reduce(or_, [Q(unit__path__startswith=u.path) for u in units]),
            starts_at__gte=start,
            starts_at__lt=end,
            state__in=HELD_STATES,
        )
        .annotate(is_cadre=cadre)
        .values("unit__path")
        .annotate(
            n=Count("id"),
            cadres=Count("id", filter=Q(is_cadre=True)),
            members=Count("id", filter=member),
            either=Count("id", filter=Q(is_cadre=True) | member),
        )
        .order_by()
    )
    totals: dict[int, list[int]] = {u.pk: [0, 0, 0, 0] for u in units}
    for row in rows:
        for unit in units:
            if row["unit__path"].startswith(unit.path):
                total = totals[unit.pk]
                total[0] += row["n"]
                total[1] += row["cadres"]
                total[2] += row["members"]
                total[3] += row["either"]
    return [ShareRow(unit, *totals[unit.pk]) for unit in units]


def weekly_limit() -> int:
    """The hours a week above which a person is flagged: the running campaign's duty policy,
    else 48."""
    limit = (
        DutyPolicy.objects.filter(campaign__is_active=True)
        .values_list("weekly_hours_limit", flat=True)
        .first()
    )
    return limit or DEFAULT_WEEKLY_LIMIT


def hours_between(shifts: QuerySet[DutyShift], *, start: dt.datetime, end: dt.datetime) -> dict:
    """Hours per person of the held shifts within [start, end), each clipped to it (one
    query)."""
    rows = (
        shifts.filter(starts_at__lt=end, ends_at__gt=start, state__in=HELD_STATES)
        .values_list("person_id", "starts_at", "ends_at")
        .order_by()
    )
    seconds: dict[int, float] = defaultdict(float)
    for person_id, starts_at, ends_at in rows:
        seconds[person_id] += (min(ends_at, end) - max(starts_at, start)).total_seconds()
    return {pk: round(s / 3600, 1) for pk, s in seconds.items()}


@dataclass(frozen=True)
class HoursRow:
    person: Person
    hours: float
    limit: int

    @property
    def flagged(self) -> bool:
        return self.hours > self.limit


def weekly_hours(
    *,
    week_start: dt.date,
    people_ids: Iterable[int] | None = None,
    scope: Scope | None = None,
    unit: Unit | None = None,
) -> list[HoursRow]:
    """Hours on duty per person in the week from `week_start` (7 days), most first, each
    flagged above the weekly limit. Among `people_ids`, or the people in `scope` (of `unit`'s
    subtree). Three queries."""
    if people_ids is None and scope is None:
        raise ValueError("weekly_hours needs people_ids or a scope")
    shifts = DutyShift.objects.all()
    if people_ids is not None:
        shifts = shifts.filter(person_id__in=list(people_ids))
    if scope is not None:
        shifts = shifts.filter(scope.people_q("person__"))
    if unit is not None:
        shifts = shifts.filter(person__unit__path__startswith=unit.path)
    start = at(week_start, dt.time.min)
    hours = hours_between(shifts, start=start, end=start + dt.timedelta(days=7))
    limit = weekly_limit()
    people = Person.objects.filter(pk__in=list(hours)).select_related("unit").in_bulk()
    found = [HoursRow(people[pk], h, limit) for pk, h in hours.items() if pk in people]
    return sorted(found, key=lambda r: (-r.hours, r.person.number))
