"""The daily briefing (每日简报) of the epidemic and of the Party's work in it, for the leading
group and the Organization Department: a page, an official document (.docx), and a message
each evening at 21:00.

The figures are the university's whole: check-in coverage and the abnormal from the per-unit
daily counts the dashboards read (never check-in history); alerts, reports, cases, isolations,
returns and gate entries; front-line posts, duty shifts, vanguard records and stories. A past
day's figures are taken as they stood at the end of that day where the records allow it.
"""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.roles import ROLES, Perm
from bastion.accounts.scoping import EVERYTHING
from bastion.alerts.models import Alert
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campus.models import AccessLog, Direction, ReturnApplication, ReturnReview, ReturnState
from bastion.dashboards.selectors import Child, Figures, children_figures, today_figures
from bastion.lib.days import SHANGHAI, at, business_day
from bastion.lib.sheets import ExportStamp
from bastion.org.models import Person, Position, Unit
from bastion.partywork import briefing_docx as od
from bastion.partywork.models import (
    DutyShift,
    ExemplaryStory,
    FrontlinePost,
    PostMember,
    ShiftState,
    StoryState,
    VanguardRecord,
    VanguardState,
)
from bastion.reports.selectors import reporting_units, reports_missing
from bastion.tracing.models import Case, CaseEvent, CaseStatus, Isolation, IsolationState

BRIEFING_ROLES = tuple(r for r, s in ROLES.items() if Perm.BRIEFING in s.perms)
BRIEFING_TIME = dt.time(21, 0)  # when the worker sends the day's briefing, in Shanghai


@dataclass(frozen=True)
class Briefing:
    """One day's figures, for the whole university."""

    day: dt.date
    as_of: dt.datetime
    university: Unit | None
    campaign: Campaign | None
    checkins: Figures = field(default_factory=Figures)
    units: list[Child] = field(default_factory=list)
    alerts_raised: int = 0
    alerts_open: int = 0
    alerts_overdue: int = 0
    reports_expected: int = 0
    reports_missing: list[Unit] = field(default_factory=list)
    suspected_new: int = 0
    confirmed_new: int = 0
    isolations_started: int = 0
    isolations_released: int = 0
    returns_approved: int = 0
    returns_due: int = 0
    gate_in: int = 0
    gate_refused: int = 0
    posts_open: int = 0
    people_at_posts: int = 0
    shifts_planned: int = 0
    shifts_held: int = 0
    vanguard_done: int = 0
    vanguard_hours: Decimal = Decimal(0)
    stories: list[ExemplaryStory] = field(default_factory=list)

    @property
    def issue(self) -> int:
        """The briefing's number: days since the campaign began, the first day being 1."""
        if self.campaign is None:
            return 0
        return max((self.day - self.campaign.starts_on).days + 1, 0)

    @property
    def university_name(self) -> str:
        return self.university.name if self.university else ""


