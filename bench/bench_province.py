"""A province on PostgreSQL (issue 9): 20 universities, 1,000,000 people, 30 days of history.

Setup builds it with `bastion demo --province`, the command itself (its progress comes through
as "bench:" lines), and times the build: the first figure, against the issue's 30 minutes.
Then, on the province, each figure the median of several runs:

- check-in ingestion through the real HTTP stack, with bench_checkins' server (granian, as
  deployed) and client, by people who have not checked in today (issue 3's goal);
- every university's dashboard (its page, /dashboard/units/U01/…), as its leading group
  opens it: the median over the universities of each one's median, and the slowest
  university's (issue 3's goal, set there for one university of 50,000);
- the province's dashboard, as the province's leading group opens it;
- who has not checked in (count and first page), in the whole province, and in each
  university: the median and the slowest (issue 3's goal);
- the list of who has not checked in exported as xlsx, its first 100,000 rows (the tracing
  issue's ledger goals, 5 s and 200 MiB for 50,000 rows, doubled for the time), its time and
  the peak of memory Python allocates for it;
- how many partitions of the check-in history a query for one day reads, and the list of a
  closed day's non-reporters (it reads the history): one each when PostgreSQL prunes.

BENCH_PROVINCE_UNIVERSITIES, BENCH_PROVINCE_PEOPLE and BENCH_PROVINCE_DAYS make a smaller
province for a quick run, by the same code: `BENCH_ONLY=province BENCH_PROVINCE_UNIVERSITIES=2
BENCH_PROVINCE_PEOPLE=50000 make bench`.
"""

import asyncio
import datetime as dt
import os
import re
import statistics
import sys
import time
import tracemalloc

from bench import Benchmark, Figure, median_ms

UNIVERSITIES = int(os.environ.get("BENCH_PROVINCE_UNIVERSITIES", "20"))
PEOPLE = int(os.environ.get("BENCH_PROVINCE_PEOPLE", "1000000"))
DAYS = int(os.environ.get("BENCH_PROVINCE_DAYS", "30"))
SEED = 2020
ROWS = 100_000  # of the exported list
INGESTION_RUNS = 3
INGESTION_PEOPLE = 20_000  # tokens for the runs and the warm-up
DASHBOARD_RUNS = 5  # per university
RUNS = 15  # of the province's dashboard and list
LIST_RUNS = 3  # of each university's list
EXPORT_RUNS = 3

BUILD = "build the province (bastion demo --province)"
INGESTION = "check-in ingestion over HTTP"
UNIVERSITY = "a university's dashboard, median of the universities"
WORST = "a university's dashboard, the slowest university"
PROVINCE = "the province's dashboard"
MISSING_PROVINCE = "who has not checked in, the whole province"
MISSING_UNIVERSITY = "who has not checked in, a university, median of the universities"
MISSING_WORST = "who has not checked in, the slowest university"
EXPORT = "export who has not checked in, 100,000 rows, xlsx"
EXPORT_MEMORY = "export of 100,000 rows: peak memory allocated"
EXPORT_ROWS = "rows exported (100,000 when the province has them)"
DAY_PARTITIONS = "partitions a one-day query reads"
CLOSED_DAY_PARTITIONS = "partitions a closed day's non-reporter list reads"


def say(line: str) -> None:
    print(f"bench: province: {line}", file=sys.stderr, flush=True)


class _Progress:
    """The command's output, passed on line by line as "bench:" lines, up to the table of
    demo accounts."""

    def __init__(self) -> None:
        self.done = False

    def write(self, text: str) -> None:
        for line in text.splitlines():
            self.done = self.done or line.rstrip().endswith(("：", ":"))  # the table's title
            if line.strip() and not self.done:
                say(line.strip())

    def flush(self) -> None:
        pass


