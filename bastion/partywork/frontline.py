"""Front-line posts and their temporary Party organizations (一线岗位、临时党组织, R2).

A post is set up at a quarantine dormitory, a gate, the fever clinic or a supplies depot,
with a temporary Party organization under the Party organization that leads the post's
unit; its leader is that organization's secretary. Members join and leave between days; the
post is dissolved on a day, and its temporary organization and positions end with it.

Services and selectors of the sub-area in one module (as campus.places). Setting up and
changing posts needs PARTY_TASKS over the post's unit; out of reach is a 404.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_update
from bastion.lib.days import at, business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import PartyOrg, PartyOrgKind, Person, Position, Unit
from bastion.org.services import party_org_add, position_assign
from bastion.partywork.models import (
    DutyShift,
    FrontlinePost,
    PostKind,
    PostMember,
    ShiftState,
)

NAME_MAX = 100
PLACE_MAX = 100
DUTY_MAX = 100
# A post is set up today or planned a little ahead, never further.
AHEAD_DAYS = 30
# Perms whose holders read the posts of the units they hold (who is where is personal).
READ_PERMS = (Perm.PARTY_TASKS, Perm.DUTY_ROSTER, Perm.CARE_FRONTLINE, Perm.VIEW_PEOPLE)


class FrontlineRefused(Refused):
    """A step on a post that may not happen: nothing written.

    `status`: 404 for a post, unit or person out of reach (as for a missing one), 403 for a
    post in reach without the PARTY_TASKS right, 409 when the post's state forbids it (already
    dissolved, a member already there), 400 for bad input.
    """


def _not_found() -> FrontlineRefused:
    return FrontlineRefused(_("Not found, or not in your reach."), status=404)


def no_right() -> FrontlineRefused:
    return FrontlineRefused(
        _("Setting up front-line posts is not among your duties: it needs the Party-work right."),
        status=403,
    )


def _localized(text: str, **values: Any) -> str:
    """A text stored (a temporary organization's name): in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(text) % values


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=FrontlineRefused, **checks)


def _day(value: Any, *, what: str) -> dt.date:
    return day_input(value, what=what, refused=FrontlineRefused)


def _prefixes(path: str) -> list[str]:
    return [path[:end] for end in range(Unit.steplen, len(path) + 1, Unit.steplen)]


# --- who may do what -------------------------------------------------------------------------


def any_of(parts: list[Q]) -> Q:
    """The OR of `parts`; an empty Q (everything) among them stands for everything, where
    `Q(...) | Q()` would drop it. No parts: nothing."""
    if any(not part for part in parts):
        return Q()
    return reduce(or_, parts) if parts else Q(pk__in=[])


def held_units_q(scope: Scope, prefix: str = "") -> Q:
    """Q over Unit (or over a model whose unit is `prefix`, e.g. "unit__"): the units the
    viewer holds a position over, with those below them (every unit for those who reach
    everyone). Not merely their own unit, which `scope.units()` also counts for reading."""
    if scope.everyone:
        return Q()
    return any_of([Q(**{f"{prefix}path__startswith": p}) for p in scope.unit_paths])


def holds_unit(scope: Scope, unit: Unit) -> bool:
    return scope.everyone or any(unit.path.startswith(p) for p in scope.unit_paths)


def units_held(*, scope: Scope, perm: Perm) -> QuerySet[Unit]:
    """The units over which the viewer holds `perm`, in tree order."""
    if not scope.has(perm):
        return Unit.objects.none()
    return Unit.objects.filter(held_units_q(scope)).order_by("path")


def unit_access(scope: Scope, unit: Unit, perm: Perm) -> int:
    """200 when the viewer holds `perm` over the unit, 403 when the unit is in their reach
    without it, 404 when it is out of their reach."""
    if scope.has(perm) and holds_unit(scope, unit):
        return 200
    if holds_unit(scope, unit) or scope.units().filter(pk=unit.pk).exists():
        return 403
    return 404