def briefing_figures(*, day: dt.date, now: dt.datetime | None = None) -> Briefing:
    """The day's figures of the epidemic and of the Party's work (about twenty queries)."""
    now = now or timezone.now()
    start = at(day, dt.time(0))
    end = start + dt.timedelta(days=1)
    as_of = min(now, end)
    within = {"at__gte": start, "at__lt": end}
    university = Unit.objects.filter(depth=1).order_by("path").first()
    campaign = active_campaign()
    if university is None:
        return Briefing(day=day, as_of=as_of, university=None, campaign=campaign)

    still_open = Q(raised_at__lt=as_of) & (Q(closed_at__isnull=True) | Q(closed_at__gte=as_of))
    alerts = Alert.objects.aggregate(
        raised=Count("pk", filter=Q(raised_at__gte=start, raised_at__lt=end)),
        open=Count("pk", filter=still_open),
        overdue=Count(
            "pk",
            filter=still_open
            & Q(escalate_at__lt=as_of)
            & (Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=as_of)),
        ),
    )
    expected_reports, missing = 0, []
    if campaign is not None and day >= campaign.starts_on:
        expected_reports = reporting_units(campaign=campaign).count()
        missing = reports_missing(scope=EVERYTHING, campaign=campaign, day=day, now=as_of)

    isolations = Isolation.objects.aggregate(
        started=Count("pk", filter=Q(starts_on=day) & ~Q(state=IsolationState.WITHDRAWN)),
        released=Count("pk", filter=Q(ended_on=day, state=IsolationState.RELEASED)),
    )
    gate = AccessLog.objects.filter(at__gte=start, at__lt=end, direction=Direction.IN).aggregate(
        entered=Count("pk", filter=Q(admitted=True)),
        turned_away=Count("pk", filter=Q(admitted=False)),
    )
    open_posts = FrontlinePost.objects.filter(
        Q(set_up_on__lte=day), Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=day)
    )
    shifts = (
        DutyShift.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(state=ShiftState.CANCELLED)
        .aggregate(
            planned=Count("pk"),
            held=Count("pk", filter=Q(state__in=[ShiftState.ON, ShiftState.DONE])),
        )
    )
    vanguard = VanguardRecord.objects.filter(
        state=VanguardState.DONE, completed_at__gte=start, completed_at__lt=end
    ).aggregate(done=Count("pk"), total_hours=Sum("hours"))
    return Briefing(
        day=day,
        as_of=as_of,
        university=university,
        campaign=campaign,
        checkins=today_figures(unit=university, day=day),
        units=[c for c in children_figures(unit=university, day=day) if c.figures.expected],
        alerts_raised=alerts["raised"],
        alerts_open=alerts["open"],
        alerts_overdue=alerts["overdue"],
        reports_expected=expected_reports,
        reports_missing=missing,
        suspected_new=Case.objects.filter(reported_at__gte=start, reported_at__lt=end).count(),
        confirmed_new=CaseEvent.objects.filter(status=CaseStatus.CONFIRMED, **within)
        .values("case_id")
        .distinct()
        .count(),
        isolations_started=isolations["started"],
        isolations_released=isolations["released"],
        returns_approved=ReturnReview.objects.filter(state=ReturnState.APPROVED, **within)
        .values("application_id")
        .distinct()
        .count(),
        returns_due=ReturnApplication.objects.filter(
            state=ReturnState.APPROVED, scheduled_on=day
        ).count(),
        gate_in=gate["entered"],
        gate_refused=gate["turned_away"],
        posts_open=open_posts.count(),
        people_at_posts=PostMember.objects.filter(
            Q(post__in=open_posts),
            Q(from_on__lte=day),
            Q(to_on__isnull=True) | Q(to_on__gte=day),
        )
        .values("person_id")
        .distinct()
        .count(),
        shifts_planned=shifts["planned"],
        shifts_held=shifts["held"],
        vanguard_done=vanguard["done"],
        vanguard_hours=vanguard["total_hours"] or Decimal(0),
        stories=list(
            ExemplaryStory.objects.filter(
                state=StoryState.PUBLISHED, published_at__gte=start, published_at__lt=end
            )
            .select_related("branch")
            .order_by("published_at")
        ),
    )


# --- in words --------------------------------------------------------------------------------


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def briefing_sections(b: Briefing) -> list[tuple[str, list[str]]]:
    """The briefing in sentences, section by section (一、二、三), for the page, the document
    and the message alike."""
    f = b.checkins
    if b.reports_missing:
        reports = _(
            "%(n)d units owe a daily report; %(missing)d had not sent it by the deadline: "
            "%(units)s."
        ) % {
            "n": b.reports_expected,
            "missing": len(b.reports_missing),
            "units": "、".join(u.name for u in b.reports_missing),
        }
    else:
        reports = _("%(n)d units owe a daily report; none is missing.") % {"n": b.reports_expected}
    if b.stories:
        stories = _("%(n)d exemplary stories published: %(titles)s.") % {
            "n": len(b.stories),
            "titles": "、".join(f"《{s.title}》" for s in b.stories),
        }
    else:
        stories = _("No exemplary story published.")
    return [
        (
            _("1. Check-in and alerts"),
            [
                _(
                    "%(expected)d people to check in, %(checked_in)d checked in (coverage "
                    "%(coverage)s), %(missing)d not checked in; %(abnormal)d abnormal, "
                    "%(key_area)d in or back from a key area."
                )
                % {
                    "expected": f.expected,
                    "checked_in": f.checked_in,
                    "coverage": f.coverage_pct,
                    "missing": f.missing,
                    "abnormal": f.abnormal,
                    "key_area": f.key_area,
                },
                _(
                    "%(raised)d alerts raised; %(open)d not closed, %(overdue)d of them past "
                    "their time to be handled."
                )
                % {"raised": b.alerts_raised, "open": b.alerts_open, "overdue": b.alerts_overdue},
                reports,
            ],
        ),
        (
            _("2. Cases, isolation, return to campus"),
            [
                _(
                    "%(suspected_new)d new cases reported, %(confirmed_new)d confirmed; "
                    "%(suspected)d suspected and %(confirmed)d confirmed at present."
                )
                % {
                    "suspected_new": b.suspected_new,
                    "confirmed_new": b.confirmed_new,
                    "suspected": f.suspected,
                    "confirmed": f.confirmed,
                },
                _(
                    "%(isolated)d people under isolation; %(started)d began it and "
                    "%(released)d were released."
                )
                % {
                    "isolated": f.isolated,
                    "started": b.isolations_started,
                    "released": b.isolations_released,
                },
                _(
                    "%(approved)d returns to campus approved, %(due)d people due back; "
                    "%(gate_in)d entries through the gates, %(refused)d refused."
                )
                % {
                    "approved": b.returns_approved,
                    "due": b.returns_due,
                    "gate_in": b.gate_in,
                    "refused": b.gate_refused,
                },
            ],
        ),
        (
            _("3. Party organizations and members at work"),
            [
                _(
                    "%(posts)d front-line posts open, %(people)d people at them; %(held)d of "
                    "%(planned)d duty shifts held."
                )
                % {
                    "posts": b.posts_open,
                    "people": b.people_at_posts,
                    "held": b.shifts_held,
                    "planned": b.shifts_planned,
                },
                _("%(done)d vanguard tasks and services done, %(hours)s hours in all.")
                % {"done": b.vanguard_done, "hours": _hours(b.vanguard_hours)},
                stories,
            ],
        ),
    ]


