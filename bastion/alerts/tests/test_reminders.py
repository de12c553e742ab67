"""Reminders at the campaign's times, once each, and the Done-when sentence end to end."""

import time_machine

from bastion.alerts.models import Alert, AlertEvent, Reminder
from bastion.alerts.tasks import daily_cycle_tick
from bastion.alerts.tests.conftest import at, check_in
from bastion.notify.models import Notification


def tick(when):
    with time_machine.travel(when, tick=False):
        return daily_cycle_tick()


def reminded(person) -> list[str]:
    rows = Notification.objects.filter(recipient=person, key__startswith="reminder:")
    return sorted(rows.exclude(key__contains=":owner:").values_list("key", flat=True))


def test_reminders_go_once_per_time_to_those_not_checked_in(world, campaign, emails):
    check_in(world.other_student, when=at(8))
    tick(at(8, 59))
    assert not reminded(world.student)
    tick(at(9, 0))
    tick(at(9, 0))
    tick(at(9, 1))
    assert reminded(world.student) == ["reminder:2020-02-10:09:00:email:2020001"]
    assert not reminded(world.other_student)
    tick(at(9, 45))
    assert len(reminded(world.student)) == 2
    assert list(Reminder.objects.values_list("slot", flat=True).order_by("slot")) == [
        "09:00",
        "09:45",
    ]


def test_a_worker_back_late_sends_only_the_latest_round(world, campaign, emails):
    tick(at(9, 50))
    assert reminded(world.student) == ["reminder:2020-02-10:09:45:email:2020001"]


def test_owners_of_unacknowledged_alerts_are_reminded(world, campaign, emails):
    check_in(world.student, when=at(8, 30), temperature="38.4")
    tick(at(9, 0))
    keys = Notification.objects.filter(recipient=world.grid_worker, key__contains=":owner:")
    assert keys.count() == 1 and "1" in keys.get().subject
    alert = Alert.objects.get(person=world.student, kind="fever")
    assert alert.events.filter(action=AlertEvent.Action.REMINDED).count() == 1


def test_a_fever_alert_its_escalation_and_a_reminder_arrive_by_email_and_the_group_robot(
    world, campaign, emails, smtp_server, webhook_receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        check_in(world.student, when=at(8, 30), temperature="38.6")
    mails = smtp_server.wait_for(1)
    assert mails[0].recipients == ["2020002@example.edu.cn"]  # 刘洋, the grid worker
    assert "李明" in mails[0].subject and "发热" in mails[0].subject
    posts = webhook_receiver.wait_for(1)
    assert "李明" in str(posts[0].json)
    with django_capture_on_commit_callbacks(execute=True):
        tick(at(10, 31))  # left alone past escalate_after: to 陈静, the counselor
    smtp_server.wait_for(3)
    to_counselor = [
        m.subject for m in smtp_server.wait_for(99, timeout=1) if "T2001@" in m.recipients[0]
    ]
    assert any("逾时未确认" in subject for subject in to_counselor)
    # The reminder arrives too: 刘洋 has not checked in.
    every = smtp_server.wait_for(99, timeout=1)
    assert any(
        m.recipients == ["2020002@example.edu.cn"] and m.subject.startswith("提醒：请完成")
        for m in every
    )
