"""Vanguard records (先锋作用, R25): tasks a Party organization assigns to its members and their
completion, commando teams, volunteer services, pioneer posts, and the members' own
take-the-lead pledges (the "five take-the-leads" of seed 002). Read per member and per branch:
tasks, hours, posts.

Who may do what:
- assign a task, record a commando team, a volunteer service or a pioneer post: the
  PARTY_TASKS right with the Party organization in reach; the person must belong to that
  organization or one below it (a task and a pledge are for members and probationary members
  only; a service may be an activist's or an applicant's too, for it counts towards their
  admission);
- complete: the member themself, or a secretary of the organization or one above it;
- cancel: whoever assigned it, a secretary above it, the PARTY_TASKS right in reach; a member
  withdraws their own pledge.
"""

import datetime as dt
import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import PartyOrg, Person, PoliticalStatus, Position
from bastion.partywork.models import (
    PostMember,
    VanguardKind,
    VanguardRecord,
    VanguardState,
)

log = logging.getLogger(__name__)

MEMBER_STATUSES = (PoliticalStatus.MEMBER, PoliticalStatus.PROBATIONARY)
CANDIDATE_STATUSES = (PoliticalStatus.ACTIVIST, PoliticalStatus.APPLICANT)
SERVICE_KINDS = (VanguardKind.COMMANDO, VanguardKind.VOLUNTEER, VanguardKind.PIONEER_POST)
TITLE_MAX = 200
DETAIL_MAX = 2000
TEAM_MAX = 100
HOURS_MAX = Decimal("1000")
TENTH = Decimal("0.1")

# The "five take-the-leads" (五个带头) of seed 002, in its words, offered as the pledges a
# member makes. The code is kept nowhere: the pledge's words are the record's title.
PLEDGES: dict[str, str] = {
    "study": gettext_noop(
        "Take the lead in studying and carrying out General Secretary Xi Jinping's important "
        "instructions, and in aligning thought and action with the decisions of the Party "
        "Central Committee"
    ),
    "measures": gettext_noop(
        "Take the lead in carrying out the prevention and control measures: strict prevention "
        "and control, joint prevention and control, mass prevention and control"
    ),
    "knowledge": gettext_noop(
        "Take the lead in learning about epidemic prevention, spreading scientific knowledge "
        "and positive publicity: believe no rumours, make none, spread none"
    ),
    "people": gettext_noop(
        "Take the lead in the ideological work of teachers, students and staff: dispel fear, "
        "steady feelings, unite hearts, lift spirits"
    ),
    "discipline": gettext_noop(
        "Take the lead in putting the whole first, keeping discipline and following command, "
        "protecting yourself and urging others to go out less, gather less, wash hands and "
        "wear masks"
    ),
}


class VanguardRefused(Refused):
    """Bad input or no right: 400 with the reason, 403 in reach without the right, 404 out of
    reach; nothing written."""


def _not_found() -> VanguardRefused:
    return VanguardRefused(_("Not found, or not in your reach."), status=404)


# --- checking input ---------------------------------------------------------------------------

_SPACES = re.compile(r"[^\S\n]+")


