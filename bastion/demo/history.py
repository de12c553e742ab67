"""A few weeks of the daily cycle for the demo university, so the dashboards have a past.

Everything is planned in memory from one `random.Random(seed)` and written with bulk inserts:
check-ins for most people on most days (a few habitual laggards, some late), a handful of
fevers and key-area trips that became alerts (most closed, some acknowledged, a few still open
and overdue), the per-unit daily counts of each past day computed from that plan (never by
refreshing unit after unit), the units' daily reports (most on time, some late, a few
missing), and today as a morning in progress. The people's hot facts end consistent with it.
"""

import datetime as dt
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.roles import Role
from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.alerts.services import Owners
from bastion.audit.services import audit_baseline
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campaigns.services import campaign_create_from_preset
from bastion.checkins.models import CheckIn
from bastion.checkins.partitions import checkins_bulk_load
from bastion.demo.builder import tables_analyze
from bastion.lib.days import at, business_day
from bastion.org.models import HealthStatus, Person, Position, Unit
from bastion.reports.counts import COUNTED, unit_day_counts_refresh
from bastion.reports.models import DailyReport, UnitDayCount

LAGGARDS = 0.02  # people who often forget
LAGGARD_MISS = 0.25
MISS = 0.004
LATE = 0.04
TODAY_SHARE = 0.7  # of the day's check-ins already in when the demo starts
FEVERS_PER_10K_DAY = 4
TRIPS_PER_10K_DAY = 2
HUBEI = "420102"  # 武汉市江岸区: inside the COVID-19 preset's key area
HOME = "110108"


@dataclass
class HistoryResult:
    days: int
    checkins: int
    alerts: int
    reports: int
    seconds: float


@dataclass
class _Case:
    person: int
    unit: int
    kind: str
    severity: str
    summary: str
    day: dt.date
    until: dt.date | None  # closed on this day; None: still open or acknowledged
    state: str


