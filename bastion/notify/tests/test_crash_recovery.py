"""What the outbox does about a worker that died mid-delivery (the killed worker itself is in
bastion/ops/tests/test_crash_worker.py): every row goes out, each attempt as the same message."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from bastion.notify.channels import message_id
from bastion.notify.models import Notification
from bastion.notify.services import MAX_ATTEMPTS, notifications_deliver, notify, notify_group
from bastion.notify.tasks import notifications_retry


@pytest.fixture
def counselor(world):
    world.counselor.email = "chenjing@example.edu.cn"
    world.counselor.save(update_fields=["email"])
    return world.counselor


def _cut_off(row: Notification, *, attempts: int = 1) -> None:
    """As a worker killed mid-send leaves a row: claimed, under lease, not sent."""
    Notification.objects.filter(pk=row.pk).update(
        attempts=attempts, next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )


def test_the_sweep_sends_a_row_whose_task_never_ran(counselor, smtp_server):
    # Queued, and its delivery task lost with the worker that had taken it from the queue.
    notify(key="t:1", recipients=[counselor], subject="提醒", body="请打卡")
    notifications_retry()
    assert len(smtp_server.wait_for(1)) == 1
    assert Notification.objects.get().sent_at is not None


def test_an_attempt_cut_off_goes_again_once_its_lease_has_passed(counselor, smtp_server):
    notify(key="t:1", recipients=[counselor], subject="提醒", body="请打卡")
    row = Notification.objects.get()
    _cut_off(row)
    notifications_retry()  # the lease holds it: the worker might still be sending
    assert smtp_server.messages == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        notifications_retry()
    assert len(smtp_server.wait_for(1)) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2


def test_every_attempt_of_an_email_is_the_same_message(counselor, smtp_server):
    notify(key="t:1", recipients=[counselor], subject="提醒", body="请打卡")
    row = Notification.objects.get()
    _cut_off(row)  # suppose the first attempt reached the server before the worker died
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    notifications_deliver()
    (mail,) = smtp_server.wait_for(1)
    assert mail.message_id == message_id(row) == f"<{row.uid}@localhost>"


def test_a_group_post_carries_its_delivery_id(world, webhook_receiver):
    notify_group(key="t:group", subject="特殊情况上报", body="…")
    notifications_retry()
    (post,) = webhook_receiver.wait_for(1)
    assert post.headers["X-Bastion-Delivery"] == str(Notification.objects.get().uid)


def test_a_last_attempt_cut_off_is_recorded_as_failed(counselor, smtp_server):
    notify(key="t:1", recipients=[counselor], subject="提醒", body="请打卡")
    row = Notification.objects.get()
    _cut_off(row, attempts=MAX_ATTEMPTS)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        notifications_retry()
    row.refresh_from_db()
    assert row.is_failed and row.next_attempt_at is None
    assert smtp_server.messages == []