def _client_of(person_id: int):
    from django.test import Client

    from bastion.accounts.models import User
    from bastion.privacy.notice import notice_version

    user = User.objects.get(person_id=person_id)
    user.privacy_notice_version = notice_version()  # agreed to the privacy notice
    user.must_change_password = False  # and chose a password of their own
    user.save(update_fields=["privacy_notice_version", "must_change_password"])
    client = Client()
    client.force_login(user)
    return client


def _dashboard(client, url: str = "/dashboard/") -> None:
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code


def _leaders(universities) -> dict[int, int]:
    """Each university's leading-group head (the first such position): unit id → person id."""
    from bastion.accounts.roles import Role
    from bastion.org.models import Position

    heads: dict[int, int] = {}
    rows = Position.objects.filter(role=Role.LEADING_GROUP, unit__in=universities)
    for unit_id, person_id in rows.order_by("pk").values_list("unit_id", "person_id"):
        heads.setdefault(unit_id, person_id)
    return heads


def _tokens(n: int) -> list[str]:
    """Bearer tokens of `n` people who have not checked in today, with the notice agreed."""
    from bastion.accounts.models import User
    from bastion.lib.days import business_day
    from bastion.org.models import HealthStatus, Person
    from bastion.privacy.notice import notice_version
    from bench.bench_checkins import tokens_for

    people = list(
        Person.objects.exclude(last_checkin_day=business_day())
        .filter(health_status=HealthStatus.GREEN)
        .order_by("pk")
        .values_list("pk", flat=True)[:n]
    )
    users = list(User.objects.filter(person_id__in=people).values_list("pk", flat=True))
    User.objects.filter(pk__in=users).update(
        must_change_password=False, privacy_notice_version=notice_version()
    )
    return tokens_for(users)


def _ingestion(raws: list[str]) -> float:
    """Check-ins per second over HTTP, the median of INGESTION_RUNS closed loops."""
    from bench.bench_checkins import SECONDS, Server, _checkin_request, _closed_loop, _warm

    server = Server()
    try:
        raws = _warm(server.port, raws)
        rates = []
        per_run = len(raws) // INGESTION_RUNS
        for run in range(INGESTION_RUNS):
            mine = raws[run * per_run : (run + 1) * per_run]
            requests = (_checkin_request(raw, n) for n, raw in enumerate(mine))
            ok, failed, elapsed = asyncio.run(_closed_loop(server.port, requests, SECONDS))
            if failed:
                raise RuntimeError(f"{failed} check-ins failed")
            rates.append(ok / elapsed)
            say(f"ingestion run {run + 1}: {ok / elapsed:.0f} check-ins/s")
        return statistics.median(rates)
    finally:
        server.stop()


def _partitions_read(queryset) -> float:
    """How many partitions of the check-in history the plan of `queryset` reads."""
    plan = queryset.explain()
    return float(len(set(re.findall(r"checkins_checkin_(?:y\d{4}m\d{2}|default)\b", plan))))


def _setup():
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(
        "demo",
        province=True,
        universities=UNIVERSITIES,
        people=PEOPLE,
        history_days=DAYS,
        seed=SEED,
        stdout=_Progress(),
    )
    built = time.perf_counter() - started
    raws = _tokens(INGESTION_PEOPLE)

    def measure() -> dict[str, float]:
        figures = {BUILD: built}
        figures.update(_figures())
        figures[INGESTION] = _ingestion(raws)  # last: its check-ins change today's lists
        return figures

    return measure