def history_build(
    *,
    days: int = 21,
    seed: int = 2020,
    now: dt.datetime | None = None,
    checkins: bool = True,
    progress: Callable[[str], None] | None = None,
) -> HistoryResult:
    """Write `days` days of the daily cycle ending today (today itself half done).

    With `checkins=False` only the counts, alerts, reports and hot facts are written: the
    dashboards' benchmark needs 60 days of counts for 50,000 people, not three million rows.
    A province's million people take the same path: the loop below runs once per person and
    day, so it draws from prepared values and writes plain rows (see _CheckInWriter).
    """
    started = time.perf_counter()
    say = progress or (lambda line: None)
    now = now or timezone.now()
    today = business_day(now)
    rng = random.Random(seed)
    campaign = active_campaign() or campaign_create_from_preset(
        preset="covid19", starts_on=today - dt.timedelta(days=days - 1)
    )
    if campaign.starts_on > today - dt.timedelta(days=days - 1):
        Campaign.objects.filter(pk=campaign.pk).update(
            starts_on=today - dt.timedelta(days=days - 1)
        )
        campaign.starts_on = today - dt.timedelta(days=days - 1)
    people = list(Person.objects.order_by("pk").values_list("pk", "unit_id", "kind"))
    unit_of = {pk: unit_id for pk, unit_id, _kind in people}
    # Each person's key into a day's counts (their unit and kind): one tuple per person.
    keyed = [(pk, (unit_id, kind)) for pk, unit_id, kind in people]
    people = [(pk, unit_id) for pk, unit_id, _kind in people]
    laggard = {pk for pk, _unit in people if rng.random() < LAGGARDS}
    day_list = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    cases = _cases(rng=rng, people=people, day_list=day_list, today=today)
    sick: dict[dt.date, dict[int, _Case]] = defaultdict(dict)
    for case in cases:
        end = case.until or today
        day = case.day
        while day <= end:
            sick[day][case.person] = case
            day += dt.timedelta(days=1)

    opens, cutoff = campaign.checkin_opens, campaign.checkin_cutoff
    window = (cutoff.hour * 60 + cutoff.minute) - (opens.hour * 60 + opens.minute)
    now_minutes = max(0, int((now - at(today, opens)).total_seconds() // 60))
    counts: dict[dt.date, dict[tuple[int, str], list[int]]] = {}
    last_day: dict[int, dt.date] = {}
    draw = rng.random
    with transaction.atomic():
        load = (
            checkins_bulk_load(first=day_list[0], last=today)
            if checkins
            else nullcontext(lambda day: "")
        )
        with load as table_of:
            writer = _CheckInWriter(campaign, rng=rng, opens=opens, minutes=window + 301)
            for day in day_list:
                is_today = day == today
                tally = counts[day] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
                sick_today = sick.get(day, {})
                writer.start_day(day, table_of(day))
                for pk, key in keyed:
                    row = tally[key]
                    row[0] += 1
                    case = sick_today.get(pk)
                    if case is not None:
                        row[3] += 1
                        row[4] += case.kind == "key_area"
                    if is_today:
                        continue  # today's counts come from the hot facts, below
                    miss = LAGGARD_MISS if pk in laggard else MISS
                    if draw() < miss and (case is None or case.day != day):
                        continue
                    late = draw() < LATE
                    row[1] += 1
                    row[2] += late
                    last_day[pk] = day
                    if checkins:
                        minute = window + 1 + int(draw() * 300) if late else int(draw() * window)
                        writer.add(pk, minute, late, case)
            # Today: a morning in progress, the punctual ones first.
            sick_today = sick.get(today, {})
            writer.start_day(today, table_of(today))
            for pk, _unit_id in people:
                if draw() >= TODAY_SHARE or pk in laggard:
                    continue
                minute = int(draw() * max(window, 1))
                if minute > now_minutes:
                    continue
                last_day[pk] = today
                if checkins:
                    writer.add(pk, minute, False, sick_today.get(pk))
            writer.flush()
        written = writer.written
        say(_("%(n)d check-ins over %(days)d days") % {"n": written, "days": days})

        alerts = _write_alerts(campaign=campaign, cases=cases, now=now, today=today)
        _write_hot_facts(cases=cases, last_day=last_day, unit_of=unit_of, now=now)
        UnitDayCount.objects.filter(campaign=campaign, day__in=day_list).delete()
        _write_rows(
            UnitDayCount,
            ("campaign", "unit", "day", "kind", *COUNTED, "isolated", "suspected", "confirmed"),
            (
                (campaign.pk, unit_id, day, kind, *c[:5], 0, 0, 0)
                for day, tally in counts.items()
                if day != today
                for (unit_id, kind), c in tally.items()
            ),
        )
        unit_day_counts_refresh(campaign=campaign, day=today)
        say(_("%(n)d alerts, daily counts of %(days)d days") % {"n": alerts, "days": days})
        reports = _write_reports(
            rng=rng, campaign=campaign, day_list=day_list, today=today, now=now
        )
        say(_("%(n)d daily reports") % {"n": reports})
        # Check-ins, alerts and reports in bulk, not one audit entry each: one entry says so.
        audit_baseline(
            source="demo.history",
            note=f"The demo's history: {days} days, seed {seed}, loaded in bulk.",
        )
    tables_analyze(CheckIn, Alert, AlertEvent, Person, UnitDayCount, DailyReport)
    return HistoryResult(
        days=days,
        checkins=written,
        alerts=alerts,
        reports=reports,
        seconds=time.perf_counter() - started,
    )


def _cases(
    *, rng: random.Random, people: list[tuple[int, int]], day_list: list[dt.date], today: dt.date
) -> list[_Case]:
    """Fevers and key-area trips: most closed after a few days, the recent ones not yet."""
    cases: list[_Case] = []
    taken: set[tuple[int, str]] = set()  # one non-closed alert per person and kind
    scale = max(len(people), 1) / 10_000
    for day in day_list[1:]:
        for kind, rate in (("fever", FEVERS_PER_10K_DAY), ("key_area", TRIPS_PER_10K_DAY)):
            for _n in range(max(1, round(rate * scale * rng.uniform(0.5, 1.5)))):
                pk, unit_id = rng.choice(people)
                length = rng.randint(1, 4) if kind == "fever" else 14
                until: dt.date | None = day + dt.timedelta(days=length)
                state = AlertState.CLOSED
                if until >= today:
                    if (pk, kind) in taken:
                        continue
                    taken.add((pk, kind))
                    until = None
                    state = rng.choice([AlertState.OPEN, AlertState.ACKNOWLEDGED])
                if kind == "fever":
                    temperature = rng.choice(["37.5", "37.8", "38.2", "38.6"])
                    severity = HealthStatus.RED if temperature >= "38" else HealthStatus.YELLOW
                    summary = f"体温 {temperature} °C"
                else:
                    severity, summary = HealthStatus.YELLOW, "自重点地区（湖北省武汉市）返回"
                cases.append(_Case(pk, unit_id, kind, severity, summary, day, until, state))
    return cases


CHECKIN_FIELDS = (
    "uid",
    "campaign",
    "person",
    "day",
    "submitted_at",
    "temperature",
    "symptoms",
    "location",
    "on_campus",
    "key_area_contact",
    "case_contact",
    "is_late",
    "is_proxy",
    "carried_over",
    "client_id",
    "status",
    "reason",
    "revision",
)
NORMAL = ("36.3", "36.5", "36.7")
GREEN = HealthStatus.GREEN.value
# A random 128-bit number made a version-4 UUID, as uuid.UUID(int=…, version=4) does.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def _columns(model, fields) -> str:
    qn = connection.ops.quote_name
    return ", ".join(qn(model._meta.get_field(name).column) for name in fields)


class _CheckInWriter:
    """Writes check-in rows in batches: COPY on PostgreSQL, one executemany elsewhere.

    A province's thirty million rows through the ORM would take hours, and even psycopg's
    write_row, which adapts every value of every row, most of the build. Here a row is one
    line of COPY text joined from strings prepared once per day (the day, the moment of each
    minute) or once (temperatures, symptoms); SQLite takes tuples of values its backend has
    adapted once per distinct value.
    """

    def __init__(
        self, campaign: Campaign, *, rng: random.Random, opens: dt.time, minutes: int
    ) -> None:
        self.copy = connection.vendor == "postgresql"
        self.campaign = campaign.pk
        self.rng = rng
        self.opens = opens
        self.minutes = minutes
        self.columns = _columns(CheckIn, CHECKIN_FIELDS)
        symptoms = CheckIn._meta.get_field("symptoms")
        ops = connection.ops
        if self.copy:
            self.symptoms = {"": "[]", "f": '["fever"]'}
            self.normal = NORMAL
        else:
            self.symptoms = {
                k: symptoms.get_db_prep_save(v, connection) for k, v in (("", []), ("f", ["fever"]))
            }
            self.normal = tuple(ops.adapt_decimalfield_value(Decimal(t), 3, 1) for t in NORMAL)
        self.rows: dict[str, list] = defaultdict(list)
        self.pending = 0
        self.written = 0

    def start_day(self, day: dt.date, table: str) -> None:
        """The rows added next are of `day`, and go into `table`."""
        ops = connection.ops
        table = table or CheckIn._meta.db_table
        self.into = self.rows[table]
        start = at(day, self.opens)
        moments = [start + dt.timedelta(minutes=m) for m in range(self.minutes)]
        if self.copy:
            self.day = day.isoformat()
            self.moments = [m.isoformat(sep=" ") for m in moments]
        else:
            self.day = ops.adapt_datefield_value(day)
            self.moments = [ops.adapt_datetimefield_value(m) for m in moments]

    def add(self, pk: int, minute: int, late: bool, case: "_Case | None") -> None:
        rng = self.rng
        fever = case is not None and case.kind == "fever"
        trip = case is not None and case.kind == "key_area"
        if fever:
            temperature = case.summary.split()[1]
            if not self.copy:
                temperature = connection.ops.adapt_decimalfield_value(Decimal(temperature), 3, 1)
        else:
            temperature = self.normal[int(rng.random() * 3)]
        uid = f"{(rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET:032x}"
        status = case.severity if case is not None else GREEN
        reason = case.summary if case is not None else ""
        symptoms = self.symptoms["f" if fever else ""]
        location = HUBEI if trip else HOME
        moment = self.moments[minute]
        if self.copy:
            # COPY's text format: tab-separated; no value here holds a tab, newline or "\".
            self.into.append(
                f"{uid}\t{self.campaign}\t{pk}\t{self.day}\t{moment}\t{temperature}\t"
                f"{symptoms}\t{location}\t{'f' if trip else 't'}\tf\tf\t{'t' if late else 'f'}"
                f"\tf\tf\t\t{status}\t{reason}\t1\n"
            )
        else:
            self.into.append(
                (
                    uid,
                    self.campaign,
                    pk,
                    self.day,
                    moment,
                    temperature,
                    symptoms,
                    location,
                    not trip,
                    False,
                    False,
                    late,
                    False,
                    False,
                    "",
                    status,
                    reason,
                    1,
                )
            )
        self.pending += 1
        if self.pending >= 20000:
            self.flush()

    def flush(self) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, rows in self.rows.items():
                if not rows:
                    continue
                if self.copy:
                    sql = f"COPY {qn(table)} ({self.columns}) FROM STDIN"
                    with cursor.cursor.copy(sql) as copy:
                        copy.write("".join(rows))
                else:
                    marks = ", ".join(["%s"] * len(CHECKIN_FIELDS))
                    cursor.executemany(
                        f"INSERT INTO {qn(table)} ({self.columns}) VALUES ({marks})",  # noqa: S608 (names from the model)
                        rows,
                    )
                self.written += len(rows)
                rows.clear()
        self.pending = 0


def _write_rows(model, fields: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Plain rows (ints, strings, days) into `model`'s table, in batches: COPY on PostgreSQL,
    executemany elsewhere; over a million daily counts in a province."""
    qn = connection.ops.quote_name
    table, columns = qn(model._meta.db_table), _columns(model, fields)
    copy = connection.vendor == "postgresql"
    marks = ", ".join(["%s"] * len(fields))
    batch: list = []

    def flush() -> None:
        with connection.cursor() as cursor:
            if copy:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
                    out.write("".join(batch))
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                    batch,
                )
        batch.clear()

    for row in rows:
        row = tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)
        batch.append("\t".join(map(str, row)) + "\n" if copy else row)
        if len(batch) >= 20000:
            flush()
    if batch:
        flush()


def _write_alerts(
    *, campaign: Campaign, cases: list[_Case], now: dt.datetime, today: dt.date
) -> int:
    people = Person.objects.in_bulk({c.person for c in cases})
    # Every case's chain of responsibility at once: a province has thousands of cases.
    chains = Owners(day=today)
    chains.preload(pairs={(p.unit_id, p.grid_id) for p in people.values()})
    owners: dict[int, int | None] = {}
    alerts, events = [], []
    for case in cases:
        person = people[case.person]
        if case.person not in owners:
            owner = chains.owner(
                person_id=person.pk, unit_id=person.unit_id, grid_id=person.grid_id
            )
            owners[case.person] = owner.pk if owner else None
        raised = at(case.day, dt.time(8, 30))
        alert = Alert(
            campaign=campaign,
            person_id=case.person,
            kind=case.kind,
            severity=case.severity,
            summary=case.summary,
            day=case.day,
            owner_id=owners[case.person],
            state=case.state,
            raised_at=raised,
            escalate_at=raised + campaign.escalate_after,
        )
        if case.state != AlertState.OPEN:
            alert.acknowledged_at = raised + dt.timedelta(minutes=40)
        if case.state == AlertState.CLOSED:
            alert.closed_at = at(case.until, dt.time(9, 0))
            alert.note = "复测体温正常，解除观察" if case.kind == "fever" else "居家观察期满"
        alerts.append(alert)
    Alert.objects.bulk_create(alerts, batch_size=2000)
    saved = Alert.objects.filter(campaign=campaign).values_list("pk", "raised_at", "state")
    for pk, raised, state in saved:
        events.append(AlertEvent(alert_id=pk, action=AlertEvent.Action.RAISED, at=raised))
        if state != AlertState.OPEN:
            events.append(
                AlertEvent(
                    alert_id=pk,
                    action=AlertEvent.Action.ACKNOWLEDGED,
                    at=raised + dt.timedelta(minutes=40),
                )
            )
    AlertEvent.objects.bulk_create(events, batch_size=5000)
    return len(alerts)


def _write_hot_facts(
    *,
    cases: list[_Case],
    last_day: dict[int, dt.date],
    unit_of: dict[int, int],
    now: dt.datetime,
) -> None:
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for pk, day in last_day.items():
        by_day[day].append(pk)
    size = 20000 if connection.vendor == "postgresql" else 900  # SQLite: few parameters
    for day, pks in by_day.items():
        for start in range(0, len(pks), size):
            Person.objects.filter(pk__in=pks[start : start + size]).update(last_checkin_day=day)
    worst: dict[int, _Case] = {}
    for case in cases:
        if case.until is None:
            kept = worst.get(case.person)
            if kept is None or case.severity == HealthStatus.RED:
                worst[case.person] = case
    for pk, case in worst.items():
        Person.objects.filter(pk=pk).update(
            health_status=case.severity,
            health_reason=case.summary,
            health_since=at(case.day, dt.time(8, 30)),
        )


def _write_reports(
    *,
    rng: random.Random,
    campaign: Campaign,
    day_list: list[dt.date],
    today: dt.date,
    now: dt.datetime,
) -> int:
    """Most reporting units report on time; some late, a few not at all; today, the early ones."""
    units = list(Unit.objects.filter(kind__in=campaign.reporting_unit_kinds).order_by("path"))
    positions = Position.objects.active(today).filter(
        Q(role=Role.COLLEGE_LEADER, unit__in=units)
        | Q(role=Role.PARTY_SECRETARY, party_org__units__in=units)
    )
    reporter: dict[int, int] = {}
    for unit_id, party_unit, person in positions.values_list(
        "unit_id", "party_org__units", "person_id"
    ).order_by("role", "pk"):
        reporter.setdefault(unit_id or party_unit, person)
    # Each reporting unit's subtree sums per day: one grouped query per depth of the tree
    # at which units report (a province has hundreds of them), by the path's prefix.
    sums: dict[int, dict[dt.date, list[int]]] = defaultdict(dict)
    by_path = {unit.path: unit.pk for unit in units}
    for depth in sorted({unit.depth for unit in units}):
        rows = (
            UnitDayCount.objects.filter(day__in=day_list, unit__depth__gte=depth)
            .annotate(prefix=Substr("unit__path", 1, depth * Unit.steplen))
            .values("prefix", "day")
            .annotate(**{f: Sum(f) for f in COUNTED})
            .order_by()
        )
        for row in rows:
            if row["prefix"] in by_path:
                sums[by_path[row["prefix"]]][row["day"]] = [row[f] for f in COUNTED]
    reports = []
    for unit in units:
        person = reporter.get(unit.pk)
        if person is None:
            continue
        deadline = campaign.report_deadline(unit.depth)
        for day in day_list:
            roll = rng.random()
            if day == today:
                if roll > 0.4 or now < at(today, dt.time(9, 0)):
                    continue
                submitted = min(now, at(day, dt.time(8, 30)) + dt.timedelta(minutes=roll * 60))
            elif roll < 0.04:
                continue  # missing
            elif roll < 0.12:
                submitted = at(day, deadline) + dt.timedelta(minutes=rng.randint(5, 180))
            else:
                submitted = at(day, deadline) - dt.timedelta(minutes=rng.randint(10, 150))
            e, c, late, abnormal, key_area = sums[unit.pk].get(day, [0, 0, 0, 0, 0])
            counts = {
                "expected": e,
                "checked_in": c,
                "late": late,
                "abnormal": abnormal,
                "key_area": key_area,
                "isolated": 0,
                "suspected": 0,
                "confirmed": 0,
            }
            zero = abnormal == 0 and key_area == 0
            reports.append(
                DailyReport(
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    campaign=campaign,
                    unit=unit,
                    day=day,
                    is_zero=zero,
                    counts=counts,
                    note="" if zero else "异常人员均已落实专人跟进",
                    submitted_by_id=person,
                    submitted_at=submitted,
                    is_late=submitted > at(day, deadline),
                )
            )
    DailyReport.objects.bulk_create(reports, batch_size=2000, ignore_conflicts=True)
    return len(reports)