def line(value: Any) -> str:
    """One line as typed: spaces collapsed, control characters dropped; full-width Chinese
    punctuation kept (clean() would fold it)."""
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def prose(value: Any) -> str:
    """Text that keeps its lines (a task's detail, an outcome, a report's body)."""
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable() or ch == "\t")
    text = "\n".join(_SPACES.sub(" ", row).strip() for row in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _line(value: Any, **checks: Any) -> str:
    return text_input(value, refused=VanguardRefused, normal=line, **checks)


def _prose(value: Any, **checks: Any) -> str:
    return text_input(value, refused=VanguardRefused, normal=prose, **checks)


def hours_input(value: Any, *, refused: type[Refused] = VanguardRefused) -> Decimal:
    """Hours as typed (1, 1.5, "2.5"), to a tenth; refused unless between 0 and 1000."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise refused(_("Hours must be a number such as 2 or 1.5.")) from None
    if not hours.is_finite() or hours < 0 or hours > HOURS_MAX:
        raise refused(_("Hours must be between 0 and %(n)d.") % {"n": HOURS_MAX})
    return hours.quantize(TENTH, rounding=ROUND_HALF_UP)


# --- who belongs where --------------------------------------------------------------------------


def posted_q(party_org: PartyOrg, *, day: dt.date) -> Q:
    """Q over Person: at a front-line post today whose temporary Party organization is this one
    or one below it."""
    at_posts = PostMember.objects.filter(
        Q(to_on__isnull=True) | Q(to_on__gte=day),
        post__party_org__path__startswith=party_org.path,
        from_on__lte=day,
    ).values("person_id")
    return Q(pk__in=at_posts)


def belongs_q(party_org: PartyOrg, *, day: dt.date) -> Q:
    """Q over Person: of this Party organization or one below it (by their branch, or at a
    post of a temporary one)."""
    return Q(party_branch__path__startswith=party_org.path) | posted_q(party_org, day=day)


def members_of(party_org: PartyOrg, *, day: dt.date) -> QuerySet[Person]:
    """Members and probationary members of the organization or those below it."""
    return Person.objects.filter(
        belongs_q(party_org, day=day), political_status__in=MEMBER_STATUSES
    )


def _ancestor_paths(path: str) -> list[str]:
    step = PartyOrg.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def is_secretary_of(actor: User, party_org: PartyOrg, *, day: dt.date | None = None) -> bool:
    """Does `actor` hold a Party secretary's position over this organization or one above it?"""
    if actor.person_id is None:
        return False
    return (
        Position.objects.active(day)
        .filter(
            person_id=actor.person_id,
            role=Role.PARTY_SECRETARY,
            party_org__path__in=_ancestor_paths(party_org.path),
        )
        .exists()
    )


def _org_in_reach(scope: Scope, party_org: PartyOrg) -> bool:
    return not scope.is_self_only and scope.party_orgs().filter(pk=party_org.pk).exists()


def _may_task(actor: User, party_org: PartyOrg) -> Scope:
    """The actor's scope, if they may give this organization's members tasks; else refused
    (404 out of reach, 403 in reach without the right)."""
    scope = scope_of(actor)
    if not _org_in_reach(scope, party_org):
        raise _not_found()
    if not scope.has(Perm.PARTY_TASKS):
        log.warning("vanguard: %s may not assign tasks in %s", actor.get_username(), party_org)
        raise VanguardRefused(_("Assigning tasks to members is not among your duties."), status=403)
    return scope


def may_assign(actor: User, party_org: PartyOrg) -> bool:
    try:
        _may_task(actor, party_org)
    except VanguardRefused:
        return False
    return True


def _belonging(person: Person, party_org: PartyOrg, *, day: dt.date, members_only: bool) -> None:
    statuses = MEMBER_STATUSES if members_only else MEMBER_STATUSES + CANDIDATE_STATUSES
    belongs = (
        Person.objects.filter(belongs_q(party_org, day=day), pk=person.pk)
        .filter(political_status__in=statuses)
        .exists()
    )
    if belongs:
        return
    if person.political_status not in statuses:
        if members_only:
            raise VanguardRefused(
                _("%(name)s is not a Party member: tasks and pledges are for members.")
                % {"name": person.name}
            )
        raise VanguardRefused(
            _("%(name)s is neither a Party member nor an activist or applicant.")
            % {"name": person.name}
        )
    raise VanguardRefused(
        _("%(name)s does not belong to %(org)s or an organization below it.")
        % {"name": person.name, "org": party_org.name}
    )


# --- writing ----------------------------------------------------------------------------------


def task_assign(
    *,
    actor: User,
    party_org: PartyOrg,
    person: Person,
    title: Any,
    detail: Any = "",
    due_on: Any = None,
    now: dt.datetime | None = None,
) -> VanguardRecord:
    """A Party organization gives one of its members a task (党组织交办的任务); they are told."""
    now = now or timezone.now()
    today = business_day(now)
    _may_task(actor, party_org)
    title = _line(title, limit=TITLE_MAX, what=_("task"), required=True)
    detail = _prose(detail, limit=DETAIL_MAX, what=_("detail"))
    due = None
    if due_on not in (None, ""):
        due = day_input(due_on, what=_("due day"), refused=VanguardRefused)
        if due < today:
            raise VanguardRefused(_("The due day %(day)s has passed.") % {"day": due})
    _belonging(person, party_org, day=today, members_only=True)
    with transaction.atomic():
        record = VanguardRecord.objects.create(
            uid=uuid.uuid4(),
            kind=VanguardKind.TASK,
            party_org=party_org,
            person=person,
            title=title,
            detail=detail,
            due_on=due,
            assigned_by=actor,
            assigned_at=now,
        )
        _tell_on_commit(
            key=f"vanguard:{record.uid}:assigned",
            recipients=[person],
            subject=_("A task from %(org)s") % {"org": party_org.name},
            body="\n".join(
                part
                for part in (
                    title,
                    detail,
                    _("Due on %(day)s.") % {"day": due} if due else "",
                )
                if part
            ),
        )
    return record


def vanguard_record(
    *,
    actor: User,
    party_org: PartyOrg,
    person: Person,
    kind: str,
    title: Any,
    detail: Any = "",
    team: Any = "",
    due_on: Any = None,
    hours: Any = None,
    now: dt.datetime | None = None,
) -> VanguardRecord:
    """Record that someone of the organization serves in a commando team (突击队), a volunteer
    service (志愿服务) or at a pioneer post (先锋岗). With hours it is recorded as done; without,
    as under way, and they complete it themself later."""
    now = now or timezone.now()
    today = business_day(now)
    _may_task(actor, party_org)
    if kind not in SERVICE_KINDS:
        raise VanguardRefused(_("Pick a commando team, a volunteer service or a pioneer post."))
    title = _line(title, limit=TITLE_MAX, what=_("title"), required=True)
    detail = _prose(detail, limit=DETAIL_MAX, what=_("detail"))
    team = _line(team, limit=TEAM_MAX, what=_("team"))
    due = None
    if due_on not in (None, ""):
        due = day_input(due_on, what=_("until"), refused=VanguardRefused)
    done = hours not in (None, "")
    spent = hours_input(hours) if done else Decimal(0)
    _belonging(person, party_org, day=today, members_only=False)
    with transaction.atomic():
        return VanguardRecord.objects.create(
            uid=uuid.uuid4(),
            kind=kind,
            party_org=party_org,
            person=person,
            title=title,
            detail=detail,
            team=team,
            due_on=due,
            state=VanguardState.DONE if done else VanguardState.ASSIGNED,
            hours=spent,
            assigned_by=actor,
            assigned_at=now,
            completed_at=now if done else None,
        )


def pledge_make(
    *, actor: User, pledge: str, detail: Any = "", now: dt.datetime | None = None
) -> VanguardRecord:
    """A member's own take-the-lead pledge (one of the five of seed 002), with their words."""
    now = now or timezone.now()
    person = actor.person
    if person is None:
        raise _not_found()
    if pledge not in PLEDGES:
        raise VanguardRefused(_("Pick one of the five take-the-leads."))
    if person.political_status not in MEMBER_STATUSES:
        raise VanguardRefused(
            _("%(name)s is not a Party member: tasks and pledges are for members.")
            % {"name": person.name}
        )
    if person.party_branch_id is None:
        raise VanguardRefused(_("You belong to no Party branch yet: ask the Party office."))
    detail = _prose(detail, limit=DETAIL_MAX, what=_("your words"))
    title = _(PLEDGES[pledge])
    with transaction.atomic():
        # One member's row lock: two taps of the button make one pledge.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        standing = VanguardRecord.objects.filter(
            person=person,
            kind=VanguardKind.PLEDGE,
            state=VanguardState.ASSIGNED,
            title=title,
        ).exists()
        if standing:
            raise VanguardRefused(_("You have made this pledge already."))
        return VanguardRecord.objects.create(
            uid=uuid.uuid4(),
            kind=VanguardKind.PLEDGE,
            party_org_id=person.party_branch_id,
            person=person,
            title=title,
            detail=detail,
            assigned_by=actor,
            assigned_at=now,
        )


