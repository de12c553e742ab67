"""Two app servers and two workers on one PostgreSQL and one Redis, as deployed at scale: no
check-in lost or doubled, every count right, every periodic job run once per scheduled minute
(not once per worker), no reminder sent twice.

The test makes a PostgreSQL database of its own whatever the suite runs on (a copy of the
suite's when that is PostgreSQL, else migrated on the local server) and uses Redis for the
queue and the cache under a queue name of its own; it is skipped, saying why, where either is
missing. granian serves Bastion twice (one process each, DEBUG=0); two `bastion run_huey`
consumers both schedule the periodic jobs, as two machines started alike would.

Client threads check in ~200 students through the two servers in turn; some check-ins are
sent again with the same client_id to the other server, some to both servers at the same
moment. Each college leader submits the daily report through both servers at once, then
corrects it through one. Then the campaign's reminder time is set to this minute: the next
tick of the daily cycle, on whichever worker, reminds everyone who did not check in; a
loopback SMTP server counts what arrives by Message-ID. The test ends once both workers'
schedulers have fired twice (so that at least one minute was scheduled by both) and every
message is delivered: about 70 seconds, most of it waiting for the second minute.
"""

import datetime as dt
import http.client
import json
import os
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from bastion.lib.days import SHANGHAI, business_day
from bastion.notify.channels import message_id
from bastion.notify.testing import LoopbackSMTP
from bastion.ops.testing import Server, Worker, query, wait_until
from bastion.ops.tests.conftest import postgres_unreachable

PEOPLE = 200
COLLEGES = 2
CLASSES = 4  # per college, each a dormitory floor with its grid worker
ABSENT_EVERY = 8  # every 8th student does not check in (and is reminded)
FEVER_EVERY = 10  # every 10th has a fever (an alert to the grid worker)
AGAIN_EVERY = 3  # acknowledged, then sent again with the same client_id to the other server
BOTH_EVERY = 7  # sent to both servers at the same moment
CLIENTS = 8
MINUTE_JOBS = (  # the periodic jobs due every minute: each slot is scheduled by both workers
    "bastion.alerts.tasks.daily_cycle_tick",
    "bastion.audit.tasks.audit_seal_tick",
    "bastion.notify.tasks.notifications_retry",
    "bastion.reports.tasks.unit_day_counts_tick",
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url() -> str:
    """The Redis to use: REDIS_URL, or the local one; the test is skipped without it."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"many-process test needs Redis: none at {url} ({error})")
    return url


@pytest.fixture
def pg_scratch(scratch_factory, redis_url):
    """A PostgreSQL database of the test's own (dropped after); skipped without PostgreSQL."""
    why = postgres_unreachable()
    if why:
        pytest.skip(f"many-process test needs PostgreSQL: {why}")
    return scratch_factory(postgres=True)


def _not_at_midnight() -> None:
    """The run must stay inside one business day: wait out the last minutes before one ends."""
    now = dt.datetime.now(SHANGHAI)
    left = (
        dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), SHANGHAI) - now
    ).total_seconds()
    if left < 150:
        time.sleep(left + 2)


def _post(port: int, path: str, token: str, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            json.dumps(body),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, {"raw": raw[:200].decode(errors="replace")}
    finally:
        conn.close()


class CheckIns:
    """CLIENTS threads checking the students in through two servers in turn."""

    def __init__(self, ports: list[int], students: list[list[str]]) -> None:
        self.ports = ports
        self.students = students
        self.answers: dict[str, list[tuple[int, str, str]]] = defaultdict(list)  # client_id →
        self.lock = threading.Lock()
        self.sent = self.again = self.both = 0

    def body(self, n: int) -> dict:
        return {
            "temperature": "37.9" if n % FEVER_EVERY == 1 else "36.5",
            "symptoms": [],
            "location": "110108",
            "on_campus": True,
            "client_id": f"procs-{n}",
        }

    def _send(self, port: int, n: int) -> None:
        _number, token = self.students[n]
        status, answer = _post(port, "/api/v1/checkins", token, self.body(n))
        with self.lock:
            self.sent += 1
            self.answers[f"procs-{n}"].append((status, answer.get("uid", ""), answer.get("person")))

    def _one(self, n: int, pair: ThreadPoolExecutor) -> None:
        here, there = self.ports[n % 2], self.ports[1 - n % 2]
        if n % BOTH_EVERY == 0:
            list(pair.map(lambda port: self._send(port, n), (here, there)))
            self.both += 1
            return
        self._send(here, n)
        if n % AGAIN_EVERY == 0:
            self._send(there, n)  # the client's retry, as if the first answer was lost
            self.again += 1

    def run(self) -> None:
        todo = [n for n in range(len(self.students)) if n % ABSENT_EVERY != 0]

        def client(k: int) -> None:
            with ThreadPoolExecutor(2) as pair:
                for n in todo[k::CLIENTS]:
                    self._one(n, pair)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)


