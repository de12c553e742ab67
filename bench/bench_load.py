"""Sustained load: 300 check-ins a second for 5 minutes while dashboards are read, as deployed.

granian serves bastion.wsgi as in bench_checkins (2 processes × 4 threads, DEBUG=0) on a free
loopback port. The world is bench_checkins' university, grown so that every check-in of the run
is a person's first of the day, as in a morning peak: 300 × 300 s = 90,000 check-ins, plus a
tenth more people who have not checked in yet (what the dashboards list), in 10 colleges of 40
classes. While an open-loop client sends the check-ins at a fixed 300 a second, readers load
dashboard pages at 2 a second: the leading group's top-of-tree page once a second and a
college's drill-down (by its college leader, the colleges in turn) once a second, about what a
hundred leaders and counselors reloading their page every minute ask of the server. Every
10 s the client samples the resident memory of the whole granian process tree and prints a
line of the timeline ("bench: …", on stderr): memory, that interval's rates, latencies and
errors. BENCH_LOAD_SECONDS shortens the run (and the world with it) while developing.
"""

import asyncio
import itertools
import math
import os
import sys
import time
from pathlib import Path

from bench import Benchmark, Figure
from bench.bench_checkins import (
    OK,
    PEOPLE,
    WARM,
    Server,
    _checkin_request,
    _closed_loop,
    _scheduled,
    _warm,
    _world,
)

RATE = 300.0  # check-ins a second
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "300"))
# Dashboard pages a second: the top-of-tree page and a college's, in turn (0: check-ins alone).
PAGES_RATE = float(os.environ.get("BENCH_LOAD_PAGES_RATE", "2"))
COLLEGES = 10
SAMPLE_EVERY = 10.0  # seconds between two lines of the timeline
GRACE = 30.0  # after the last scheduled request, what is still unanswered counts as errors
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024

NAME = f"sustained load: {RATE:g} check-ins/s for {SECONDS:g} s, {PAGES_RATE:g} dashboard pages/s"
P50 = "check-in p50"
P99 = "check-in p99"
ACHIEVED = "check-ins achieved"
ERRORS = "errors (check-ins and pages)"
PAGE_P50 = "dashboard page p50"
PAGE_P99 = "dashboard page p99"
PEAK = "server memory, peak"
GROWTH = "server memory, growth first→last minute"


def _people() -> int:
    """Enough people for every check-in of the run to be a first of the day, and a tenth more."""
    return max(PEOPLE, math.ceil(RATE * SECONDS / 0.9) + WARM)


