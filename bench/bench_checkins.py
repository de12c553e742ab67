"""Check-in ingestion through the real HTTP stack, as deployed: granian, the API, a database.

Each run starts granian (the production WSGI server: 2 worker processes × 4 threads) on a free
loopback port against the fresh bench database, gives every person a bearer token, and drives
POST /api/v1/checkins from an asyncio client in this process (the client shares the machine's
two cores with the server and the database: the figures are for the whole machine).
"""

import asyncio
import hashlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench import Benchmark

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 12_000
CLASSES = 40
CONNECTIONS = 32
SECONDS = 5.0  # of load per figure
WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_SERVER_THREADS", "4"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _world(people: int = PEOPLE, colleges: int = 1) -> list[str]:
    """A university of `colleges` colleges of 40 classes, `people` students with accounts and
    tokens (the raw tokens, in the order of the people), the COVID-19 campaign."""
    import datetime as dt

    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

    from bastion.accounts.models import User
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import unit_add

    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    classes = []
    for c in range(colleges):
        code = "C" if colleges == 1 else f"C{c + 1:02d}"
        college = unit_add(
            parent=university, code=code, name=f"第{c + 1}学院", kind=UnitKind.COLLEGE
        )
        classes += [
            unit_add(parent=college, code=f"{code}-{k:02d}", name=f"{k + 1}班", kind=UnitKind.CLASS)
            for k in range(CLASSES)
        ]
    people = Person.objects.bulk_create(
        (
            Person(
                number=f"B{i:06d}",
                name=f"学生{i}",
                kind=PersonKind.STUDENT,
                unit=classes[i % len(classes)],
                home_region="110108",
            )
            for i in range(people)
        ),
        batch_size=2000,
    )
    from bastion.privacy.notice import notice_version

    users = []
    for p in people:
        # Everyone has agreed to the privacy notice (else the API answers 403).
        user = User(
            username=p.number,
            person=p,
            must_change_password=False,
            privacy_notice_version=notice_version(),
        )
        # As set_unusable_password(), whose random string costs seconds for 100,000 people.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20)
        users.append(user)
    users = User.objects.bulk_create(users, batch_size=2000)
    raws = tokens_for([u.pk for u in users])
    campaign_create_from_preset(preset="covid19", starts_on=business_day() - dt.timedelta(days=1))
    return raws


def tokens_for(user_ids: list[int]) -> list[str]:
    """A bearer token for each account, valid 30 days; the raw tokens, in the same order."""
    import datetime as dt

    from django.utils import timezone

    from bastion.accounts.models import ApiToken

    raws = [ApiToken.new_raw() for _ in user_ids]
    expires = timezone.now() + dt.timedelta(days=30)
    ApiToken.objects.bulk_create(
        (
            ApiToken(
                user_id=u,
                name="bench",
                digest=ApiToken.digest_of(raw),
                hint=raw[:10],
                expires_at=expires,
            )
            for u, raw in zip(user_ids, raws, strict=True)
        ),
        batch_size=2000,
    )
    return raws