def _reports(ports: list[int], leaders: dict[str, str], day: dt.date) -> list[list[int]]:
    """Each leader submits the college's report through both servers at once, then corrects
    it through the first; the statuses of each college's three answers."""
    out = []
    for code, token in leaders.items():
        path = f"/api/v1/units/{code}/daily-reports"
        body = {"day": day.isoformat(), "is_zero": False, "note": "两台服务器同时提交"}
        with ThreadPoolExecutor(2) as pair:
            answers = [pair.submit(_post, port, path, token, body) for port in ports]
            first = sorted(answer.result()[0] for answer in answers)
        corrected = _post(ports[0], path, token, {**body, "note": "更正"})[0]
        out.append([*first, corrected])
    return out


PERIODIC_LINE = re.compile(r"^periodic (\S+) for (\S+): (running|skipped)", re.M)
FIRED_LINE = re.compile(
    r"Enqueueing periodic task bastion\.alerts\.tasks\.daily_cycle_tick: (\S+)\."
)


def _fired(worker: Worker) -> int:
    """How many times the worker's scheduler enqueued the minute's jobs (its firings)."""
    return len(set(FIRED_LINE.findall(worker.output())))


def _outcomes(workers: list[Worker]) -> dict[tuple[str, str], Counter]:
    """(job, minute) → how many copies ran and were skipped, from both workers' logs."""
    outcomes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for worker in workers:
        for task, slot, outcome in PERIODIC_LINE.findall(worker.output()):
            outcomes[task, slot][outcome] += 1
    return outcomes


def _skipped_jobs(workers: list[Worker]) -> set[str]:
    """The jobs of which some minute's copy was skipped: that minute both workers scheduled."""
    return {task for (task, _slot), c in _outcomes(workers).items() if c["skipped"]}


