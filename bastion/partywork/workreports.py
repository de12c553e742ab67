"""Work reports (工作情况报送, R20): each secondary committee sends the Organization Department
its periodic report of how its Party organizations and members played their part, by a
deadline. Bastion drafts it from the committee's own data (members, members on duty, vanguard
records, stories, commendations, care cases); the committee's secretary edits and submits it;
reports not submitted past their deadline are flagged.

The seeds: "各单位总结党组织和广大党员、干部在防控疫情斗争中发挥作用的情况电子版，
请及时报党委组织部" (000); "各二级党委（党总支）对组织引导基层党组织、党员干部在防控疫情中发挥
作用的做法与成效，请及时报送学校党委组织部" (004).
"""

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.lib.days import at, business_day
from bastion.lib.inputs import day_input, text_input
from bastion.lib.lookup import by_uid
from bastion.org.models import PartyOrg, PartyOrgKind, Person, Position, Unit
from bastion.partywork.models import (
    CareCase,
    Commendation,
    DutyShift,
    ExemplaryStory,
    FrontlinePost,
    ShiftState,
    StoryState,
    VanguardKind,
    VanguardRecord,
    VanguardState,
    WorkReport,
    WorkReportState,
)
from bastion.partywork.vanguard import MEMBER_STATUSES, SERVICE_KINDS, VanguardRefused, prose

log = logging.getLogger(__name__)

BODY_MAX = 20000
PERIOD_MAX = dt.timedelta(days=366)
ON_DUTY = (ShiftState.PLANNED, ShiftState.ON, ShiftState.DONE)


class WorkReportRefused(VanguardRefused):
    """Bad input or no right: 400, 403 in reach without the right, 404 out of reach."""


def _not_found() -> WorkReportRefused:
    return WorkReportRefused(_("Not found, or not in your reach."), status=404)


def reporting_orgs() -> QuerySet[PartyOrg]:
    """The committees that report: every secondary committee, and the general and directly
    affiliated branches right under the university committee ("各分党委、党总支、直属党支部")."""
    top = Q(depth=2, kind__in=[PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.DIRECT_BRANCH])
    return PartyOrg.objects.filter(Q(kind=PartyOrgKind.SECONDARY_COMMITTEE) | top).order_by("path")


# --- the figures ------------------------------------------------------------------------------


def _tenth(value: Any) -> float:
    return float(Decimal(value or 0).quantize(Decimal("0.1")))


def _led_people_q(party_org: PartyOrg) -> Q:
    """Q over Person: of the committee (by their branch) or of the units it leads (属地)."""
    parts = [Q(party_branch__path__startswith=party_org.path)]
    led = Unit.objects.filter(party_org__path__startswith=party_org.path).values_list(
        "path", flat=True
    )
    parts += [Q(unit__path__startswith=path) for path in led]
    return reduce(or_, parts)


