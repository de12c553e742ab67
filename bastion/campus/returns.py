"""Return to campus (返校): the semester plan's conditions, applications sorted by them, bulk
approval of the clear ones, one-by-one review of the rest, and days to return on within the
day's capacity.

The conditions, each a code and a sentence the applicant reads:
- `checkin_days`: the plan's N consecutive days of normal check-ins, ending yesterday (or
  today, once today's is in);
- `open_alert`: no alert of theirs still open;
- `key_area`: not in or back from a key area within the quarantine window, and not setting
  out from one;
- `isolation`: no isolation proposed or under way;
- `before_start`: not before the semester's (deferred) start. Held for review, not refused:
  a special need (R12) may justify it, and the reviewers decide.
"""

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert, AlertState
from bastion.audit.models import Action
from bastion.audit.services import audit_bulk, audit_snapshots
from bastion.campaigns.models import Campaign
from bastion.campus.models import (
    OPEN_RETURN_STATES,
    ReturnApplication,
    ReturnReview,
    ReturnState,
    SemesterPlan,
)
from bastion.checkins.models import CheckIn
from bastion.lib import divisions
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import HealthStatus, Person, Unit
from bastion.tracing.models import Isolation, IsolationState, Transport
from bastion.tracing.selectors import SEVERITY_OF_RISK, key_area_presence_all

log = logging.getLogger(__name__)

# A college is the unit two levels down the tree (the university is the root).
COLLEGE_PATH = 2 * Unit.steplen
SEARCH_DAYS = 60  # how far past the planned day the scheduler looks for room


class ReturnRefused(Refused):
    """Bad input or no right: 400 with the reason, 404 out of reach, nothing written."""


def _not_found() -> ReturnRefused:
    return ReturnRefused(_("Not found, or not in your reach."), status=404)


def _no_right(actor: User, message: str, *, uid: Any = "") -> ReturnRefused:
    """A decision by someone without the duty: refused (403) and logged."""
    log.warning("return %s: decision by %s refused: %s", uid or "*", actor.get_username(), message)
    return ReturnRefused(message, status=403)


def semester_plan(campaign: Campaign | None) -> SemesterPlan | None:
    if campaign is None:
        return None
    return SemesterPlan.objects.filter(campaign=campaign).first()


# --- the conditions -----------------------------------------------------------------------


# Why a condition is not met: kept on the application as a code and its values, and put into
# words when read, in the reader's language (the sorting runs in a worker, in no language).
REASONS = {
    "abnormal": gettext_noop(
        "An abnormal check-in within the last %(n)d days: return needs %(n)d days of normal "
        "check-ins in a row."
    ),
    "too_few_days": gettext_noop(
        "%(done)d of the %(n)d days of check-in in a row that return needs: keep checking in "
        "every day and apply again."
    ),
    "open_alert": gettext_noop(
        "An alert of yours is still open: your counselor must close it first."
    ),
    "key_area": gettext_noop(
        "In or back from the key area %(area)s on %(day)s, within the %(days)d days of quarantine."
    ),
    "from_key_area": gettext_noop("Setting out from the key area %(area)s."),
    "isolation": gettext_noop("Under isolation, or proposed for it: finish it first."),
    "before_start": gettext_noop(
        "Before the semester starts on %(day)s: only a special need, which the reviewers "
        "weigh, allows it."
    ),
}


