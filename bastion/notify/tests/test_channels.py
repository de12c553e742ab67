"""Channels against real loopback receivers: an SMTP server and a group-robot HTTP endpoint."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from bastion.notify.models import Notification
from bastion.notify.services import MAX_ATTEMPTS, notifications_deliver, notify, notify_group
from bastion.notify.tasks import notifications_retry
from bastion.notify.testing import free_port


@pytest.fixture
def counselor(world):
    world.counselor.email = "chenjing@example.edu.cn"
    world.counselor.save(update_fields=["email"])
    return world.counselor


def test_an_email_arrives_with_its_subject_and_recipient(
    counselor, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(key="t:1", recipients=[counselor], subject="预警：李明发热", body="体温 38.2 °C")
    (mail,) = smtp_server.wait_for(1)
    assert mail.recipients == ["chenjing@example.edu.cn"]
    assert mail.subject == "预警：李明发热"
    assert "体温 38.2 °C" in mail.body
    row = Notification.objects.get()
    assert row.sent_at is not None and row.attempts == 1 and row.error == ""


def test_a_group_message_arrives_in_wecom_format(
    world, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify_group(key="t:group", subject="特殊情况上报", body="医学院：疑似病例 1 例")
    (post,) = webhook_receiver.wait_for(1)
    assert post.json == {
        "msgtype": "markdown",
        "markdown": {"content": "**特殊情况上报**\n医学院：疑似病例 1 例"},
    }
    assert post.headers["Content-Type"] == "application/json"


def test_a_group_message_arrives_in_dingtalk_format(
    world, webhook_receiver, settings, django_capture_on_commit_callbacks
):
    settings.BASTION_WEBHOOK_FORMAT = "dingtalk"
    with django_capture_on_commit_callbacks(execute=True):
        notify_group(key="t:group", subject="特殊情况上报", body="医学院：疑似病例 1 例")
    (post,) = webhook_receiver.wait_for(1)
    assert post.json == {
        "msgtype": "markdown",
        "markdown": {"title": "特殊情况上报", "text": "### 特殊情况上报\n\n医学院：疑似病例 1 例"},
    }


def test_a_failing_robot_records_the_error_and_a_retry_succeeds(
    world, webhook_receiver, django_capture_on_commit_callbacks
):
    webhook_receiver.fail_next(1, status=500)
    with django_capture_on_commit_callbacks(execute=True):
        notify_group(key="t:group", subject="特殊情况上报", body="…")
    row = Notification.objects.get()
    assert row.sent_at is None and row.attempts == 1
    assert "HTTP 500" in row.error
    assert row.next_attempt_at is not None

    notifications_deliver()  # not yet due: the backoff holds it
    assert webhook_receiver.posts == []

    notifications_deliver(now=row.next_attempt_at + dt.timedelta(seconds=1))
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.error == ""
    assert len(webhook_receiver.wait_for(1)) == 1


def test_the_periodic_retry_sends_what_is_due(world, webhook_receiver):
    webhook_receiver.fail_next(1, status=502)
    notify_group(key="t:group", subject="s", body="b")
    notifications_deliver(keys=["t:group:webhook"])
    assert Notification.objects.get().error
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        notifications_retry()
    assert Notification.objects.get().sent_at is not None
    assert len(webhook_receiver.wait_for(1)) == 1


def test_an_errcode_answer_is_a_failure(world, webhook_receiver):
    webhook_receiver.fail_next(1, status=200)  # 200 with {"errcode": 93000}
    notify_group(key="t:group", subject="s", body="b")
    notifications_deliver(keys=["t:group:webhook"])
    row = Notification.objects.get()
    assert row.sent_at is None and "93000" in row.error


def test_three_failures_stop_the_retries(world, webhook_receiver):
    webhook_receiver.fail_next(5, status=500)
    notify_group(key="t:group", subject="s", body="b")
    moment = timezone.now()
    for _ in range(5):
        notifications_deliver(keys=["t:group:webhook"], now=moment)
        moment += dt.timedelta(hours=1)
    row = Notification.objects.get()
    assert row.attempts == MAX_ATTEMPTS and row.sent_at is None and row.next_attempt_at is None


def test_an_unreachable_robot_is_a_failure(world, settings):
    settings.BASTION_WEBHOOK_URL = f"http://127.0.0.1:{free_port()}/robot"
    notify_group(key="t:group", subject="s", body="b")
    notifications_deliver(keys=["t:group:webhook"])
    row = Notification.objects.get()
    assert row.sent_at is None and row.attempts == 1 and row.error


def test_a_person_without_email_is_skipped_with_a_recorded_error(world, smtp_server):
    notify(key="t:1", recipients=[world.student], subject="s", body="b")
    notifications_deliver(keys=["t:1:email:2020001"])
    row = Notification.objects.get()
    assert row.sent_at is None and row.error == "没有邮箱地址"
    assert row.next_attempt_at is None  # retrying cannot help
    notifications_deliver(now=timezone.now() + dt.timedelta(days=1))
    assert Notification.objects.get().attempts == 1
    assert smtp_server.messages == []


def test_the_same_key_twice_is_sent_once(
    counselor, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(key="t:1", recipients=[counselor], subject="s", body="b") == 1
        assert notify(key="t:1", recipients=[counselor], subject="s", body="b") == 0
    notifications_deliver(keys=["t:1:email:T2001"])  # re-running for a sent row does nothing
    assert len(smtp_server.wait_for(1)) == 1
    assert Notification.objects.get().attempts == 1
    assert len(smtp_server.wait_for(2, timeout=0.3)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_row_send_it_once(smtp_server):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the concurrent claim is tested on PostgreSQL")
    from bastion.conftest import build_world

    world = build_world()
    world.counselor.email = "chenjing@example.edu.cn"
    world.counselor.save(update_fields=["email"])
    # Queued by hand: notify() would deliver at once here, each statement being committed.
    Notification.objects.create(
        key="t:race:email:T2001", channel="email", recipient=world.counselor, subject="s", body="b"
    )
    start = threading.Barrier(4)
    sent: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            sent.append(notifications_deliver(keys=["t:race:email:T2001"]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    assert Notification.objects.get().attempts == 1