def test_two_servers_and_two_workers_lose_nothing_double_nothing_and_count_right(
    pg_scratch, redis_url, tmp_path, report
):
    _not_at_midnight()
    started = time.monotonic()
    scratch = pg_scratch
    queue = {"REDIS_URL": redis_url, "HUEY_NAME": f"bastion-procs-{uuid.uuid4().hex[:8]}"}
    world = scratch.call("bastion.ops.tests.worlds:many_world", PEOPLE, COLLEGES, CLASSES, **queue)
    day = business_day()
    with LoopbackSMTP() as smtp:
        env = scratch.env(
            **queue,
            EMAIL_HOST=smtp.host,
            EMAIL_PORT=str(smtp.port),
            EMAIL_TIMEOUT="10",
            LOG_LEVEL="WARNING",
        )
        workers = [
            Worker({**env, "LOG_LEVEL": "INFO", "HUEY_PERIODIC": "1"}, tmp_path / f"worker{k}.log")
            for k in range(2)
        ]
        servers = [Server(env, tmp_path / f"server{k}.log", workers=1) for k in range(2)]
        try:
            for worker in workers:
                worker.start()
            for server in servers:
                server.start()
            ports = [s.port for s in servers]

            checkins = CheckIns(ports, world["students"])
            checkins.run()
            reports = _reports(ports, world["leaders"], day)
            time.sleep(2.5)  # the servers' coalesced count refreshes (every second)
            right_after = scratch.call("bastion.ops.tests.worlds:many_facts", **queue)

            slot = scratch.call("bastion.ops.tests.worlds:reminder_time_now", **queue)

            def done() -> bool:
                if min(_fired(w) for w in workers) < 2 or not _skipped_jobs(workers) >= set(
                    MINUTE_JOBS
                ):
                    return False
                [(rounds,)] = query(scratch.url, "SELECT count(*) FROM alerts_reminder")
                [(unsent,)] = query(
                    scratch.url,
                    "SELECT count(*) FROM notify_notification"
                    " WHERE channel = 'email' AND sent_at IS NULL",
                )
                return rounds > 0 and unsent == 0

            wait_until(done, 150, "both schedulers' second minute and every reminder")
            time.sleep(2)  # a message sent twice would arrive now
        finally:
            for process in [*servers, *workers]:
                process.stop()
            scratch.call("bastion.ops.tests.worlds:queue_flush", **queue)
        arrived = Counter(m.message_id for m in smtp.messages)
    facts = scratch.call("bastion.ops.tests.worlds:many_facts", **queue)

    # Check-ins: one row per person who checked in, one per client_id, as acknowledged.
    present = {n for n in range(PEOPLE) if n % ABSENT_EVERY != 0}
    rows = facts["checkins"]
    assert len(rows) == len(present)
    assert Counter(r["client_id"] for r in rows) == Counter(f"procs-{n}" for n in present)
    assert len({r["person"] for r in rows}) == len(rows)
    assert {r["revision"] for r in rows} == {1}
    by_client = {r["client_id"]: r for r in rows}
    for client_id, answers in checkins.answers.items():
        statuses = sorted(status for status, _uid, _person in answers)
        assert statuses == [200] * (len(answers) - 1) + [201], (client_id, answers)
        assert {uid for _s, uid, _p in answers} == {by_client[client_id]["uid"]}

    # Daily reports: both first submissions answered (one made it, the other replaced it),
    # one row per college, its counts those of the college's subtree.
    assert reports == [[200, 201, 200]] * COLLEGES
    assert sorted(r["unit"] for r in facts["reports"]) == [f"C{c}" for c in range(COLLEGES)]
    for r in facts["reports"]:
        assert r["checked_in"] == facts["subtree_checked_in"][r["unit"]]

    # The per-unit daily counts the dashboards read equal a recount from the rows.
    assert facts["counts"] == facts["recount"]
    differed_before_tick = sum(
        1 for key, row in right_after["recount"].items() if right_after["counts"].get(key) != row
    )

    # Reminders: one round, to exactly the people without a check-in, each message once.
    assert [s for s, _n in facts["rounds"]] == [slot]
    emails = [m for m in facts["outbox"] if m["channel"] == "email"]
    reminded = sorted(
        m["to"] for m in emails if m["key"].startswith(f"reminder:{day.isoformat()}:{slot}:email:")
    )
    assert reminded == facts["missing_with_email"]
    assert all(m["sent"] for m in emails)
    expected_ids = {message_id(SimpleNamespace(uid=uuid.UUID(m["uid"]))) for m in emails}
    assert set(arrived) == expected_ids
    assert max(arrived.values()) == 1, "a message arrived twice"

    # Periodic jobs: both schedulers fired at least twice, so some minutes were scheduled by
    # both; every (job, minute) ran once, and every other copy of it was skipped.
    fired = [_fired(w) for w in workers]
    assert min(fired) >= 2
    outcomes = _outcomes(workers)
    claims = Counter((task, dt.datetime.fromisoformat(s)) for task, s, _w in facts["periodic_runs"])
    assert max(claims.values()) == 1
    assert {k: c["running"] for k, c in outcomes.items()} == dict.fromkeys(outcomes, 1)
    assert {(t, dt.datetime.fromisoformat(s)) for t, s in outcomes} == set(claims)
    assert _skipped_jobs(workers) >= set(MINUTE_JOBS)

    report(
        "two servers and two workers on PostgreSQL and Redis",
        {
            "people": PEOPLE,
            "check-in requests": checkins.sent,
            "of them again to the other server": checkins.again,
            "pairs at both servers at once": checkins.both,
            "check-in rows": len(rows),
            "doubled": len(rows) - len({r["person"] for r in rows}),
            "lost": len(present) - len(rows),
            "daily reports (3 submissions each)": len(facts["reports"]),
            "units counted": len(facts["recount"]),
            "units off before the minute tick": differed_before_tick,
            "units off after": 0,
            "reminded": len(reminded),
            "emails": len(emails),
            "arrived twice": sum(1 for n in arrived.values() if n > 1),
            "scheduler firings per worker": "/".join(map(str, fired)),
            "periodic (job, minute) runs": len(claims),
            "copies skipped": sum(c["skipped"] for c in outcomes.values()),
            "seconds": round(time.monotonic() - started),
        },
    )