@dataclass(frozen=True)
class Unmet:
    code: str  # the condition: checkin_days, open_alert, key_area, isolation, before_start
    why: str  # which sentence of REASONS says it
    values: tuple[tuple[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "why": self.why, "values": dict(self.values)}


def unmet_reason(item: dict[str, Any]) -> str:
    """An unmet condition as stored on an application, in words (a division's code becomes
    its name)."""
    values = dict(item.get("values") or {})
    if "area" in values:
        values["area"] = divisions.full_name(values["area"]) or values["area"]
    text = REASONS.get(item.get("why", ""))
    return _(text) % values if text else item.get("code", "")


class Conditions:
    """The facts the conditions read, for many people at once: a handful of grouped queries
    whatever their number (10,000 applications are sorted in one pass)."""

    def __init__(self, *, plan: SemesterPlan, people: list[int] | QuerySet, today: dt.date) -> None:
        """`people`: their ids, or a query of them (a subquery for many: no list of 10,000
        parameters)."""
        self.plan = plan
        self.today = today
        campaign = plan.campaign
        n = max(plan.return_checkin_days, 1)
        first = today - dt.timedelta(days=n)
        self.days: dict[int, tuple[int, int, int, bool]] = {}
        rows = (
            CheckIn.objects.filter(
                campaign=campaign, person_id__in=people, day__range=(first, today)
            )
            .values("person_id")
            .annotate(
                to_yesterday=Count("id", filter=Q(status=HealthStatus.GREEN, day__lt=today)),
                to_today=Count("id", filter=Q(status=HealthStatus.GREEN, day__gt=first)),
                abnormal=Count("id", filter=~Q(status=HealthStatus.GREEN)),
                today=Count("id", filter=Q(day=today)),
            )
            .order_by()
        )
        for r in rows:
            self.days[r["person_id"]] = (
                r["to_yesterday"],
                r["to_today"],
                r["abnormal"],
                bool(r["today"]),
            )
        self.open_alerts: dict[int, int] = dict(
            Alert.objects.filter(person_id__in=people)
            .exclude(state=AlertState.CLOSED)
            .values_list("person_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        self.isolated: dict[int, str] = dict(
            Isolation.objects.filter(
                person_id__in=people,
                state__in=[IsolationState.PROPOSED, IsolationState.ACTIVE],
            ).values_list("person_id", "state")
        )
        # Everyone's presence in the key areas: bounded by the window, not by the people.
        self.key_area = key_area_presence_all(campaign=campaign, today=today)
        self.areas = [a for a in campaign.key_areas.all() if a.risk_level in SEVERITY_OF_RISK]

    def unmet(self, *, person_id: int, planned_on: dt.date, origin: str) -> list[Unmet]:
        found: list[Unmet] = []
        n = max(self.plan.return_checkin_days, 1)
        to_yesterday, to_today, abnormal, _today = self.days.get(person_id, (0, 0, 0, False))
        if abnormal:
            found.append(Unmet("checkin_days", "abnormal", (("n", n),)))
        elif max(to_yesterday, to_today) < n:
            done = max(to_yesterday, to_today)
            found.append(Unmet("checkin_days", "too_few_days", (("done", done), ("n", n))))
        if self.open_alerts.get(person_id):
            found.append(Unmet("open_alert", "open_alert"))
        if person_id in self.key_area:
            area, day = self.key_area[person_id]
            days = self.plan.campaign.quarantine_days
            found.append(
                Unmet(
                    "key_area",
                    "key_area",
                    (("area", area.division), ("day", day.isoformat()), ("days", days)),
                )
            )
        else:
            area = next((a for a in self.areas if a.covers(origin, self.today)), None)
            if area is not None:
                found.append(Unmet("key_area", "from_key_area", (("area", area.division),)))
        if person_id in self.isolated:
            found.append(Unmet("isolation", "isolation"))
        if planned_on < self.plan.start_on:
            day = self.plan.start_on.isoformat()
            found.append(Unmet("before_start", "before_start", (("day", day),)))
        return found


# --- applying -------------------------------------------------------------------------------


def _text(value: Any, **checks: Any) -> str:
    return text_input(value, refused=ReturnRefused, **checks)


def _date(value: Any, *, what: str) -> dt.date:
    return day_input(value, what=what, refused=ReturnRefused)


def return_may_apply(*, actor: User, person: Person) -> bool:
    """The person themself, or a counselor applying for one of theirs."""
    if actor.person_id == person.pk:
        return True
    scope = scope_of(actor)
    return scope.has(Perm.APPROVE_RETURN) and scope.people().filter(pk=person.pk).exists()


def return_apply(
    *,
    actor: User,
    person: Person,
    campaign: Campaign | None,
    planned_on: Any,
    origin: Any,
    route: Any = "",
    transport: Any,
    number: Any = "",
    client_id: str = "",
    now: dt.datetime | None = None,
) -> ReturnApplication:
    """Apply to return to campus; the application is sorted by the conditions at once.

    Refused: no plan, a day in the past, an unknown origin or transport, an application
    already open (pending or approved). Idempotent by `client_id`.
    """
    now = now or timezone.now()
    if not return_may_apply(actor=actor, person=person):
        raise _not_found()
    plan = semester_plan(campaign)
    if plan is None:
        raise ReturnRefused(_("There is no semester plan to return under yet."))
    client_id = _text(client_id, limit=64, what=_("client id"))
    if client_id:
        seen = ReturnApplication.objects.filter(person=person, client_id=client_id).first()
        if seen is not None:
            return seen
    today = business_day(now)
    planned = _date(planned_on, what=_("planned return"))
    if planned < today:
        raise ReturnRefused(_("The planned day %(day)s has passed.") % {"day": planned})
    if planned > today + dt.timedelta(days=180):
        raise ReturnRefused(_("Apply at most half a year ahead."))
    origin = str(origin or "").strip()
    if divisions.get(origin) is None:
        raise ReturnRefused(
            _("Unknown division code %(code)s: pick a province, city and county.")
            % {"code": origin or "—"}
        )
    if transport not in Transport.values:
        raise ReturnRefused(_("Pick how you travel."))
    values = {
        "planned_on": planned,
        "origin": origin,
        "route": _text(route, limit=200, what=_("route")),
        "transport": transport,
        "number": _text(number, limit=16, what=_("train or flight number"))
        .upper()
        .replace(" ", ""),
    }
    conditions = Conditions(plan=plan, people=[person.pk], today=today)
    unmet = conditions.unmet(person_id=person.pk, planned_on=planned, origin=origin)
    try:
        with transaction.atomic():
            return ReturnApplication.objects.create(
                uid=uuid.uuid4(),
                campaign=plan.campaign,
                person=person,
                unmet=[u.as_json() for u in unmet],
                sorted_at=now,
                submitted_at=now,
                submitted_by=actor,
                client_id=client_id,
                **values,
            )
    except IntegrityError:
        if client_id:
            seen = ReturnApplication.objects.filter(person=person, client_id=client_id).first()
            if seen is not None:
                return seen
        raise ReturnRefused(
            _("You already have an open return application: withdraw it to apply again.")
        ) from None


def return_withdraw(
    *, actor: User, application: ReturnApplication, now: dt.datetime | None = None
) -> ReturnApplication:
    """The applicant withdraws an application not yet decided, or approved but not used."""
    now = now or timezone.now()
    if actor.person_id != application.person_id:
        raise _not_found()
    with transaction.atomic():
        application = ReturnApplication.objects.select_for_update().get(pk=application.pk)
        if application.state not in OPEN_RETURN_STATES or application.arrived_at is not None:
            raise ReturnRefused(_("This application can no longer be withdrawn."))
        application.state = ReturnState.WITHDRAWN
        application.save(update_fields=["state"])
        ReturnReview.objects.create(
            application=application,
            stage=ReturnReview.Stage.APPLICANT,
            state=ReturnState.WITHDRAWN,
            actor=actor,
            at=now,
        )
    return application


# --- sorting ---------------------------------------------------------------------------------


def applications_sort(
    *,
    campaign: Campaign,
    now: dt.datetime,
    applications: list[ReturnApplication] | None = None,
    people: QuerySet | None = None,
) -> tuple[int, int]:
    """Work out again which conditions each undecided application meets; (clear, held).

    A person's facts change after they apply (a fever, a trip, an isolation ended), so the
    sorting runs again before every decision and on the hour. Writes only the rows whose
    answer changed.
    """
    plan = semester_plan(campaign)
    if plan is None:
        return 0, 0
    if applications is None:
        undecided = ReturnApplication.objects.filter(
            campaign=campaign, state__in=[ReturnState.PENDING, ReturnState.COUNSELOR_APPROVED]
        )
        applications = list(
            undecided.only("id", "person_id", "planned_on", "origin", "unmet", "state")
        )
        people = undecided.values("person_id")
    if people is None:
        people = sorted({a.person_id for a in applications})
    today = business_day(now)
    conditions = Conditions(plan=plan, people=people, today=today)
    changed = []
    clear = 0
    for application in applications:
        unmet = [
            u.as_json()
            for u in conditions.unmet(
                person_id=application.person_id,
                planned_on=application.planned_on,
                origin=application.origin,
            )
        ]
        clear += not unmet
        if unmet != application.unmet:
            application.unmet = unmet
            application.sorted_at = now
            changed.append(application)
    if changed:
        ReturnApplication.objects.bulk_update(changed, ["unmet", "sorted_at"], batch_size=500)
    return clear, len(applications) - clear


# --- deciding -------------------------------------------------------------------------------


def _reviewable(scope: Scope) -> QuerySet[ReturnApplication]:
    return ReturnApplication.objects.filter(person__in=scope.people())


def returns_approve_clear(
    *,
    actor: User,
    campaign: Campaign,
    uids: list[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Approve in one action every pending application in the actor's reach (or those named)
    that meets every condition, after sorting them again; (approved, held for review)."""
    now = now or timezone.now()
    scope = scope_of(actor)
    if not (scope.has(Perm.APPROVE_RETURN) or scope.has(Perm.APPROVE_RETURN_COLLEGE)):
        raise _no_right(actor, _("Approving returns is not among your duties."))
    pending = _reviewable(scope).filter(campaign=campaign, state=ReturnState.PENDING)
    if uids is not None:
        pending = pending.filter(uid__in=uids)
    with transaction.atomic():
        plan = SemesterPlan.objects.select_for_update().filter(campaign=campaign).first()
        if plan is None:
            raise ReturnRefused(_("There is no semester plan to return under yet."))
        applications = list(pending.select_for_update(of=("self",)).select_related("person__unit"))
        applications_sort(
            campaign=campaign,
            now=now,
            applications=applications,
            people=pending.values("person_id") if len(applications) > 500 else None,
        )
        clear = [a for a in applications if not a.unmet]
        before = audit_snapshots(clear)
        for application in clear:
            application.state = ReturnState.APPROVED
            application.decided_note = ""
        _schedule(plan, clear)
        ReturnApplication.objects.bulk_update(
            clear, ["state", "decided_note", "scheduled_on"], batch_size=500
        )
        audit_bulk(Action.UPDATE, clear, before=before)
        ReturnReview.objects.bulk_create(
            ReturnReview(
                application=a,
                stage=ReturnReview.Stage.BULK,
                state=ReturnState.APPROVED,
                actor=actor,
                at=now,
            )
            for a in clear
        )
        _tell_on_commit(clear)
    return len(clear), len(applications) - len(clear)


def return_review(
    *,
    actor: User,
    application: ReturnApplication,
    approve: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> ReturnApplication:
    """Decide one application: the counselor first, then, for one that does not meet every
    condition, the college. A rejection, and approving one that does not meet every
    condition, need a reason; the applicant is told."""
    now = now or timezone.now()
    scope = scope_of(actor)
    if not _reviewable(scope).filter(pk=application.pk).exists():
        raise _not_found()
    note = _text(note, limit=300, what=_("reason"))
    with transaction.atomic():
        plan = SemesterPlan.objects.select_for_update().get(campaign_id=application.campaign_id)
        application = (
            ReturnApplication.objects.select_for_update(of=("self",))
            .select_related("person__unit")
            .get(pk=application.pk)
        )
        if application.person_id == actor.person_id:
            raise _no_right(actor, _("Nobody decides their own application."), uid=application.uid)
        if application.state == ReturnState.PENDING:
            stage = ReturnReview.Stage.COUNSELOR
            if not (scope.has(Perm.APPROVE_RETURN) or scope.has(Perm.APPROVE_RETURN_COLLEGE)):
                message = _("Approving returns is not among your duties.")
                raise _no_right(actor, message, uid=application.uid)
        elif application.state == ReturnState.COUNSELOR_APPROVED:
            stage = ReturnReview.Stage.COLLEGE
            if not scope.has(Perm.APPROVE_RETURN_COLLEGE):
                message = _("The counselor has passed it on: the college decides now.")
                raise _no_right(actor, message, uid=application.uid)
        else:
            raise ReturnRefused(
                _("This application is already %(state)s.")
                % {"state": application.get_state_display()}
            )
        applications_sort(campaign=plan.campaign, now=now, applications=[application])
        if not approve:
            if not note:
                raise ReturnRefused(
                    _("Say why it is refused and what the applicant can do: they will read it.")
                )
            application.state = ReturnState.REJECTED
        elif application.unmet and not note:
            raise ReturnRefused(
                _("It does not meet every condition: record the reason for approving it.")
            )
        elif application.unmet and stage == ReturnReview.Stage.COUNSELOR:
            application.state = ReturnState.COUNSELOR_APPROVED
        else:
            application.state = ReturnState.APPROVED
            _schedule(plan, [application])
        application.decided_note = note
        application.save(update_fields=["state", "decided_note", "scheduled_on", "unmet"])
        ReturnReview.objects.create(
            application=application,
            stage=stage,
            state=application.state,
            note=note,
            actor=actor,
            at=now,
        )
        if application.state in (ReturnState.APPROVED, ReturnState.REJECTED):
            _tell_on_commit([application])
    return application


def _college_key(unit_path: str) -> str:
    return unit_path[:COLLEGE_PATH]


def _schedule(plan: SemesterPlan, applications: list[ReturnApplication]) -> None:
    """Give each approved application the first day, from its planned day on, with room left
    in the university's and its college's capacity. The caller holds the plan's row lock, so
    two approvals never fill the same last place."""
    if not applications:
        return
    first = min(a.planned_on for a in applications)
    taken = (
        ReturnApplication.objects.filter(
            campaign_id=plan.campaign_id,
            state=ReturnState.APPROVED,
            scheduled_on__gte=first,
        )
        .exclude(pk__in=[a.pk for a in applications])
        .values_list("scheduled_on", "person__unit__path")
    )
    per_day: Counter = Counter()
    per_college: Counter = Counter()
    for day, path in taken:
        per_day[day] += 1
        per_college[day, _college_key(path)] += 1
    for application in sorted(applications, key=lambda a: (a.planned_on, a.submitted_at)):
        college = _college_key(application.person.unit.path)
        day = application.planned_on
        for _k in range(SEARCH_DAYS):
            if (
                per_day[day] < plan.daily_capacity
                and per_college[day, college] < plan.college_daily_capacity
            ):
                break
            day += dt.timedelta(days=1)
        application.scheduled_on = day
        per_day[day] += 1
        per_college[day, college] += 1


def _tell_on_commit(applications: list[ReturnApplication]) -> None:
    from bastion.notify.services import Message, notify_many

    messages = []
    for a in applications:
        if a.state == ReturnState.APPROVED:
            subject = _("Your return to campus is approved")
            body = _("Return on %(day)s, through the gate with your pass.") % {
                "day": a.scheduled_on
            }
        else:
            subject = _("Your return to campus is not approved")
            body = a.decided_note
        messages.append(
            Message(
                key=f"campus:return:{a.uid}:{a.state}",
                recipients=[a.person],
                subject=subject,
                body=body,
            )
        )
    transaction.on_commit(lambda: notify_many(messages=messages), robust=True)


# --- reading --------------------------------------------------------------------------------


def returns_visible(*, scope: Scope) -> QuerySet[ReturnApplication]:
    """The applications of the people in reach, and one's own."""
    q = Q(person__in=scope.people())
    if scope.person_id is not None:
        q |= Q(person_id=scope.person_id)
    return ReturnApplication.objects.filter(q)


def return_for(user: User, uid: uuid.UUID | str) -> ReturnApplication:
    visible = returns_visible(scope=scope_of(user))
    return by_uid(visible.select_related("person", "person__unit", "campaign"), uid)


def returns_approved_on(*, person: Person, campaign: Campaign) -> ReturnApplication | None:
    """The person's approved application, if any: it says from which day they may return."""
    return (
        ReturnApplication.objects.filter(
            person=person, campaign=campaign, state=ReturnState.APPROVED
        )
        .order_by("-submitted_at")
        .first()
    )