def task_complete(
    *,
    actor: User,
    record: VanguardRecord,
    outcome: Any,
    hours: Any,
    now: dt.datetime | None = None,
) -> VanguardRecord:
    """The member (or a secretary above the organization) records what was done and the hours
    it took; whoever assigned it is told."""
    now = now or timezone.now()
    if not records_visible(scope=scope_of(actor)).filter(pk=record.pk).exists():
        raise _not_found()
    own = actor.person_id == record.person_id
    if not own and not is_secretary_of(actor, record.party_org, day=business_day(now)):
        raise VanguardRefused(
            _("Only the member themself or their Party secretary records the completion."),
            status=403,
        )
    if record.kind == VanguardKind.PLEDGE:
        raise VanguardRefused(_("A pledge stands as made: it is not completed."))
    outcome = _prose(outcome, limit=DETAIL_MAX, what=_("outcome"), required=True)
    spent = hours_input(hours)
    with transaction.atomic():
        record = (
            VanguardRecord.objects.select_for_update(of=("self",))
            .select_related("assigned_by__person", "party_org")
            .get(pk=record.pk)
        )
        if record.state != VanguardState.ASSIGNED:
            raise VanguardRefused(
                _("This is already %(state)s.") % {"state": record.get_state_display()}
            )
        record.state = VanguardState.DONE
        record.outcome = outcome
        record.hours = spent
        record.completed_at = now
        record.save(update_fields=["state", "outcome", "hours", "completed_at"])
        assigner = record.assigned_by.person if record.assigned_by else None
        if assigner is not None and assigner.pk != actor.person_id:
            _tell_on_commit(
                key=f"vanguard:{record.uid}:done",
                recipients=[assigner],
                subject=_("%(name)s completed a task") % {"name": record.person.name},
                body=f"{record.title}\n{outcome}\n" + _("%(hours)s hours.") % {"hours": spent},
            )
    return record


