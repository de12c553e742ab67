"""Reads of daily reports: subtree counts, who must report, who is missing or late.

Completeness and timeliness follow DHIS2: for a unit and a period, reports received ÷ reports
expected, and reports received by the deadline ÷ reports expected. A report is expected from a
reporting unit for every day of the campaign whose deadline has passed.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from bastion.accounts.roles import ROLES, Perm
from bastion.accounts.scoping import Scope
from bastion.alerts.models import Alert, AlertState
from bastion.campaigns.models import Campaign
from bastion.lib.days import at
from bastion.org.models import HealthStatus, Person, Position, Unit
from bastion.reports.models import DailyReport, UnitDayCount

# What a daily report counts, in the order pages show them. Isolated, suspected and confirmed
# come from the tracing issue; until then they stay zero.
COUNT_FIELDS = (
    "expected",
    "checked_in",
    "late",
    "abnormal",
    "key_area",
    "isolated",
    "suspected",
    "confirmed",
)
ABNORMAL_FIELDS = ("abnormal", "key_area", "isolated", "suspected", "confirmed")
SUBMITTING_ROLES = tuple(role for role, spec in ROLES.items() if Perm.SUBMIT_REPORT in spec.perms)


class ReportState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # past the deadline, nothing received
    PENDING = "pending"  # not received, deadline still ahead


@dataclass(frozen=True)
class Prepared:
    """What a unit's report for a day would say, and whether it may be a zero report."""

    unit: Unit
    day: dt.date
    counts: dict[str, int]
    blocking: int  # people of the subtree with an open alert or a non-green status
    deadline: dt.datetime

    @property
    def zero_allowed(self) -> bool:
        return self.blocking == 0 and not any(self.counts[f] for f in ABNORMAL_FIELDS)


@dataclass
class UnitStatus:
    """One reporting unit's report for one day, with its state."""

    unit: Unit
    day: dt.date
    deadline: dt.datetime
    report: DailyReport | None
    state: ReportState