def work_report_figures(
    *, party_org: PartyOrg, period_start: dt.date, period_end: dt.date
) -> dict[str, Any]:
    """The committee's own facts over the period, from its subtree: members, members on duty,
    vanguard records done, stories published, commendations, care cases."""
    since = at(period_start, dt.time(0))
    until = at(period_end + dt.timedelta(days=1), dt.time(0))
    path = party_org.path
    in_tree = Q(party_branch__path__startswith=path)
    members = Person.objects.filter(in_tree, political_status__in=MEMBER_STATUSES)
    counted = members.aggregate(
        members=Count("id"), probationary=Count("id", filter=Q(political_status="probationary"))
    )
    branches = PartyOrg.objects.filter(
        path__startswith=path,
        kind__in=[PartyOrgKind.BRANCH, PartyOrgKind.DIRECT_BRANCH, PartyOrgKind.GENERAL_BRANCH],
    ).count()
    posts = (
        FrontlinePost.objects.filter(party_org__path__startswith=path, set_up_on__lte=period_end)
        .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=period_start))
        .count()
    )
    duty = DutyShift.objects.filter(
        person__in=members, state__in=ON_DUTY, starts_at__gte=since, starts_at__lt=until
    ).aggregate(
        people=Count("person_id", distinct=True),
        shifts=Count("id"),
        hours=Sum(ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())),
    )
    duty_hours = duty["hours"].total_seconds() / 3600 if duty["hours"] else 0
    done = VanguardRecord.objects.filter(
        party_org__path__startswith=path,
        state=VanguardState.DONE,
        completed_at__gte=since,
        completed_at__lt=until,
    )
    by_kind = dict(done.values_list("kind").annotate(n=Count("id")).order_by())
    pledges = VanguardRecord.objects.filter(
        party_org__path__startswith=path,
        kind=VanguardKind.PLEDGE,
        assigned_at__gte=since,
        assigned_at__lt=until,
    ).count()
    stories = ExemplaryStory.objects.filter(
        branch__path__startswith=path,
        state=StoryState.PUBLISHED,
        published_at__gte=since,
        published_at__lt=until,
    ).count()
    commendations = (
        Commendation.objects.filter(awarded_on__range=(period_start, period_end))
        .filter(
            Q(party_org__path__startswith=path) | Q(person__party_branch__path__startswith=path)
        )
        .count()
    )
    care = CareCase.objects.filter(
        person__in=Person.objects.filter(_led_people_q(party_org)),
        registered_at__gte=since,
        registered_at__lt=until,
    ).aggregate(registered=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
    return {
        "members": counted["members"],
        "probationary": counted["probationary"],
        "branches": branches,
        "posts": posts,
        "members_on_duty": duty["people"],
        "duty_shifts": duty["shifts"],
        "duty_hours": _tenth(duty_hours),
        "tasks_done": by_kind.get(VanguardKind.TASK, 0),
        "services_done": sum(by_kind.get(k, 0) for k in SERVICE_KINDS),
        "commando": by_kind.get(VanguardKind.COMMANDO, 0),
        "volunteer": by_kind.get(VanguardKind.VOLUNTEER, 0),
        "pioneer": by_kind.get(VanguardKind.PIONEER_POST, 0),
        "vanguard_hours": _tenth(done.aggregate(h=Sum("hours"))["h"]),
        "pledges": pledges,
        "stories_published": stories,
        "commendations": commendations,
        "care_cases": care["registered"],
        "care_resolved": care["resolved"],
    }


# The figures the text reads (a draft of an older version lacks some: they read 0).
FIGURE_KEYS = (
    "members",
    "probationary",
    "branches",
    "posts",
    "members_on_duty",
    "duty_shifts",
    "duty_hours",
    "tasks_done",
    "services_done",
    "commando",
    "volunteer",
    "pioneer",
    "vanguard_hours",
    "pledges",
    "stories_published",
    "commendations",
    "care_cases",
    "care_resolved",
)


def _day(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def work_report_text(*, party_org: PartyOrg, start: dt.date, end: dt.date, figures: dict) -> str:
    """The draft's words from its figures, in the university's language (a document sent to
    the Organization Department, whoever's screen it was drafted on)."""
    f = {key: figures.get(key, 0) for key in FIGURE_KEYS}
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _(
                "%(org)s: how its Party organizations and members played their part in the "
                "epidemic prevention and control, %(start)s to %(end)s"
            )
            % {"org": party_org.name, "start": _day(start), "end": _day(end)},
            "",
            _(
                "1. Organization. %(members)d Party members (%(probationary)d of them "
                "probationary) in %(branches)d Party branches; %(posts)d front-line posts "
                "with a temporary Party organization."
            )
            % f,
            _(
                "2. On duty. %(members_on_duty)d Party members held %(duty_shifts)d duty "
                "shifts, %(duty_hours)s hours in all."
            )
            % f,
            _(
                "3. Vanguards. Members completed %(tasks_done)d tasks given by their Party "
                "organizations and served %(services_done)d times in commando teams "
                "(%(commando)d), volunteer services (%(volunteer)d) and pioneer posts "
                "(%(pioneer)d), %(vanguard_hours)s hours in all; %(pledges)d take-the-lead "
                "pledges were made."
            )
            % f,
            _("4. Exemplary deeds. %(stories_published)d stories of exemplary deeds published.")
            % f,
            _("5. Commendations. %(commendations)d commendations and proposals for bold use.") % f,
            _(
                "6. Care for the front line. %(care_cases)d difficulties of front-line staff "
                "registered, %(care_resolved)d of them resolved."
            )
            % f,
            "",
            _(
                "(Drafted by Bastion on %(day)s from the committee's own records: add the "
                "committee's practices and results before submitting.)"
            )
            % {"day": _day(dt.date.fromisoformat(figures.get("drafted_on", start.isoformat())))},
        ]
    return "\n".join(lines)


# --- writing ----------------------------------------------------------------------------------


def _period(period_start: Any, period_end: Any) -> tuple[dt.date, dt.date]:
    start = day_input(period_start, what=_("first day"), refused=WorkReportRefused)
    end = day_input(period_end, what=_("last day"), refused=WorkReportRefused)
    if end < start:
        raise WorkReportRefused(_("The period ends before it starts."))
    if end - start > PERIOD_MAX:
        raise WorkReportRefused(_("A report covers a year at most."))
    return start, end


def _due(due_at: Any) -> dt.datetime:
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        raise WorkReportRefused(_("Give the deadline as a day and a time."))
    return due_at


def work_report_draft(
    *,
    party_org: PartyOrg,
    period_start: Any,
    period_end: Any,
    due_at: Any,
    now: dt.datetime | None = None,
) -> tuple[WorkReport, bool]:
    """Draft (or draft again) the committee's report of the period from its own data;
    (report, created). A submitted report is left as it was; a draft gets today's figures,
    and its text only if the committee has not edited it."""
    now = now or timezone.now()
    start, end = _period(period_start, period_end)
    due = _due(due_at)
    figures = work_report_figures(party_org=party_org, period_start=start, period_end=end)
    figures["drafted_on"] = business_day(now).isoformat()
    body = work_report_text(party_org=party_org, start=start, end=end, figures=figures)
    key = {"party_org": party_org, "period_start": start, "period_end": end}
    try:
        with transaction.atomic():
            report = WorkReport.objects.select_for_update().filter(**key).first()
            if report is None:
                return (
                    WorkReport.objects.create(
                        uid=uuid.uuid4(), due_at=due, figures=figures, body=body, **key
                    ),
                    True,
                )
            if report.state == WorkReportState.SUBMITTED:
                return report, False
            drafted = work_report_text(
                party_org=party_org, start=start, end=end, figures=report.figures
            )
            if report.body.strip() == drafted.strip():
                report.body = body
            report.figures = figures
            report.due_at = due
            report.save(update_fields=["figures", "body", "due_at"])
            return report, False
    except IntegrityError:
        # Drafted by another worker a moment before: theirs stands.
        return WorkReport.objects.get(**key), False


def work_reports_draft_all(
    *,
    period_start: Any,
    period_end: Any,
    due_at: Any,
    now: dt.datetime | None = None,
) -> list[WorkReport]:
    """The drafts of the period for every committee that reports, idempotently (run again, it
    refreshes the drafts' figures and leaves the submitted ones); the secretaries of the new
    ones are told."""
    now = now or timezone.now()
    start, end = _period(period_start, period_end)
    due = _due(due_at)
    reports = []
    new = []
    for org in reporting_orgs():
        report, created = work_report_draft(
            party_org=org, period_start=start, period_end=end, due_at=due, now=now
        )
        reports.append(report)
        if created:
            new.append(report)
    if new:
        _tell_secretaries(new, day=business_day(now))
    return reports


def _tell_secretaries(reports: list[WorkReport], *, day: dt.date) -> None:
    from bastion.notify.services import Message, notify_many

    held = Position.objects.active(day).filter(
        role=Role.PARTY_SECRETARY, party_org__in=[r.party_org_id for r in reports]
    )
    secretaries: dict[int, list[Person]] = {}
    for position in held.select_related("person"):
        secretaries.setdefault(position.party_org_id, []).append(position.person)
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for report in reports:
            if report.party_org_id not in secretaries:
                continue
            messages.append(
                Message(
                    key=f"workreport:{report.uid}:drafted",
                    recipients=secretaries[report.party_org_id],
                    subject=_("Your work report is drafted: submit it by %(due)s")
                    % {"due": formats.date_format(timezone.localtime(report.due_at), "Y-m-d H:i")},
                    body=_(
                        "Bastion drafted the report of %(start)s to %(end)s from your committee's "
                        "records. Add your practices and results, then submit it."
                    )
                    % {"start": report.period_start, "end": report.period_end},
                )
            )
    if messages:
        transaction.on_commit(lambda: notify_many(messages=messages), robust=True)


def is_committee_secretary(actor: User, party_org: PartyOrg, *, day: dt.date) -> bool:
    """Does `actor` hold a Party secretary's position on this very committee?"""
    return (
        actor.person_id is not None
        and Position.objects.active(day)
        .filter(person_id=actor.person_id, role=Role.PARTY_SECRETARY, party_org=party_org)
        .exists()
    )


def _writable(actor: User, report: WorkReport, now: dt.datetime) -> None:
    if not reports_visible(scope=scope_of(actor)).filter(pk=report.pk).exists():
        raise _not_found()
    if not is_committee_secretary(actor, report.party_org, day=business_day(now)):
        log.warning("work report %s: %s is not its secretary", report.uid, actor.get_username())
        raise WorkReportRefused(
            _("Only the secretary of %(org)s edits and submits its report.")
            % {"org": report.party_org.name},
            status=403,
        )


def _body(value: Any) -> str:
    return text_input(
        value,
        limit=BODY_MAX,
        what=_("report"),
        required=_("The report is empty: write what the committee did."),
        refused=WorkReportRefused,
        normal=prose,
    )


def work_report_edit(
    *, actor: User, report: WorkReport, body: Any, now: dt.datetime | None = None
) -> WorkReport:
    """The committee's secretary saves the draft's words without submitting it."""
    now = now or timezone.now()
    _writable(actor, report, now)
    body = _body(body)
    with transaction.atomic():
        report = WorkReport.objects.select_for_update().get(pk=report.pk)
        if report.state != WorkReportState.DRAFT:
            raise WorkReportRefused(_("This report is submitted already."))
        report.body = body
        report.save(update_fields=["body"])
    return report


def work_report_refresh(
    *, actor: User, report: WorkReport, now: dt.datetime | None = None
) -> WorkReport:
    """The committee's secretary has the draft's figures worked out again from today's records
    (its words too, unless they have been edited)."""
    now = now or timezone.now()
    _writable(actor, report, now)
    if report.state != WorkReportState.DRAFT:
        raise WorkReportRefused(_("This report is submitted already."))
    refreshed, _created = work_report_draft(
        party_org=report.party_org,
        period_start=report.period_start,
        period_end=report.period_end,
        due_at=report.due_at,
        now=now,
    )
    return refreshed


def work_report_submit(
    *, actor: User, report: WorkReport, body: Any, now: dt.datetime | None = None
) -> WorkReport:
    """The committee's secretary submits the report, in the words they give; late is taken
    and shown as late."""
    now = now or timezone.now()
    _writable(actor, report, now)
    body = _body(body)
    with transaction.atomic():
        report = WorkReport.objects.select_for_update().get(pk=report.pk)
        if report.state != WorkReportState.DRAFT:
            raise WorkReportRefused(_("This report is submitted already."))
        report.body = body
        report.state = WorkReportState.SUBMITTED
        report.submitted_by = actor
        report.submitted_at = now
        report.save(update_fields=["body", "state", "submitted_by", "submitted_at"])
    return report


# --- reading ----------------------------------------------------------------------------------


def reports_visible(*, scope: Scope) -> QuerySet[WorkReport]:
    """Every report for those who read the briefing (the Organization Department, the
    leading group); the reports of the committees in reach for the others."""
    if scope.has(Perm.BRIEFING):
        return WorkReport.objects.all()
    if scope.is_self_only:
        return WorkReport.objects.none()
    return WorkReport.objects.filter(party_org__in=scope.party_orgs())


def report_for(user: User, uid: uuid.UUID | str) -> WorkReport:
    visible = reports_visible(scope=scope_of(user))
    return by_uid(visible.select_related("party_org", "submitted_by__person"), uid)


def is_late(report: WorkReport, *, now: dt.datetime) -> bool:
    """Submitted after its deadline, or not submitted and past it."""
    if report.submitted_at is not None:
        return report.submitted_at > report.due_at
    return now > report.due_at


@dataclass(frozen=True)
class Missing:
    party_org: PartyOrg
    report: WorkReport | None
    due_at: dt.datetime


def work_reports_missing(*, period_end: Any, now: dt.datetime | None = None) -> list[Missing]:
    """The committees whose report of the period ending `period_end` is not submitted though
    its deadline has passed; a committee with no report at all is missing once the period's
    first deadline has passed."""
    now = now or timezone.now()
    end = day_input(period_end, what=_("last day"), refused=WorkReportRefused)
    reports = {
        r.party_org_id: r
        for r in WorkReport.objects.filter(period_end=end).select_related("party_org")
    }
    if not reports:
        return []
    first_due = min(r.due_at for r in reports.values())
    missing = []
    for org in reporting_orgs():
        report = reports.get(org.pk)
        if report is None:
            if now > first_due:
                missing.append(Missing(party_org=org, report=None, due_at=first_due))
        elif report.state != WorkReportState.SUBMITTED and now > report.due_at:
            missing.append(Missing(party_org=org, report=report, due_at=report.due_at))
    return missing


@dataclass(frozen=True)
class ReportRow:
    party_org: PartyOrg
    report: WorkReport | None
    late: bool
    missing: bool


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    due_at: dt.datetime
    rows: list[ReportRow]

    @property
    def missing(self) -> int:
        return sum(r.missing for r in self.rows)

    @property
    def submitted(self) -> int:
        return sum(
            r.report is not None and r.report.state == WorkReportState.SUBMITTED for r in self.rows
        )


def reports_by_period(*, scope: Scope, now: dt.datetime, periods: int = 12) -> list[Period]:
    """The newest periods, each with its committees' reports; for the readers of every report,
    committees lacking one are listed too. Missing: not submitted, past the deadline."""
    visible = list(
        reports_visible(scope=scope)
        .select_related("party_org", "submitted_by__person")
        .order_by("-period_end", "-period_start", "party_org__path")
    )
    keys: list[tuple[dt.date, dt.date]] = []
    grouped: dict[tuple[dt.date, dt.date], list[WorkReport]] = {}
    for report in visible:
        key = (report.period_start, report.period_end)
        if key not in grouped:
            if len(keys) == periods:
                continue
            keys.append(key)
            grouped[key] = []
        grouped[key].append(report)
    every = scope.has(Perm.BRIEFING)
    orgs = list(reporting_orgs()) if every else []
    out = []
    for key in keys:
        reports = grouped[key]
        due = min(r.due_at for r in reports)
        rows = [
            ReportRow(
                party_org=r.party_org,
                report=r,
                late=is_late(r, now=now),
                missing=r.state != WorkReportState.SUBMITTED and now > r.due_at,
            )
            for r in reports
        ]
        have = {r.party_org_id for r in reports}
        rows += [
            ReportRow(party_org=org, report=None, late=now > due, missing=now > due)
            for org in orgs
            if org.pk not in have
        ]
        rows.sort(key=lambda row: row.party_org.path)
        out.append(Period(start=key[0], end=key[1], due_at=due, rows=rows))
    return out
