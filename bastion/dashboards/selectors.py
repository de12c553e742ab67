"""Reads of the dashboards: per-unit daily counts summed along the unit tree, never history.

Every figure is one grouped query over `UnitDayCount` (a unit's subtree is a path prefix), so a
dashboard costs the same number of queries for 500 people or 50,000; only the lists of people
(who has not checked in) read `Person`, through the scope, a page at a time.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat, Substr

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.alerts.models import Alert, AlertState
from bastion.campaigns.models import Campaign
from bastion.checkins.selectors import missing_people
from bastion.org.models import Unit
from bastion.reports.models import UnitDayCount
from bastion.reports.selectors import (
    COUNT_FIELDS,
    ReportState,
    UnitStatus,
    reporting_units,
    unit_statuses,
)

TREND_DAYS = 60  # at most this many days of trend, ending today
PAST_TREND_SECONDS = 300
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Figures:
    """A subtree's counts for one day, with the ratios pages show."""

    expected: int = 0
    checked_in: int = 0
    late: int = 0
    abnormal: int = 0
    key_area: int = 0
    isolated: int = 0
    suspected: int = 0
    confirmed: int = 0

    @classmethod
    def of(cls, row: dict) -> "Figures":
        return cls(**{f: row.get(f) or 0 for f in COUNT_FIELDS})

    @property
    def missing(self) -> int:
        return max(self.expected - self.checked_in, 0)

    @property
    def coverage(self) -> float | None:
        return self.checked_in / self.expected if self.expected else None

    @property
    def coverage_pct(self) -> str:
        return "—" if self.coverage is None else f"{self.coverage * 100:.1f}%"


@dataclass(frozen=True)
class Child:
    unit: Unit
    figures: Figures


@dataclass(frozen=True)
class Trend:
    days: list[str]
    coverage: list[float | None]
    abnormal: list[int]
    key_area: list[int]


@dataclass(frozen=True)
class AlertFigures:
    open: int
    overdue: int


def subtree_q(unit: Unit, field: str = "unit__path") -> Q:
    """Q for "in the unit's subtree" over a path reached by `field`.

    For the university itself (the only root) it is no filter at all: the top-of-tree
    dashboard then sums its tables without joining the unit tree.
    """
    whole = getattr(unit, "_whole_tree", None)
    if whole is None:
        whole = unit.depth == 1 and not Unit.objects.filter(depth=1).exclude(pk=unit.pk).exists()
        unit._whole_tree = whole  # type: ignore[attr-defined]
    return Q() if whole else Q(**{f"{field}__startswith": unit.path})


def _counts(kinds: tuple[str, ...] | None) -> QuerySet[UnitDayCount]:
    """The daily counts rows, of these kinds of people only (None: all kinds)."""
    rows = UnitDayCount.objects.all()
    return rows if kinds is None else rows.filter(kind__in=kinds)


def dashboard_roots(*, scope: Scope) -> list[Unit]:
    """The top unit(s) of what the viewer reaches: where their dashboard starts."""
    if not scope.has(Perm.VIEW_DASHBOARD):
        return []
    if scope.everyone or scope.all_students or scope.all_staff:
        return list(Unit.objects.filter(depth=1).order_by("path"))
    roots: list[Unit] = []
    for unit in scope.units().order_by("path"):
        if not any(unit.path.startswith(r.path) for r in roots):
            roots.append(unit)
    return roots


def dashboard_unit_or_none(*, scope: Scope, code: str) -> Unit | None:
    """A unit of the viewer's dashboards, or None (missing and out of reach look the same)."""
    if not scope.has(Perm.VIEW_DASHBOARD):
        return None
    return scope.units().filter(code=code).first()


def children_figures(
    *, unit: Unit, day: dt.date, kinds: tuple[str, ...] | None = None
) -> list[Child]:
    """The units just below `unit`, each with its subtree's counts for `day` (two queries)."""
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1))
    width = (unit.depth + 1) * Unit.steplen
    sums = {
        row["child"]: row
        for row in _counts(kinds)
        .filter(day=day, unit__path__startswith=unit.path, unit__depth__gt=unit.depth)
        .annotate(child=Substr("unit__path", 1, width))
        .values("child")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
        .order_by()
    }
    return [Child(unit=c, figures=Figures.of(sums.get(c.path, {}))) for c in children]