@dataclass
class Rates:
    """DHIS2's completeness and timeliness of one unit (or a set of units) over a period."""

    expected: int = 0
    received: int = 0
    on_time: int = 0
    units: list[tuple[Unit, "Rates"]] = field(default_factory=list)

    @property
    def completeness(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def completeness_pct(self) -> str:
        return _pct(self.completeness)

    @property
    def timeliness_pct(self) -> str:
        return _pct(self.timeliness)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def reporting_units(*, campaign: Campaign, within: QuerySet[Unit] | None = None) -> QuerySet[Unit]:
    """The units that owe a daily report: those whose kind the campaign names."""
    units = Unit.objects.all() if within is None else within
    return units.filter(kind__in=campaign.reporting_unit_kinds).order_by("path")


def report_deadline(*, campaign: Campaign, unit: Unit, day: dt.date) -> dt.datetime:
    """When `unit`'s report for `day` is due (the campaign sets a time per tree level)."""
    return at(day, campaign.report_deadline(unit.depth))


def subtree_counts(*, unit: Unit, day: dt.date) -> dict[str, int]:
    """The unit's counts for `day`: its own people and every unit below (one query)."""
    sums = UnitDayCount.objects.filter(unit__path__startswith=unit.path, day=day).aggregate(
        **{f: Sum(f) for f in COUNT_FIELDS}
    )
    return {f: sums[f] or 0 for f in COUNT_FIELDS}


def open_cases_in(*, unit: Unit) -> int:
    """People of the unit's subtree with a non-closed alert or a status other than green."""
    open_alert = Alert.objects.filter(person=OuterRef("pk")).exclude(state=AlertState.CLOSED)
    return (
        Person.objects.filter(unit__path__startswith=unit.path)
        .filter(~Q(health_status=HealthStatus.GREEN) | Exists(open_alert))
        .count()
    )


def daily_report_prepare(*, campaign: Campaign, unit: Unit, day: dt.date) -> Prepared:
    """The counts a report of `unit` for `day` carries, and what stops a zero report."""
    return Prepared(
        unit=unit,
        day=day,
        counts=subtree_counts(unit=unit, day=day),
        blocking=open_cases_in(unit=unit),
        deadline=report_deadline(campaign=campaign, unit=unit, day=day),
    )


def units_submittable_by(*, person: Person | None, day: dt.date | None = None) -> QuerySet[Unit]:
    """Units whose report `person` answers for: held directly, or via the Party org leading it.

    A college leader over the unit, or the secretary of the Party organization that leads it.
    Holding a duty higher up does not make someone the unit's reporter: that is the level above.
    """
    if person is None:
        return Unit.objects.none()
    positions = Position.objects.active(day).filter(person=person, role__in=SUBMITTING_ROLES)
    return Unit.objects.filter(
        Q(pk__in=positions.filter(unit__isnull=False).values("unit_id"))
        | Q(party_org_id__in=positions.filter(party_org__isnull=False).values("party_org_id"))
    ).order_by("path")


def unit_statuses(
    *, campaign: Campaign, units: list[Unit], day: dt.date, now: dt.datetime
) -> list[UnitStatus]:
    """Each unit's report for `day` and whether it is on time, late, missing or still pending."""
    reports = {
        r.unit_id: r
        for r in DailyReport.objects.filter(day=day, unit__in=[u.pk for u in units]).select_related(
            "submitted_by"
        )
    }
    out = []
    for unit in units:
        deadline = report_deadline(campaign=campaign, unit=unit, day=day)
        report = reports.get(unit.pk)
        if report is not None:
            state = ReportState.LATE if report.is_late else ReportState.ON_TIME
        else:
            state = ReportState.MISSING if now > deadline else ReportState.PENDING
        out.append(UnitStatus(unit=unit, day=day, deadline=deadline, report=report, state=state))
    return out


def reports_missing(
    *, scope: Scope, campaign: Campaign, day: dt.date, now: dt.datetime
) -> list[Unit]:
    """Reporting units in scope past their deadline for `day` without a report."""
    units = list(reporting_units(campaign=campaign, within=scope.units()))
    return [
        s.unit
        for s in unit_statuses(campaign=campaign, units=units, day=day, now=now)
        if s.state is ReportState.MISSING
    ]


def report_rates(
    *, campaign: Campaign, units: list[Unit], last_day: dt.date, days: int, now: dt.datetime
) -> Rates:
    """Completeness and timeliness over the `days` days ending `last_day`, per unit and in all.

    A day counts as expected for a unit once its deadline has passed and the campaign ran.
    """
    first = max(last_day - dt.timedelta(days=days - 1), campaign.starts_on)
    if first > last_day or not units:
        return Rates(units=[(u, Rates()) for u in units])
    rows = (
        DailyReport.objects.filter(
            campaign=campaign, unit__in=[u.pk for u in units], day__gte=first, day__lte=last_day
        )
        .values("unit_id", "day", "is_late")
        .order_by()
    )
    received: dict[int, list[tuple[dt.date, bool]]] = {}
    for row in rows:
        received.setdefault(row["unit_id"], []).append((row["day"], row["is_late"]))
    total = Rates()
    for unit in units:
        deadline_time = campaign.report_deadline(unit.depth)
        due_last = last_day if now >= at(last_day, deadline_time) else last_day - dt.timedelta(1)
        expected = max((due_last - first).days + 1, 0)
        got = [(d, late) for d, late in received.get(unit.pk, []) if d <= due_last]
        rates = Rates(
            expected=expected,
            received=len(got),
            on_time=sum(1 for _d, late in got if not late),
        )
        total.expected += rates.expected
        total.received += rates.received
        total.on_time += rates.on_time
        total.units.append((unit, rates))
    return total


def daily_reports_of(*, unit: Unit, limit: int = 30) -> QuerySet[DailyReport]:
    """A unit's latest reports, newest first."""
    return DailyReport.objects.filter(unit=unit).select_related("submitted_by")[:limit]


def unit_in_scope_or_none(*, scope: Scope, code: str) -> Unit | None:
    """The unit with this code if the scope reaches it (missing and forbidden look the same)."""
    return scope.units().filter(code=code).first()


def counts_by_unit(*, day: dt.date, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each unit's own counts row for `day` (not the subtree)."""
    return {
        row["unit_id"]: row
        for row in UnitDayCount.objects.filter(day=day, unit_id__in=unit_ids).values(
            "unit_id", *COUNT_FIELDS
        )
    }


def count_labels() -> list[tuple[str, str]]:
    """The counts of a report with their labels, in page order."""
    return [(f, str(UnitDayCount._meta.get_field(f).verbose_name)) for f in COUNT_FIELDS]