def units_for_posts(*, scope: Scope) -> QuerySet[Unit]:
    """The units whose posts the viewer may set up (PARTY_TASKS over them), in tree order."""
    return units_held(scope=scope, perm=Perm.PARTY_TASKS)


def post_may_manage(*, actor: User, post: FrontlinePost) -> bool:
    scope = scope_of(actor)
    return scope.has(Perm.PARTY_TASKS) and holds_unit(scope, post.unit)


def _manage_check(actor: User, unit: Unit) -> None:
    """404 when the unit is out of reach, 403 when in reach without the right."""
    access = unit_access(scope_of(actor), unit, Perm.PARTY_TASKS)
    if access == 404:
        raise _not_found()
    if access == 403:
        raise no_right()


def _person_in_reach(actor: User, person: Person) -> None:
    if not scope_of(actor).people().filter(pk=person.pk).exists():
        raise FrontlineRefused(
            _("%(name)s is not in your reach.") % {"name": person.name}, status=404
        )


def _leading_org(unit: Unit) -> PartyOrg | None:
    """The Party organization that leads the unit, or its nearest ancestor that has one."""
    led = (
        Unit.objects.filter(path__in=_prefixes(unit.path), party_org__isnull=False)
        .select_related("party_org")
        .order_by("-depth")
        .first()
    )
    return led.party_org if led is not None else None


# --- selectors ---------------------------------------------------------------------------------


def _visible_q(scope: Scope) -> Q:
    """Q over FrontlinePost: the posts of the units held (for those whose duties read them),
    and the posts the viewer leads or is at."""
    parts = []
    if any(scope.has(p) for p in READ_PERMS):
        parts.append(held_units_q(scope, "unit__"))
    if scope.person_id is not None:
        parts += [Q(leader_id=scope.person_id), Q(members__person_id=scope.person_id)]
    return any_of(parts)


def posts_visible(*, scope: Scope) -> QuerySet[FrontlinePost]:
    """The posts the viewer may read, set up or dissolved, newest first."""
    ids = FrontlinePost.objects.filter(_visible_q(scope)).values("pk")
    return (
        FrontlinePost.objects.filter(pk__in=ids)
        .select_related("unit", "party_org", "leader", "leader__unit")
        .order_by("-set_up_on", "name")
    )


def post_for(user: User, uid: uuid.UUID | str) -> FrontlinePost:
    """One post the user may read; FrontlineRefused(404) otherwise."""
    return by_uid(posts_visible(scope=scope_of(user)), uid, missing=_not_found)