def _figures() -> dict[str, float]:
    from bastion.accounts.scoping import EVERYTHING
    from bastion.campaigns.selectors import active_campaign
    from bastion.checkins.models import CheckIn
    from bastion.checkins.selectors import reported_in_history_q
    from bastion.dashboards.export import missing_people_xlsx
    from bastion.dashboards.selectors import not_checked_in
    from bastion.demo.models import DemoAccount
    from bastion.lib.days import business_day
    from bastion.lib.sheets import ExportStamp
    from bastion.org.models import Person, Unit
    from bastion.org.selectors import page_of

    figures: dict[str, float] = {}
    campaign = active_campaign()
    today = business_day()
    province = Unit.objects.get(depth=1)
    universities = list(Unit.objects.filter(depth=2).order_by("path"))

    leaders = _leaders(universities)
    each = []
    for university in universities:
        # The university's page (the drill-down): a leading group reaches everyone in the
        # instance, so its home page would be the province's (docs/scale.md).
        client = _client_of(leaders[university.pk])
        url = f"/dashboard/units/{university.code}/"
        each.append(median_ms(lambda c=client, u=url: _dashboard(c, u), DASHBOARD_RUNS))
        say(f"{university.name}'s dashboard: {each[-1]:.0f} ms")
    figures[UNIVERSITY] = statistics.median(each)
    figures[WORST] = max(each)

    head = Person.objects.get(number=DemoAccount.objects.get(kind="province").username)
    client = _client_of(head.pk)
    figures[PROVINCE] = median_ms(lambda: _dashboard(client), RUNS)

    def first_page(unit: Unit) -> None:
        people = not_checked_in(scope=EVERYTHING, campaign=campaign, unit=unit, day=today)
        page = page_of(people, page=1)
        assert page.paginator.count > 0
        list(page.object_list)

    figures[MISSING_PROVINCE] = median_ms(lambda: first_page(province), RUNS)
    each = [median_ms(lambda u=u: first_page(u), LIST_RUNS) for u in universities]
    figures[MISSING_UNIVERSITY] = statistics.median(each)
    figures[MISSING_WORST] = max(each)

    def export() -> int:
        people = not_checked_in(scope=EVERYTHING, campaign=campaign, unit=province, day=today)
        written: list[int] = []
        # The view stamps through the audit trail (one entry per export); a plain stamp here.
        stamp = ExportStamp(
            who="bench", at=dt.datetime.now(dt.UTC), ref="bench", done=written.append
        )
        out = missing_people_xlsx(
            people=people[:ROWS].iterator(chunk_size=2000),
            unit=province,
            day=today,
            exporter="bench",
            show_phone=True,
            stamp=stamp,
        )
        out.close()
        return written[0] if written else 0

    times = []
    for _ in range(EXPORT_RUNS):
        start = time.perf_counter()
        rows = export()
        times.append(time.perf_counter() - start)
    figures[EXPORT] = statistics.median(times)
    figures[EXPORT_ROWS] = rows
    tracemalloc.start()
    export()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures[EXPORT_MEMORY] = peak / 2**20

    yesterday = today - dt.timedelta(days=1)
    figures[DAY_PARTITIONS] = _partitions_read(
        CheckIn.objects.filter(campaign=campaign, day=yesterday)
    )
    figures[CLOSED_DAY_PARTITIONS] = _partitions_read(
        Person.objects.exclude(reported_in_history_q(campaign=campaign, day=yesterday))
    )
    return figures


BENCHMARKS = [
    Benchmark(
        name=f"a province: {UNIVERSITIES} universities, {PEOPLE:,} people, {DAYS} days",
        goal=0,
        unit="",
        setup=_setup,
        repeat=1,
        databases=("postgresql",),
        figures=(
            Figure(BUILD, 1800, "s"),
            Figure(INGESTION, 1000, "check-ins/s", higher_is_better=True),
            Figure(UNIVERSITY, 100, "ms"),
            Figure(WORST, 100, "ms"),
            Figure(PROVINCE, 100, "ms"),
            Figure(MISSING_PROVINCE, 200, "ms"),
            Figure(MISSING_UNIVERSITY, 200, "ms"),
            Figure(MISSING_WORST, 200, "ms"),
            Figure(EXPORT, 10, "s"),
            Figure(EXPORT_MEMORY, 200, "MiB"),
            Figure(EXPORT_ROWS, 0, "rows", information=True),
            Figure(DAY_PARTITIONS, 1, "partitions", information=True),
            Figure(CLOSED_DAY_PARTITIONS, 1, "partitions", information=True),
        ),
    ),
]
