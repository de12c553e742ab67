"""A worker killed with SIGKILL in the middle of sending reminders resumes without sending
one twice, and without losing one.

The worker (`bastion run_huey`, on a SQLite queue file of the test's own, or on Redis under a
queue name of its own when REDIS_URL is set) runs the daily cycle's tick, which queues one
reminder per person who has not checked in and one task sending them. A loopback SMTP server
answers slowly, so the test can kill the worker at a chosen point of a message's hand-over,
start it again once the interrupted attempt's lease has passed, and count what arrived.
"""

import os
import time
import uuid
from collections import Counter
from types import SimpleNamespace

import pytest

from bastion.notify.channels import message_id
from bastion.notify.testing import LoopbackSMTP
from bastion.ops.testing import Worker, query, wait_until

PEOPLE = 12
KILL_AFTER = 4  # messages arrived before the kill
LEASE = 2  # seconds an attempt holds its row (BASTION_NOTIFY_LEASE_SECONDS)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_env(scratch, request):
    """The worker's environment: the loopback mail server, a short lease, its own queue."""

    def make(smtp: LoopbackSMTP) -> dict[str, str]:
        env = {
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "10",
            "BASTION_NOTIFY_LEASE_SECONDS": str(LEASE),
            "LOG_LEVEL": "WARNING",
        }
        if os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = os.environ["REDIS_URL"]
            env["HUEY_NAME"] = f"bastion-test-{uuid.uuid4().hex[:8]}"
            request.addfinalizer(
                lambda: scratch.call("bastion.ops.tests.worlds:queue_flush", **env)
            )
        return env

    return make


def _kill_midway(scratch, tmp_path, smtp: LoopbackSMTP, env: dict, holding) -> dict:
    """Queue the reminders, run a worker until KILL_AFTER messages arrived and `holding` is
    set (the server in the middle of the next hand-over), SIGKILL it, wait for the lease,
    start a worker again (two threads racing for what is left) and wait for every message."""
    assert scratch.call("bastion.ops.tests.worlds:reminder_world", PEOPLE, **env) == PEOPLE
    first = Worker(scratch.env(**env), tmp_path / "worker1.log", workers=1)
    first.start()
    try:
        wait_until(
            lambda: len(smtp.messages) >= KILL_AFTER and holding.is_set(),
            90,
            f"{KILL_AFTER} reminders and the next one under way",
        )
        first.kill()
    finally:
        first.kill()
    killed = {"arrived": len(smtp.messages), "last": smtp.messages[-1].message_id}
    smtp.rcpt_delay = smtp.ack_delay = 0.0
    at_kill = _outbox(scratch)
    time.sleep(LEASE + 0.5)
    second = Worker(scratch.env(**env), tmp_path / "worker2.log", workers=2)
    second.start()
    try:
        wait_until(
            lambda: len({m.message_id for m in smtp.messages}) >= PEOPLE,
            90,
            "every reminder",
        )
        time.sleep(2)  # a message sent twice would arrive now
    finally:
        second.stop()
    rows = _outbox(scratch)
    return {"killed": killed, "at_kill": at_kill, "rows": rows}


def _outbox(scratch) -> list[dict]:
    """The outbox rows as the database holds them, with the Message-ID of each."""
    rows = query(
        scratch.url, "SELECT uid, channel, attempts, sent_at FROM notify_notification ORDER BY id"
    )
    return [
        {
            "message_id": message_id(SimpleNamespace(uid=uuid.UUID(str(uid)))),
            "channel": channel,
            "attempts": attempts,
            "sent": sent_at is not None,
        }
        for uid, channel, attempts, sent_at in rows
    ]


def _emails(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["channel"] == "email"]


def test_a_worker_killed_while_a_reminder_is_handed_over_sends_each_reminder_once(
    scratch, tmp_path, worker_env, report
):
    # The server takes its time over each recipient: the kill falls before the message is
    # the server's, with the attempt claimed in the outbox and the rest not yet reached.
    with LoopbackSMTP(rcpt_delay=0.3) as smtp:
        env = worker_env(smtp)
        run = _kill_midway(scratch, tmp_path, smtp, env, smtp.holding_rcpt)
        arrived = Counter(m.message_id for m in smtp.messages)

    rows = _emails(run["rows"])
    assert len(rows) == PEOPLE
    assert all(r["sent"] for r in rows)
    assert set(arrived) == {r["message_id"] for r in rows}
    assert max(arrived.values()) == 1, "a reminder arrived twice"
    at_kill = _emails(run["at_kill"])
    claimed = [r for r in at_kill if not r["sent"] and r["attempts"] == 1]
    assert len(claimed) == 1  # the one cut off mid-way, sent again after its lease
    report(
        "worker SIGKILL mid-send (before the server took the message)",
        {
            "reminders": PEOPLE,
            "arrived before the kill": run["killed"]["arrived"],
            "interrupted mid-send": len(claimed),
            "never reached": sum(1 for r in at_kill if r["attempts"] == 0),
            "arrived in all": sum(arrived.values()),
            "arrived twice": sum(1 for n in arrived.values() if n > 1),
        },
    )


def test_a_worker_killed_after_the_server_took_a_reminder_sends_it_again_as_the_same_message(
    scratch, tmp_path, worker_env, report
):
    # The server keeps the message, then waits before saying so: the kill falls in the one
    # window no sender can close. The message goes again — with the same Message-ID, so the
    # mailbox shows it once — and every other reminder still arrives exactly once.
    with LoopbackSMTP(ack_delay=1.0) as smtp:
        env = worker_env(smtp)
        run = _kill_midway(scratch, tmp_path, smtp, env, smtp.holding_ack)
        arrived = Counter(m.message_id for m in smtp.messages)

    rows = _emails(run["rows"])
    assert all(r["sent"] for r in rows)
    assert set(arrived) == {r["message_id"] for r in rows}
    twice = [message_id for message_id, n in arrived.items() if n > 1]
    assert twice == [run["killed"]["last"]]
    assert arrived[run["killed"]["last"]] == 2
    report(
        "worker SIGKILL between the server's acceptance and the outbox mark",
        {
            "reminders": PEOPLE,
            "arrived before the kill": run["killed"]["arrived"],
            "arrived in all": sum(arrived.values()),
            "distinct Message-IDs": len(arrived),
            "sent again with the same Message-ID": len(twice),
        },
    )
