"""A server killed with SIGKILL in the middle of the morning's check-ins loses none it
acknowledged and doubles none that clients send again.

granian serves Bastion (2 processes × 4 threads, DEBUG=0) against a database of the test's
own; client threads send one check-in each for distinct people, each with its own client_id.
When a third of them are acknowledged the whole process group gets SIGKILL and the server is
started again; every request that got no answer is sent again, with the same client_id, until
one comes. Then the database must hold each acknowledged check-in once, as acknowledged.
"""

import http.client
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest

from bastion.ops.testing import Server, wait_until

PEOPLE = 600
CLIENTS = 6
KILL_AFTER = PEOPLE // 3  # acknowledged check-ins before the kill
GIVE_UP = 180.0  # seconds: a client still without an answer by then fails the test

# The suite's test database only lends its schema (see conftest); transaction=True keeps
# no transaction open on it, which PostgreSQL's CREATE DATABASE … TEMPLATE would refuse.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@dataclass
class Outcome:
    """One check-in as its client saw it."""

    client_id: str
    status: int = 0
    uid: str = ""
    attempts: int = 0
    failures: list[tuple[float, float]] = field(default_factory=list)  # (sent, failed) moments


class Stream:
    """CLIENTS threads sending PEOPLE check-ins (one per person), retrying what gets no answer."""

    def __init__(self, port: int, tokens: list[str]) -> None:
        self.port = port
        self.outcomes = [Outcome(client_id=f"crash-{n}") for n in range(len(tokens))]
        self.tokens = tokens
        self.acknowledged = 0
        self.other_answers: list[tuple[str, int, str]] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._client, args=(k,), daemon=True) for k in range(CLIENTS)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(GIVE_UP)

    def _body(self, n: int) -> bytes:
        return json.dumps(
            {
                "temperature": "37.8" if n % 10 == 0 else "36.5",  # one in ten: a fever
                "symptoms": [],
                "location": "110108",
                "on_campus": True,
                "client_id": self.outcomes[n].client_id,
            }
        ).encode()

    def _client(self, k: int) -> None:
        conn: http.client.HTTPConnection | None = None
        deadline = time.monotonic() + GIVE_UP
        for n in range(k, len(self.tokens), CLIENTS):
            outcome, body = self.outcomes[n], self._body(n)
            headers = {
                "Authorization": f"Bearer {self.tokens[n]}",
                "Content-Type": "application/json",
            }
            while time.monotonic() < deadline:
                outcome.attempts += 1
                sent = time.monotonic()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                    conn.request("POST", "/api/v1/checkins", body=body, headers=headers)
                    response = conn.getresponse()
                    answer = response.read()
                except (OSError, http.client.HTTPException):
                    # No answer: refused, reset, or cut off mid-way. Send it again, the same.
                    outcome.failures.append((sent, time.monotonic()))
                    if conn is not None:
                        conn.close()
                    conn = None
                    time.sleep(0.05)
                    continue
                if response.status in (200, 201):
                    outcome.status = response.status
                    outcome.uid = json.loads(answer)["uid"]
                    with self.lock:
                        self.acknowledged += 1
                else:
                    with self.lock:
                        self.other_answers.append((outcome.client_id, response.status, answer))
                break
        if conn is not None:
            conn.close()


def test_a_killed_server_loses_no_acknowledged_checkin_and_doubles_none(scratch, tmp_path, report):
    tokens = scratch.call("bastion.ops.tests.worlds:checkin_world", PEOPLE)
    server = Server(scratch.env(DB_CONN_MAX_AGE="600"), tmp_path / "server.log", workers=2)
    server.start()
    try:
        stream = Stream(server.port, tokens)
        stream.start()
        wait_until(lambda: stream.acknowledged >= KILL_AFTER, 60, "the first third")
        killed_at = time.monotonic()
        acknowledged_before = stream.acknowledged
        server.kill()
        server.start()
        restarted_at = time.monotonic()
        stream.join()
    finally:
        server.kill()

    assert stream.other_answers == []
    assert all(o.status in (200, 201) for o in stream.outcomes), "a check-in got no answer"
    facts = scratch.call("bastion.ops.tests.worlds:checkin_facts")

    # Every acknowledged check-in is there, once, as it was acknowledged.
    by_client = Counter(c["client_id"] for c in facts["checkins"])
    assert len(facts["checkins"]) == PEOPLE
    assert set(by_client) == {o.client_id for o in stream.outcomes}
    assert max(by_client.values()) == 1
    uids = {c["client_id"]: c["uid"] for c in facts["checkins"]}
    assert all(uids[o.client_id] == o.uid for o in stream.outcomes)
    assert facts["revisions"] == 0  # no retry was taken for a second submission
    # One per person per day, and the person rows agree with their check-in.
    assert len({(c["person"], c["day"]) for c in facts["checkins"]}) == PEOPLE
    for c in facts["checkins"]:
        person = facts["people"][c["person"]]
        assert c["day"] == facts["today"]
        assert person["last"] == c["day"]
        assert person["health"] == c["status"]
        assert (facts["live_alerts"].get(c["person"], 0) > 0) == (c["status"] != "green")
    assert facts["duplicate_alerts"] == 0

    retried = [o for o in stream.outcomes if o.failures]
    in_flight = [o for o in retried if o.failures[0][0] < killed_at]
    report(
        "server SIGKILL during check-ins",
        {
            "check-ins": PEOPLE,
            "clients": CLIENTS,
            "acknowledged before the kill": acknowledged_before,
            "in flight at the kill": len(in_flight),
            "unanswered requests": sum(len(o.failures) for o in stream.outcomes),
            "check-ins retried": len(retried),
            "retries answered 200 (written before the kill)": sum(
                1 for o in retried if o.status == 200
            ),
            "retries answered 201": sum(1 for o in retried if o.status == 201),
            "acknowledged": sum(1 for o in stream.outcomes if o.status),
            "rows": len(facts["checkins"]),
            "duplicates": sum(n - 1 for n in by_client.values()),
            "restart seconds": round(restarted_at - killed_at, 1),
        },
    )