def task_cancel(
    *, actor: User, record: VanguardRecord, reason: Any = "", now: dt.datetime | None = None
) -> VanguardRecord:
    """Cancel a record under way: by whoever assigned it, a secretary above it, the PARTY_TASKS
    right in reach; a member withdraws their own pledge. The reason is kept as its outcome."""
    now = now or timezone.now()
    scope = scope_of(actor)
    if not records_visible(scope=scope).filter(pk=record.pk).exists():
        raise _not_found()
    allowed = (
        (record.assigned_by_id is not None and record.assigned_by_id == actor.pk)
        or (record.kind == VanguardKind.PLEDGE and record.person_id == actor.person_id)
        or is_secretary_of(actor, record.party_org, day=business_day(now))
        or (scope.has(Perm.PARTY_TASKS) and _org_in_reach(scope, record.party_org))
    )
    if not allowed:
        raise VanguardRefused(
            _("Only whoever assigned it or the Party secretary may cancel it."), status=403
        )
    reason = _prose(reason, limit=DETAIL_MAX, what=_("reason"))
    with transaction.atomic():
        record = VanguardRecord.objects.select_for_update().get(pk=record.pk)
        if record.state != VanguardState.ASSIGNED:
            raise VanguardRefused(
                _("This is already %(state)s.") % {"state": record.get_state_display()}
            )
        record.state = VanguardState.CANCELLED
        record.outcome = reason
        record.completed_at = now
        record.save(update_fields=["state", "outcome", "completed_at"])
        if record.person_id != actor.person_id:
            _tell_on_commit(
                key=f"vanguard:{record.uid}:cancelled",
                recipients=[record.person],
                subject=_("A task is cancelled"),
                body="\n".join(part for part in (record.title, reason) if part),
            )
    return record


def _tell_on_commit(*, key: str, recipients: list[Person], subject: str, body: str) -> None:
    from bastion.notify.services import notify

    transaction.on_commit(
        lambda: notify(key=key, recipients=recipients, subject=subject, body=body), robust=True
    )


# --- reading ----------------------------------------------------------------------------------


def records_visible(*, scope: Scope) -> QuerySet[VanguardRecord]:
    """The records of the people in reach (one's own among them)."""
    return VanguardRecord.objects.filter(person__in=scope.people())


def record_for(user: User, uid: uuid.UUID | str) -> VanguardRecord:
    visible = records_visible(scope=scope_of(user)).select_related("person", "party_org")
    return by_uid(visible, uid)


def branch_for(user: User, code: str) -> PartyOrg:
    """A Party organization in the user's reach (never by a member's own branch alone)."""
    scope = scope_of(user)
    if scope.is_self_only:
        raise Http404
    org = scope.party_orgs().filter(code=code).first()
    if org is None:
        raise Http404
    return org


@dataclass
class MemberRecord:
    """A member's vanguard record: tasks, services, pledges, hours, posts."""

    person: Person
    records: list[VanguardRecord]
    posts: list[PostMember]
    tasks: int = 0
    tasks_done: int = 0
    tasks_open: int = 0
    services: int = 0
    pledges: int = 0
    hours: Decimal = Decimal(0)
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> list[VanguardRecord]:
        return [r for r in self.records if r.state == VanguardState.ASSIGNED]

    @property
    def done(self) -> list[VanguardRecord]:
        return [r for r in self.records if r.state == VanguardState.DONE]