def _active_on(day: dt.date, *, start: str, end: str) -> Q:
    return Q(**{f"{start}__lte": day}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": day}))


@dataclass
class PostNow:
    """A post on a day: its temporary organization, leader, members then, and the shifts of
    that day at the post (who holds it)."""

    post: FrontlinePost
    members: list[PostMember] = field(default_factory=list)
    shifts: list[DutyShift] = field(default_factory=list)

    @property
    def party_members(self) -> int:
        return sum(1 for m in self.members if m.person.is_party_member)


def posts_now(*, scope: Scope, day: dt.date) -> list[PostNow]:
    """The posts standing on `day` in the viewer's reach, each with who is there (three
    queries whatever the number of posts)."""
    posts = list(
        posts_visible(scope=scope)
        .filter(_active_on(day, start="set_up_on", end="dissolved_on"))
        .order_by("kind", "unit__path", "name")
    )
    found = {p.pk: PostNow(p) for p in posts}
    if not found:
        return []
    members = (
        PostMember.objects.filter(post_id__in=found)
        .filter(_active_on(day, start="from_on", end="to_on"))
        .select_related("person", "person__unit")
        .order_by("from_on", "person__number")
    )
    for member in members:
        found[member.post_id].members.append(member)
    start = at(day, dt.time.min)
    shifts = (
        DutyShift.objects.filter(post_id__in=found, starts_at__lt=start + dt.timedelta(days=1))
        .filter(ends_at__gt=start)
        .exclude(state=ShiftState.CANCELLED)
        .select_related("person")
        .order_by("starts_at", "pk")
    )
    for shift in shifts:
        found[shift.post_id].shifts.append(shift)
    for item in found.values():
        # The leader first, then by the day they came.
        item.members.sort(key=lambda m: m.person_id != item.post.leader_id)
    return list(found.values())


def posts_by_kind(items: list[PostNow]) -> list[tuple[str, list[PostNow]]]:
    """Posts grouped by kind, in the order of the kinds, with the kind's label."""
    groups: dict[str, list[PostNow]] = defaultdict(list)
    for item in items:
        groups[item.post.kind].append(item)
    return [(PostKind(kind).label, groups[kind]) for kind in PostKind.values if kind in groups]


def post_members(post: FrontlinePost) -> list[PostMember]:
    """Everyone who has been at the post, those there now first, the leader before them."""
    members = list(
        post.members.select_related("person", "person__unit").order_by(
            F("to_on").desc(nulls_first=True), "from_on", "person__number"
        )
    )
    members.sort(key=lambda m: (m.to_on is not None, m.person_id != post.leader_id))
    return members


# --- services ------------------------------------------------------------------------------------


def post_set_up(
    *,
    actor: User,
    unit: Unit,
    name: Any,
    kind: Any,
    place: Any = "",
    leader: Person,
    set_up_on: Any,
    now: dt.datetime | None = None,
) -> FrontlinePost:
    """Set up a post of `unit` and its temporary Party organization under the organization
    that leads the unit, with `leader` as its secretary and first member."""
    now = now or timezone.now()
    _manage_check(actor, unit)
    name = _text(name, limit=NAME_MAX, what=_("name of the post"), required=True)
    if kind not in PostKind.values:
        raise FrontlineRefused(
            _(
                "Unknown kind of post %(kind)s: a quarantine dormitory, a gate, the fever "
                "clinic, a supplies depot or another post."
            )
            % {"kind": kind or "—"}
        )
    place = _text(place, limit=PLACE_MAX, what=_("place of the post"))
    _person_in_reach(actor, leader)
    day = _day(set_up_on, what=_("day it is set up"))
    if day > business_day(now) + dt.timedelta(days=AHEAD_DAYS):
        raise FrontlineRefused(_("A post is set up at most %(n)d days ahead.") % {"n": AHEAD_DAYS})
    parent = _leading_org(unit)
    if parent is None:
        raise FrontlineRefused(
            _(
                "No Party organization leads %(unit)s or a unit above it: the temporary Party "
                "organization would have no parent."
            )
            % {"unit": unit.name}
        )
    if FrontlinePost.objects.filter(unit=unit, name=name, dissolved_on__isnull=True).exists():
        raise FrontlineRefused(
            _("%(unit)s already has a post named %(name)s.") % {"unit": unit.name, "name": name},
            status=409,
        )
    uid = uuid.uuid4()
    with transaction.atomic():
        org = party_org_add(
            parent=parent,
            code=f"TMP-{uid.hex[:16]}",
            name=_localized(gettext_noop("Temporary Party branch of %(post)s"), post=name)[
                :NAME_MAX
            ],
            kind=PartyOrgKind.TEMPORARY,
            post=name,
            started_on=day,
        )
        post = FrontlinePost.objects.create(
            uid=uid,
            name=name,
            kind=kind,
            unit=unit,
            party_org=org,
            leader=leader,
            place=place,
            set_up_on=day,
            created_by=actor,
        )
        position_assign(person=leader, role=Role.PARTY_SECRETARY, over=org, starts_on=day)
        PostMember.objects.create(post=post, person=leader, from_on=day)
    return post


def _open_post(post: FrontlinePost) -> FrontlinePost:
    """The post read again under a lock; refused once dissolved."""
    post = FrontlinePost.objects.select_for_update().get(pk=post.pk)
    if post.dissolved_on is not None:
        raise FrontlineRefused(
            _("%(post)s was dissolved on %(day)s.")
            % {"post": post.name, "day": post.dissolved_on.isoformat()},
            status=409,
        )
    return post


def post_member_add(
    *,
    actor: User,
    post: FrontlinePost,
    person: Person,
    duty: Any = "",
    from_on: Any,
) -> PostMember:
    """Put someone in reach at the post from a day (a member of its temporary organization,
    or a volunteer who is not a Party member)."""
    _manage_check(actor, post.unit)
    _person_in_reach(actor, person)
    duty = _text(duty, limit=DUTY_MAX, what=_("duty at the post"))
    day = _day(from_on, what=_("first day at the post"))
    if day < post.set_up_on:
        raise FrontlineRefused(
            _("The post was set up on %(day)s: nobody is at it before.")
            % {"day": post.set_up_on.isoformat()}
        )
    already = FrontlineRefused(
        _("%(name)s is already at %(post)s.") % {"name": person.name, "post": post.name},
        status=409,
    )
    try:
        with transaction.atomic():
            _open_post(post)
            if PostMember.objects.filter(post=post, person=person, to_on__isnull=True).exists():
                raise already
            return PostMember.objects.create(post=post, person=person, duty=duty, from_on=day)
    except IntegrityError:  # the same person added twice at the same moment
        raise already from None


def post_member_remove(*, actor: User, post: FrontlinePost, person: Person, on: Any) -> PostMember:
    """`person` leaves the post; `on` is their last day at it. The leader stays until the
    post is dissolved."""
    _manage_check(actor, post.unit)
    day = _day(on, what=_("last day at the post"))
    with transaction.atomic():
        _open_post(post)
        member = (
            PostMember.objects.select_for_update()
            .filter(post=post, person=person, to_on__isnull=True)
            .first()
        )
        if member is None:
            raise _not_found()
        if person.pk == post.leader_id:
            raise FrontlineRefused(
                _("%(name)s leads the post: they leave it when it is dissolved.")
                % {"name": person.name},
                status=409,
            )
        if day < member.from_on:
            raise FrontlineRefused(
                _("%(name)s came to the post on %(day)s: the last day cannot be before.")
                % {"name": person.name, "day": member.from_on.isoformat()}
            )
        member.to_on = day
        member.save(update_fields=["to_on"])
    return member


def post_dissolve(*, actor: User, post: FrontlinePost, on: Any) -> FrontlinePost:
    """Dissolve the post on `on` (its last day): the temporary Party organization ends, its
    positions end, everyone leaves, and the shifts planned at the post after it are
    cancelled."""
    _manage_check(actor, post.unit)
    day = _day(on, what=_("day it is dissolved"))
    if day < post.set_up_on:
        raise FrontlineRefused(
            _("The post was set up on %(day)s: it cannot be dissolved before.")
            % {"day": post.set_up_on.isoformat()}
        )
    with transaction.atomic():
        post = _open_post(post)
        post.dissolved_on = day
        post.save(update_fields=["dissolved_on"])
        if post.party_org_id is not None:
            PartyOrg.objects.filter(pk=post.party_org_id).update(ended_on=day)
            held = Position.objects.filter(party_org_id=post.party_org_id)
            # Positions that would only have started later never begin.
            held.filter(starts_on__gt=day).delete()
            audit_update(held.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day)), ends_on=day)
        here = PostMember.objects.filter(post=post, to_on__isnull=True)
        audit_update(here.filter(from_on__gt=day), to_on=F("from_on"))
        audit_update(here, to_on=day)
        audit_update(
            DutyShift.objects.filter(
                post=post,
                state=ShiftState.PLANNED,
                starts_at__gte=at(day, dt.time.min) + dt.timedelta(days=1),
            ),
            state=ShiftState.CANCELLED,
        )
    post.refresh_from_db()
    return post
