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
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.roles import Role
from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.audit.services import audit_baseline
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campaigns.services import campaign_create_from_preset
from bastion.checkins.models import CheckIn
from bastion.lib.days import at, business_day
from bastion.org.models import HealthStatus, Person, Position, Unit
from bastion.org.responsibility import owner_for
from bastion.reports.counts import unit_day_counts_refresh
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
    people = list(Person.objects.order_by("pk").values_list("pk", "unit_id"))
    unit_of = dict(people)
    kind_of = dict(Person.objects.values_list("pk", "kind"))
    laggard = {pk for pk, _unit in people if rng.random() < LAGGARDS}
    day_list = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    cases = _cases(rng=rng, people=people, day_list=day_list, today=today)
    sick: dict[tuple[int, dt.date], _Case] = {}
    for case in cases:
        end = case.until or today
        day = case.day
        while day <= end:
            sick[(case.person, day)] = case
            day += dt.timedelta(days=1)

    opens, cutoff = campaign.checkin_opens, campaign.checkin_cutoff
    window = (cutoff.hour * 60 + cutoff.minute) - (opens.hour * 60 + opens.minute)
    now_minutes = max(0, int((now - at(today, opens)).total_seconds() // 60))
    counts: dict[tuple[int, str, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    last_day: dict[int, dt.date] = {}
    writer = _CheckInWriter(campaign)
    with transaction.atomic():
        for day in day_list:
            is_today = day == today
            for pk, unit_id in people:
                row = counts[(unit_id, kind_of[pk], day)]
                row[0] += 1
                case = sick.get((pk, day))
                if case is not None:
                    row[3] += 1
                    row[4] += case.kind == "key_area"
                if is_today:
                    continue  # today's counts come from the hot facts, below
                miss = LAGGARD_MISS if pk in laggard else MISS
                if rng.random() < miss and (case is None or case.day != day):
                    continue
                late = rng.random() < LATE
                row[1] += 1
                row[2] += late
                last_day[pk] = day
                if checkins:
                    minute = window + rng.randint(1, 300) if late else rng.randint(0, window - 1)
                    when = at(day, opens) + dt.timedelta(minutes=minute)
                    writer.add(rng, pk, day, when, late, case)
        # Today: a morning in progress, the punctual ones first.
        for pk, _unit_id in people:
            if rng.random() >= TODAY_SHARE or pk in laggard:
                continue
            minute = rng.randint(0, max(window - 1, 0))
            if minute > now_minutes:
                continue
            last_day[pk] = today
            if checkins:
                when = at(today, opens) + dt.timedelta(minutes=minute)
                writer.add(rng, pk, today, when, False, sick.get((pk, today)))
        writer.flush()
        written = writer.written
        say(_("%(n)d check-ins over %(days)d days") % {"n": written, "days": days})

        alerts = _write_alerts(campaign=campaign, cases=cases, now=now, today=today)
        _write_hot_facts(cases=cases, last_day=last_day, unit_of=unit_of, now=now)
        UnitDayCount.objects.filter(campaign=campaign, day__in=day_list).delete()
        UnitDayCount.objects.bulk_create(
            [
                UnitDayCount(
                    campaign=campaign,
                    unit_id=unit_id,
                    day=day,
                    kind=kind,
                    expected=c[0],
                    checked_in=c[1],
                    late=c[2],
                    abnormal=c[3],
                    key_area=c[4],
                )
                for (unit_id, kind, day), c in counts.items()
                if day != today
            ],
            batch_size=5000,
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


class _CheckInWriter:
    """Inserts check-in rows with one executemany per batch.

    Half a million model instances through the ORM's insert compiler cost minutes; the rows
    here are plain tuples, adapted once per distinct value by the backend's own adapters.
    """

    def __init__(self, campaign: Campaign) -> None:
        meta = CheckIn._meta
        qn = connection.ops.quote_name
        columns = ", ".join(qn(meta.get_field(name).column) for name in CHECKIN_FIELDS)
        marks = ", ".join(["%s"] * len(CHECKIN_FIELDS))
        self.copy_sql = f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN"
        self.sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
        self.campaign = campaign.pk
        symptoms = meta.get_field("symptoms")
        self.symptoms = {
            k: symptoms.get_db_prep_save(v, connection) for k, v in (("", []), ("f", ["fever"]))
        }
        self.rows: list[tuple] = []
        self.written = 0
        self.adapted: dict[tuple, object] = {}
        # SQLite keeps a UUID as 32 hex digits; PostgreSQL takes the UUID itself.
        self.hex_uids = not connection.features.has_native_uuid_field

    def add(
        self,
        rng: random.Random,
        pk: int,
        day: dt.date,
        submitted_at: dt.datetime,
        late: bool,
        case: "_Case | None",
    ) -> None:
        fever = case is not None and case.kind == "fever"
        temperature = case.summary.split()[1] if fever else rng.choice(("36.3", "36.5", "36.7"))
        trip = case is not None and case.kind == "key_area"
        self.rows.append(
            (
                self._uid(rng.getrandbits(128)),
                self.campaign,
                pk,
                self._adapt("d", day),
                self._adapt("t", submitted_at),
                self._adapt("n", temperature),
                self.symptoms["f" if fever else ""],
                HUBEI if trip else HOME,
                not trip,
                False,
                False,
                late,
                False,
                False,
                "",
                case.severity if case is not None else HealthStatus.GREEN.value,
                case.summary if case is not None else "",
                1,
            )
        )
        if len(self.rows) >= 5000:
            self.flush()

    def _uid(self, bits: int):
        value = uuid.UUID(int=bits, version=4)
        return value.hex if self.hex_uids else value

    def _adapt(self, kind: str, value):
        """The backend's form of a date, a moment or a temperature; few distinct, so cached."""
        key = (kind, value)
        found = self.adapted.get(key)
        if found is None:
            ops = connection.ops
            if kind == "d":
                found = ops.adapt_datefield_value(value)
            elif kind == "t":
                found = ops.adapt_datetimefield_value(value)
            else:
                found = ops.adapt_decimalfield_value(Decimal(value), 3, 1)
            self.adapted[key] = found
        return found

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is an order of magnitude faster than executemany on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.written += len(self.rows)
        self.rows = []


def _write_alerts(
    *, campaign: Campaign, cases: list[_Case], now: dt.datetime, today: dt.date
) -> int:
    owners: dict[int, int | None] = {}
    people = Person.objects.select_related("unit").in_bulk({c.person for c in cases})
    alerts, events = [], []
    for case in cases:
        person = people[case.person]
        if case.person not in owners:
            owner = owner_for(person, day=today)
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
    for day, pks in by_day.items():
        for start in range(0, len(pks), 900):
            Person.objects.filter(pk__in=pks[start : start + 900]).update(last_checkin_day=day)
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
    sums = defaultdict(dict)
    for unit in units:
        rows = UnitDayCount.objects.filter(unit__path__startswith=unit.path, day__in=day_list)
        for day, expected, checked_in, late, abnormal, key_area in rows.values_list(
            "day", "expected", "checked_in", "late", "abnormal", "key_area"
        ):
            got = sums[unit.pk].setdefault(day, [0, 0, 0, 0, 0])
            for i, v in enumerate((expected, checked_in, late, abnormal, key_area)):
                got[i] += v
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