def member_record(*, person: Person) -> MemberRecord:
    """Everything the person did as a vanguard, newest first, with the posts they held."""
    records = list(
        VanguardRecord.objects.filter(person=person)
        .select_related("party_org", "assigned_by__person")
        .order_by("-assigned_at", "-pk")
    )
    posts = list(
        PostMember.objects.filter(person=person)
        .select_related("post", "post__party_org")
        .order_by("-from_on", "-pk")
    )
    summary = MemberRecord(person=person, records=records, posts=posts)
    by_kind: dict[str, int] = defaultdict(int)
    for r in records:
        if r.state == VanguardState.CANCELLED:
            continue
        by_kind[r.kind] += 1
        if r.kind == VanguardKind.TASK:
            summary.tasks += 1
            summary.tasks_done += r.state == VanguardState.DONE
            summary.tasks_open += r.state == VanguardState.ASSIGNED
        elif r.kind == VanguardKind.PLEDGE:
            summary.pledges += 1
        else:
            summary.services += 1
        if r.state == VanguardState.DONE:
            summary.hours += r.hours
    summary.by_kind = dict(by_kind)
    return summary


@dataclass(frozen=True)
class BranchRow:
    person: Person
    tasks: int
    tasks_done: int
    tasks_open: int
    services: int
    pledges: int
    hours: Decimal
    posts: int


@dataclass
class BranchRecord:
    party_org: PartyOrg
    rows: list[BranchRow]
    totals: dict[str, Any]


def branch_record(*, party_org: PartyOrg, scope: Scope, day: dt.date | None = None) -> BranchRecord:
    """Per member of the organization (and those below it) in the reader's reach: tasks
    assigned, done and open, services, pledges, hours, posts; and the totals. Three queries,
    whatever the number of members."""
    day = day or business_day()
    live = ~Q(vanguard_records__state=VanguardState.CANCELLED)
    task = Q(vanguard_records__kind=VanguardKind.TASK)
    members = list(
        members_of(party_org, day=day)
        .filter(scope.people_q())
        .annotate(
            n_tasks=Count("vanguard_records", filter=task & live),
            n_done=Count(
                "vanguard_records", filter=task & Q(vanguard_records__state=VanguardState.DONE)
            ),
            n_open=Count(
                "vanguard_records",
                filter=task & Q(vanguard_records__state=VanguardState.ASSIGNED),
            ),
            n_services=Count(
                "vanguard_records", filter=Q(vanguard_records__kind__in=SERVICE_KINDS) & live
            ),
            n_pledges=Count(
                "vanguard_records",
                filter=Q(vanguard_records__kind=VanguardKind.PLEDGE) & live,
            ),
            n_hours=Sum(
                "vanguard_records__hours",
                filter=Q(vanguard_records__state=VanguardState.DONE),
            ),
        )
        .select_related("party_branch")
        .order_by("party_branch__path", "number")
    )
    posts = dict(
        PostMember.objects.filter(person_id__in=[m.pk for m in members])
        .values_list("person_id")
        .annotate(n=Count("post_id", distinct=True))
        .order_by()
    )
    rows = [
        BranchRow(
            person=m,
            tasks=m.n_tasks,
            tasks_done=m.n_done,
            tasks_open=m.n_open,
            services=m.n_services,
            pledges=m.n_pledges,
            hours=m.n_hours or Decimal(0),
            posts=posts.get(m.pk, 0),
        )
        for m in members
    ]
    totals = {
        "members": len(rows),
        "tasks": sum(r.tasks for r in rows),
        "tasks_done": sum(r.tasks_done for r in rows),
        "tasks_open": sum(r.tasks_open for r in rows),
        "services": sum(r.services for r in rows),
        "pledges": sum(r.pledges for r in rows),
        "hours": sum((r.hours for r in rows), Decimal(0)),
        "posts": sum(r.posts for r in rows),
    }
    return BranchRecord(party_org=party_org, rows=rows, totals=totals)


def open_tasks(*, party_org: PartyOrg, scope: Scope) -> QuerySet[VanguardRecord]:
    """The records under way that the organization (or one below it) gave, in reach."""
    return (
        records_visible(scope=scope)
        .filter(party_org__path__startswith=party_org.path, state=VanguardState.ASSIGNED)
        .exclude(kind=VanguardKind.PLEDGE)
        .select_related("person")
        .order_by("due_on", "assigned_at")
    )


def orgs_led(user: User, *, day: dt.date | None = None) -> list[PartyOrg]:
    """The Party organizations the user is secretary of (their branch pages)."""
    if user.person_id is None:
        return []
    return list(
        PartyOrg.objects.filter(
            positions__in=Position.objects.active(day).filter(
                person_id=user.person_id, role=Role.PARTY_SECRETARY
            )
        )
        .distinct()
        .order_by("path")
    )