def trend(
    *,
    campaign: Campaign,
    unit: Unit,
    today: dt.date,
    days: int = TREND_DAYS,
    kinds: tuple[str, ...] | None = None,
) -> Trend:
    """Daily coverage and abnormal counts of the subtree over the campaign.

    Past days' counts no longer change once the day has closed (00:05), so their sums are kept
    in the cache for a few minutes: the top-of-tree dashboard then reads 60 days × 2,000 units
    once, not on every request. Today's point is always read fresh.
    """
    first = max(campaign.starts_on, today - dt.timedelta(days=days - 1))
    key = f"dashboards:trend:{campaign.pk}:{unit.path}:{first}:{today}:{kinds or 'all'}"
    past = cache.get(key)
    if past is None:
        past = _trend_rows(unit=unit, first=first, last=today - ONE_DAY, kinds=kinds)
        cache.set(key, past, PAST_TREND_SECONDS)
    out = Trend(days=[], coverage=[], abnormal=[], key_area=[])
    for row in [*past, *_trend_rows(unit=unit, first=today, last=today, kinds=kinds)]:
        out.days.append(row["day"].isoformat())
        expected = row["expected"] or 0
        out.coverage.append(round(row["checked_in"] * 100 / expected, 2) if expected else None)
        out.abnormal.append(row["abnormal"] or 0)
        out.key_area.append(row["key_area"] or 0)
    return out


def _trend_rows(
    *, unit: Unit, first: dt.date, last: dt.date, kinds: tuple[str, ...] | None
) -> list[dict]:
    """Per-day sums of the subtree's counts between two days (one grouped query)."""
    if first > last:
        return []
    return list(
        # A unit has one row per day and kind (a constraint), whichever campaign wrote it;
        # leaving the campaign out lets the database walk the (day, unit) index.
        _counts(kinds)
        .filter(subtree_q(unit), day__gte=first, day__lte=last)
        .values("day")
        .annotate(
            expected=Sum("expected"),
            checked_in=Sum("checked_in"),
            abnormal=Sum("abnormal"),
            key_area=Sum("key_area"),
        )
        .order_by("day")
    )


def alert_figures(*, scope: Scope, unit: Unit, now: dt.datetime) -> AlertFigures:
    """Alerts not closed, and those still open past their escalation time (one query)."""
    sums = (
        Alert.objects.filter(scope.people_q(prefix="person__"))
        .filter(subtree_q(unit, "person__unit__path"))
        .exclude(state=AlertState.CLOSED)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(state=AlertState.OPEN, escalate_at__lt=now)),
        )
    )
    return AlertFigures(open=sums["open"] or 0, overdue=sums["overdue"] or 0)


def report_problems(
    *, scope: Scope, campaign: Campaign, unit: Unit, day: dt.date, now: dt.datetime
) -> list[UnitStatus]:
    """Reporting units of the subtree whose report for `day` is missing or came in late."""
    units = list(
        reporting_units(campaign=campaign, within=scope.units().filter(path__startswith=unit.path))
    )
    return [
        s
        for s in unit_statuses(campaign=campaign, units=units, day=day, now=now)
        if s.state in (ReportState.MISSING, ReportState.LATE)
    ]


def not_checked_in(*, scope: Scope, campaign: Campaign, unit: Unit, day: dt.date) -> QuerySet:
    """Who in scope and in the subtree has no check-in counting for `day`, for lists and export.

    Of the kinds of people the viewer's figures count (Student Affairs: students only).
    """
    within = subtree_q(unit)
    people = missing_people(scope=scope, campaign=campaign, day=day).filter(within)
    if scope.counted_kinds is not None:
        people = people.filter(kind__in=scope.counted_kinds)
    people = people.select_related("unit", "grid")
    if not within:
        return people.order_by("number")
    # Part of the tree: sorted after filtering, in the same order. Walking the number index
    # instead (the planner's choice for a first page) passes everyone numbered before the
    # subtree: in a province, the twentieth university's list took a second, not 0.1 s
    # (docs/scale.md).
    return people.order_by(Concat("number", Value("")))


def today_figures(*, unit: Unit, day: dt.date, kinds: tuple[str, ...] | None = None) -> Figures:
    """The subtree's counts for `day` (one query)."""
    sums = (
        _counts(kinds)
        .filter(subtree_q(unit), day=day)
        .aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    )
    return Figures.of(sums)