class Server:
    """granian serving bastion.wsgi on a free port, production settings, against DATABASE_URL."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.secret_key = hashlib.sha256(secrets.token_bytes(32)).hexdigest()  # signs sessions
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DB_CONN_MAX_AGE": "600",
        }
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface=wsgi",
            "bastion.wsgi:application",
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--workers={WORKERS}",
            f"--blocking-threads={THREADS}",
            "--backlog=2048",
            "--log-level=warning",
            "--no-ws",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /api/v1/checkins/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("granian did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _checkin_request(raw: str, n: int) -> bytes:
    body = json.dumps(
        {
            "temperature": 36.5 if n % 50 else 37.8,  # one in fifty has a fever: alerts too
            "symptoms": [],
            "location": "110108",
            "on_campus": True,
            "key_area_contact": False,
            "case_contact": False,
            "client_id": f"bench-{n}",
        }
    ).encode()
    head = (
        "POST /api/v1/checkins HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {raw}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


PING = b"GET /api/v1/checkins/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read one whole response."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader = self.writer = None

    async def send(self, request: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        """Drop the connection; the next request opens another."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _closed_loop(port: int, requests, seconds: float) -> tuple[int, int, float]:
    """As fast as the server answers, from CONNECTIONS clients: (ok, failed, elapsed)."""
    stop = time.perf_counter() + seconds
    counts = {"ok": 0, "failed": 0}

    async def client() -> None:
        conn = Connection(port)
        while time.perf_counter() < stop:
            request = next(requests, None)
            if request is None:
                return
            status = await conn.send(request)
            counts["ok" if status in (200, 201) else "failed"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    return counts["ok"], counts["failed"], time.perf_counter() - started


OK = (200, 201)
NO_ANSWER = 0  # the status counted for a request whose connection failed


async def _scheduled(
    port: int,
    requests: Iterator[bytes],
    rate: float,
    seconds: float,
    answered: Callable[[float, float, int], None],
    connections: int = CONNECTIONS,
) -> None:
    """`rate × seconds` requests, each sent at its scheduled moment (or as soon as its
    connection is free) over `connections` keep-alive connections; `answered(due, latency,
    status)` is called for each, latency counted from the scheduled moment, so a slow answer
    that delays the next ones is counted in full (no coordinated omission)."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.05

    async def client(k: int) -> None:
        conn = Connection(port)
        for i in range(k, total, connections):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                status = await conn.send(next(requests))
            except (OSError, asyncio.IncompleteReadError, ValueError):
                conn.close()
                status = NO_ANSWER
            answered(due, time.perf_counter() - due, status)

    await asyncio.gather(*(client(k) for k in range(connections)))


async def _open_loop(port: int, requests, rate: float, seconds: float) -> list[float]:
    """The latencies of requests scheduled at a fixed `rate` (see _scheduled); any failure
    fails the run."""
    latencies: list[float] = []
    failed = 0

    def answered(due: float, latency: float, status: int) -> None:
        nonlocal failed
        latencies.append(latency)
        if status not in OK:
            failed += 1

    await _scheduled(port, requests, rate, seconds, answered)
    if failed:
        raise RuntimeError(f"{failed} check-ins failed at {rate}/s")
    return latencies


WARM = 400


def _warm(port: int, raws: list[str]) -> list[str]:
    """Every server thread loads its code and opens its database connection before the clock
    starts, as on a server that has been up since yesterday: pings, then check-ins of the last
    WARM people. The people not used here, to measure with."""
    asyncio.run(_closed_loop(port, (PING for _ in range(WARM)), 2.0))
    warm, rest = raws[-WARM:], raws[:-WARM]
    requests = (_checkin_request(raw, -1 - n) for n, raw in enumerate(warm))
    asyncio.run(_closed_loop(port, requests, 10.0))
    return rest


def _setup_ingestion():
    raws = _world()
    server = Server()
    raws = _warm(server.port, raws)

    def measure() -> float:
        try:
            requests = (_checkin_request(raw, n) for n, raw in enumerate(raws))
            ok, failed, elapsed = asyncio.run(_closed_loop(server.port, requests, SECONDS))
            if failed:
                raise RuntimeError(f"{failed} check-ins failed")
            return ok / elapsed
        finally:
            server.stop()

    return measure


def _setup_p99():
    raws = _world()
    server = Server()
    raws = _warm(server.port, raws)

    def measure() -> float:
        try:
            requests = (_checkin_request(raw, n) for n, raw in enumerate(raws))
            latencies = asyncio.run(_open_loop(server.port, requests, 300.0, SECONDS))
            return statistics.quantiles(latencies, n=100)[98] * 1000
        finally:
            server.stop()

    return measure


def _setup_ceiling():
    server = Server()
    _warm(server.port, [])

    def measure() -> float:
        try:
            requests = (PING for _ in range(10**9))
            ok, _failed, elapsed = asyncio.run(_closed_loop(server.port, requests, SECONDS))
            return ok / elapsed
        finally:
            server.stop()

    return measure


BENCHMARKS = [
    Benchmark(
        "check-in ingestion",
        goal=1000,
        unit="check-ins/s",
        setup=_setup_ingestion,
        repeat=3,
        higher_is_better=True,
    ),
    Benchmark("check-in p99 at 300/s", goal=50, unit="ms", setup=_setup_p99, repeat=3),
    Benchmark(
        "trivial endpoint ceiling (information)",
        goal=0,
        unit="requests/s",
        setup=_setup_ceiling,
        repeat=1,
        higher_is_better=True,
    ),
]