def _readers(secret_key: str) -> list[bytes]:
    """The dashboard requests, in the order they are read: the leading group's top-of-tree
    page, then a college's drill-down by its leader, each college in turn; each reader is
    logged in with a session signed with the server's key."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    from bastion.accounts.models import User
    from bastion.accounts.roles import Role
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind, Unit
    from bastion.org.services import position_assign
    from bastion.privacy.notice import notice_version

    since = business_day() - dt.timedelta(days=30)

    def page(path: str, number: str, role: Role, over: Unit) -> bytes:
        person = Person.objects.create(
            number=number, name=f"领导{number}", kind=PersonKind.STAFF, unit=over
        )
        position_assign(person=person, role=role, over=over, starts_on=since)
        user = User(
            username=number,
            person=person,
            must_change_password=False,
            privacy_notice_version=notice_version(),
        )
        user.set_unusable_password()
        user.save()
        with override_settings(SECRET_KEY=secret_key):
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
        return (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key}\r\n\r\n"
        ).encode()

    university = Unit.objects.get(depth=1)
    top = page("/dashboard/", "L000001", Role.LEADING_GROUP, university)
    pages = []
    for n, college in enumerate(Unit.objects.filter(depth=2).order_by("path")):
        drill = page(
            f"/dashboard/units/{college.code}/", f"L1{n:05d}", Role.COLLEGE_LEADER, college
        )
        pages += [top, drill]
    return pages


def _warm_pages(port: int, pages: list[bytes]) -> None:
    """Every server thread renders the dashboard once before the clock starts."""
    requests = iter(pages * 2)
    _ok, failed, _elapsed = asyncio.run(_closed_loop(port, requests, 60.0))
    if failed:
        raise RuntimeError(f"{failed} dashboard pages failed while warming (sessions refused?)")


def _tree(root: int) -> list[int]:
    """Process `root` and all its descendants (granian and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


class Memory:
    """The resident memory of a process tree. The tree is found once (reading all of /proc
    takes milliseconds the client would steal from the requests) and again only when one of
    its processes has gone (granian restarted a worker)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.pids = _tree(root)

    def mib(self) -> float:
        for _attempt in range(2):
            try:
                pages = sum(
                    int(Path(f"/proc/{pid}/statm").read_text().split()[1]) for pid in self.pids
                )
                return pages * PAGE_SIZE / MIB
            except OSError:
                self.pids = _tree(self.root)
        return 0.0


def _pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the latencies, in ms; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1000


class Timeline:
    """The run's latencies and errors, by the interval in which each answer came, and the
    server's memory at the end of each interval."""

    def __init__(self, pid: int) -> None:
        self.memory = Memory(pid)
        self.start = time.perf_counter()
        self.last = self.start
        self.checkins: list[float] = []  # latencies of the whole run
        self.pages: list[float] = []
        self.ok = 0
        self.errors = 0
        self.answered = 0
        self.last_answer = self.start
        self._checkins: list[float] = []  # of the current interval
        self._pages: list[float] = []
        self._ok = 0
        self._errors = 0
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self.sample()

    def checkin(self, due: float, latency: float, status: int) -> None:
        self.answered += 1
        self.last_answer = time.perf_counter()
        self.checkins.append(latency)
        self._checkins.append(latency)
        if status in OK:
            self.ok += 1
            self._ok += 1
        else:
            self.errors += 1
            self._errors += 1

    def page(self, due: float, latency: float, status: int) -> None:
        self.pages.append(latency)
        self._pages.append(latency)
        if status != 200:
            self.errors += 1
            self._errors += 1

    def sample(self, errors: int = 0) -> None:
        """Memory now, and a line of the timeline for the interval just ended (`errors`:
        requests counted as failed at its end, never answered)."""
        now = time.perf_counter()
        at, span = now - self.start, now - self.last
        mib = self.memory.mib()
        self.samples.append((at, mib))
        if len(self.samples) == 1:  # before the load: the server as warmed
            print(f"bench: load {at:6.0f} s  RSS {mib:7.1f} MiB", file=sys.stderr, flush=True)
        elif span > 0.5:
            print(
                f"bench: load {at:6.0f} s  RSS {mib:7.1f} MiB  "
                f"check-ins {self._ok / span:5.0f}/s p50 {_pct(self._checkins, 0.5):6.1f} "
                f"p99 {_pct(self._checkins, 0.99):7.1f} ms  "
                f"pages {len(self._pages):3d} p50 {_pct(self._pages, 0.5):6.1f} "
                f"p99 {_pct(self._pages, 0.99):7.1f} ms  errors {self._errors + errors}",
                file=sys.stderr,
                flush=True,
            )
        self.last = now
        self._checkins, self._pages, self._ok, self._errors = [], [], 0, 0

    async def sample_every(self, seconds: float) -> None:
        for k in itertools.count(1):
            await asyncio.sleep(max(0.0, self.start + k * seconds - time.perf_counter()))
            self.sample()

    def growth(self) -> float:
        """Mean memory of the last minute minus that of the first (thirds of a short run)."""
        end = self.samples[-1][0]
        window = 60.0 if end >= 180 else end / 3
        first = [m for at, m in self.samples if at <= window]
        last = [m for at, m in self.samples if at >= end - window]
        return sum(last) / len(last) - sum(first) / len(first)


async def _load(server: Server, raws: list[str], pages: list[bytes]) -> dict[str, float | None]:
    print(
        f"bench: load: {len(raws):,} people left to check in, {RATE:g}/s for {SECONDS:g} s, "
        f"dashboard pages {PAGES_RATE:g}/s; RSS of granian's processes every {SAMPLE_EVERY:g} s",
        file=sys.stderr,
        flush=True,
    )
    checkins = (_checkin_request(raw, n) for n, raw in enumerate(raws))
    cpu = time.process_time()
    timeline = Timeline(server.process.pid)
    sampler = asyncio.create_task(timeline.sample_every(SAMPLE_EVERY))
    total = int(RATE * SECONDS)
    try:
        await asyncio.wait_for(
            asyncio.gather(
                _scheduled(server.port, checkins, RATE, SECONDS, timeline.checkin),
                _scheduled(
                    server.port,
                    itertools.cycle(pages),
                    PAGES_RATE,
                    SECONDS,
                    timeline.page,
                    connections=2,
                ),
            ),
            SECONDS + GRACE,
        )
    except TimeoutError:
        pass  # what was not answered by then is counted below
    sampler.cancel()
    unanswered = total - timeline.answered + int(PAGES_RATE * SECONDS) - len(timeline.pages)
    timeline.errors += unanswered
    timeline.sample(errors=unanswered)
    elapsed = max(SECONDS, timeline.last_answer - timeline.start)
    print(
        f"bench: load: the client used {time.process_time() - cpu:.1f} s of CPU "
        f"in {time.perf_counter() - timeline.start:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return {
        P50: _pct(timeline.checkins, 0.5),
        P99: _pct(timeline.checkins, 0.99),
        ACHIEVED: timeline.ok / elapsed,
        ERRORS: timeline.errors,
        PAGE_P50: _pct(timeline.pages, 0.5) if timeline.pages else None,
        PAGE_P99: _pct(timeline.pages, 0.99) if timeline.pages else None,
        PEAK: max(mib for _at, mib in timeline.samples),
        GROWTH: timeline.growth(),
    }


def _setup():
    started = time.perf_counter()
    raws = _world(people=_people(), colleges=COLLEGES)
    print(
        f"bench: load: {len(raws):,} people with tokens built in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    server = Server()
    try:
        raws = _warm(server.port, raws)
        pages = _readers(server.secret_key)
        _warm_pages(server.port, pages)
    except BaseException:
        server.stop()
        raise

    def measure() -> dict[str, float | None]:
        try:
            return asyncio.run(_load(server, raws, pages))
        finally:
            server.stop()

    return measure


BENCHMARKS = [
    Benchmark(
        NAME,
        goal=0,
        unit="",
        setup=_setup,
        repeat=1,
        figures=(
            Figure(P50, goal=0, unit="ms", information=True),
            Figure(P99, goal=50, unit="ms"),
            Figure(ACHIEVED, goal=RATE * 0.99, unit="check-ins/s", higher_is_better=True),
            Figure(ERRORS, goal=0, unit="requests"),
            Figure(PAGE_P50, goal=100, unit="ms"),
            Figure(PAGE_P99, goal=0, unit="ms", information=True),
            Figure(PEAK, goal=0, unit="MiB", information=True),
            Figure(GROWTH, goal=0, unit="MiB", information=True),
        ),
    ),
]