def briefing_table(b: Briefing) -> tuple[list[str], list[list[str]]]:
    """The small table: each college or office with people, its check-in and its abnormal."""
    headers = [
        _("Unit"),
        _("People to check in"),
        _("Checked in"),
        _("Coverage"),
        _("Abnormal"),
        _("Isolated"),
    ]
    rows = [
        [
            c.unit.name,
            str(c.figures.expected),
            str(c.figures.checked_in),
            c.figures.coverage_pct,
            str(c.figures.abnormal),
            str(c.figures.isolated),
        ]
        for c in b.units
    ]
    return headers, rows


def briefing_title(b: Briefing) -> str:
    return _("Daily briefing of %(day)s") % {"day": od.date_words(b.day)}


# --- the document ----------------------------------------------------------------------------


def briefing_docx(
    *, day: dt.date, now: dt.datetime | None = None, stamp: ExportStamp | None = None
) -> bytes:
    """The day's briefing as an official document: A4, red header, numbered issue, sections
    一、二、三 in sentences, the table of units."""
    b = briefing_figures(day=day, now=now)
    document = od.a4_document()
    od.red_header(
        document,
        title=_("Epidemic Prevention and Party Work Briefing"),
        number=_("Issue %(n)d") % {"n": b.issue},
        left=_("Office of the %(university)s Leading Group for Epidemic Prevention")
        % {"university": b.university_name},
        right=od.date_words(b.day),
    )
    od.heading(document, briefing_title(b), size=od.TITLE_SIZE, face=od.XIAOBIAOSONG, center=True)
    sections = briefing_sections(b)
    for i, (heading, sentences) in enumerate(sections):
        od.heading(document, heading)
        for sentence in sentences:
            od.body(document, sentence)
        if i == 0 and b.units:
            headers, rows = briefing_table(b)
            od.table(document, headers, rows)
    od.line(document, "")
    moment = b.as_of.astimezone(SHANGHAI)
    od.line(
        document,
        _("Figures as of %(date)s %(time)s, drawn from Bastion.")
        % {"date": od.date_words(moment.date()), "time": moment.strftime("%H:%M")},
        face=od.KAI,
        right=True,
    )
    od.stamp(document, stamp, title=briefing_title(b), rows=1)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- the evening message ---------------------------------------------------------------------


def briefing_recipients(*, day: dt.date) -> list[Person]:
    """The leading group and the Organization Department (the holders of BRIEFING)."""
    positions = (
        Position.objects.active(day).filter(role__in=BRIEFING_ROLES).select_related("person")
    )
    return list({p.person_id: p.person for p in positions}.values())


def briefing_send(*, day: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Build the day's briefing and tell its readers, with the link; once a day (by key)."""
    from bastion.notify.services import notify

    now = now or timezone.now()
    day = day or business_day(now)
    recipients = briefing_recipients(day=day)
    if not recipients:
        return 0
    b = briefing_figures(day=day, now=now)
    lines = []
    for heading, sentences in briefing_sections(b):
        lines += [heading, *sentences, ""]
    lines.append(
        _("The briefing and its document: /party/briefing/?day=%(day)s") % {"day": day.isoformat()}
    )
    return notify(
        key=f"briefing:{day.isoformat()}",
        recipients=recipients,
        subject=briefing_title(b),
        body="\n".join(lines),
    )
