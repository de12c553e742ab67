"""Alert services: who owns an alert, escalation, acknowledgement, closing, the missing rules."""

import pytest
import time_machine

from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.alerts.services import (
    AlertRefused,
    alert_acknowledge,
    alert_close,
    alerts_escalate_due,
    daily_cycle_run,
)
from bastion.alerts.tasks import daily_cycle_tick
from bastion.alerts.tests.conftest import DAY, at, check_in, user_of
from bastion.notify.models import Notification
from bastion.org.models import HealthStatus, Person
from bastion.reports.models import UnitDayCount


def fever(world, person=None, *, when=None):
    check_in(person or world.student, when=when or at(8, 30), temperature="38.2")
    return Alert.objects.get(person=person or world.student, kind="fever")


def tick(when):
    with time_machine.travel(when, tick=False):
        return daily_cycle_tick()


def told(person, prefix: str = "escalated:") -> set[str]:
    """The outbox keys of messages to `person` (escalations unless told otherwise)."""
    rows = Notification.objects.filter(recipient=person, key__startswith=prefix)
    return set(rows.values_list("key", flat=True))


def test_a_fever_check_in_makes_an_alert_owned_by_the_students_grid_worker(world, campaign):
    alert = fever(world)
    assert alert.owner == world.grid_worker
    assert alert.severity == "red" and alert.level == 0 and alert.state == AlertState.OPEN
    assert alert.escalate_at == at(10, 30)
    assert list(alert.events.values_list("action", flat=True)) == ["raised"]
    note = Notification.objects.get(recipient=world.grid_worker)
    assert note.key == f"alert:{alert.uid}:raised:email:{world.grid_worker.number}"
    assert "李明" in note.subject and "发热" in note.subject
    assert Notification.objects.filter(channel="webhook", key__startswith=f"alert:{alert.uid}")
    world.student.refresh_from_db()
    assert world.student.health_status == HealthStatus.RED
    assert "发热" in world.student.health_reason


def test_the_grid_workers_own_alert_is_owned_by_the_counselor(world, campaign):
    alert = fever(world, world.grid_worker)
    assert alert.owner == world.counselor


def test_a_second_fever_the_same_day_raises_no_second_alert(world, campaign):
    fever(world)
    check_in(world.student, when=at(9, 0), temperature="38.5")
    assert Alert.objects.filter(person=world.student, kind="fever").count() == 1


def test_an_alert_left_alone_escalates_to_the_counselor_then_the_secretary(world, campaign):
    alert = fever(world)
    tick(at(10, 29))
    alert.refresh_from_db()
    assert alert.level == 0
    tick(at(10, 30))
    alert.refresh_from_db()
    assert alert.level == 1 and alert.owner == world.grid_worker
    assert list(alert.escalated_to.all()) == [world.counselor]
    assert alert.escalate_at == at(12, 30)
    assert len(told(world.counselor)) == 1
    assert not told(world.secretary)
    tick(at(12, 31))
    alert.refresh_from_db()
    assert alert.level == 2
    assert set(alert.escalated_to.all()) == {world.counselor, world.secretary}
    assert len(told(world.secretary)) == 1
    escalations = alert.events.filter(action=AlertEvent.Action.ESCALATED)
    assert [e.note for e in escalations] == ["陈静", "孙丽"]


def test_the_tick_is_idempotent(world, campaign):
    alert = fever(world)
    tick(at(10, 30))
    before = Notification.objects.count(), AlertEvent.objects.count()
    tick(at(10, 30))
    with time_machine.travel(at(10, 30), tick=False):
        assert alerts_escalate_due(now=at(10, 30)) == 0
    assert (Notification.objects.count(), AlertEvent.objects.count()) == before
    alert.refresh_from_db()
    assert alert.level == 1


def test_an_acknowledged_alert_does_not_escalate(world, campaign):
    alert = fever(world)
    alert_acknowledge(actor=user_of(world.grid_worker), alert=alert, note="已电话联系", now=at(9))
    tick(at(13))
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.level == 0
    assert alert.acknowledged_by == user_of(world.grid_worker)
    assert not told(world.counselor)


def test_closing_restores_green_health_and_the_counts(
    world, campaign, django_capture_on_commit_callbacks
):
    alert = fever(world)
    with (
        time_machine.travel(at(9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        alert_close(actor=user_of(world.counselor), alert=alert, note="复测 36.6℃", now=at(9))
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED and alert.note == "复测 36.6℃"
    assert alert.closed_by == user_of(world.counselor)
    world.student.refresh_from_db()
    assert world.student.health_status == HealthStatus.GREEN
    assert world.student.health_reason == ""
    counts = UnitDayCount.objects.get(unit=world.med_class, day=DAY)
    assert counts.abnormal == 0


def test_closing_asks_what_was_done(world, campaign):
    alert = fever(world)
    with pytest.raises(AlertRefused) as refused:
        alert_close(actor=user_of(world.grid_worker), alert=alert, note="  ")
    assert refused.value.status == 400
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


@pytest.mark.parametrize("who", ["other_student", "staff", "lab_head"])
def test_someone_out_of_reach_cannot_handle_the_alert(world, campaign, who):
    alert = fever(world)
    with pytest.raises(AlertRefused) as refused:
        alert_acknowledge(actor=user_of(getattr(world, who)), alert=alert)
    assert refused.value.status == 404
    with pytest.raises(AlertRefused):
        alert_close(actor=user_of(getattr(world, who)), alert=alert, note="x")
    assert AlertEvent.objects.filter(alert=alert).count() == 1


def test_the_person_cannot_close_their_own_alert(world, campaign):
    alert = fever(world)
    with pytest.raises(AlertRefused) as refused:
        alert_close(actor=user_of(world.student), alert=alert, note="我没事")
    assert refused.value.status == 404


def test_acknowledging_twice_is_refused(world, campaign):
    alert = fever(world)
    alert_acknowledge(actor=user_of(world.grid_worker), alert=alert)
    with pytest.raises(AlertRefused) as refused:
        alert_acknowledge(actor=user_of(world.counselor), alert=alert)
    assert refused.value.status == 409


# --- the missing rules ------------------------------------------------------------------------


def missing(person) -> Alert | None:
    return Alert.objects.filter(person=person, kind="missing_cutoff").first()


def test_no_missing_alert_before_the_cut_off(world, campaign):
    tick(at(9, 59))
    assert not Alert.objects.filter(kind="missing_cutoff").exists()


def test_after_the_cut_off_everyone_not_checked_in_gets_a_yellow_alert(world, campaign):
    check_in(world.other_student, when=at(8))
    tick(at(10, 1))
    assert missing(world.other_student) is None
    alert = missing(world.student)
    assert alert.severity == "yellow" and alert.summary == "截至 10:00 未打卡"
    assert alert.owner == world.grid_worker
    assert missing(world.grid_worker).owner == world.counselor
    assert Alert.objects.filter(kind="missing_cutoff").count() == Person.objects.count() - 1
    world.student.refresh_from_db()
    assert world.student.health_status == HealthStatus.GREEN  # missing is not ill
    # The grid worker hears once, about all of their people.
    assert len(told(world.grid_worker, "alerts:missing_cutoff:")) == 1
    before = Alert.objects.count(), Notification.objects.count()
    tick(at(10, 2))
    assert (Alert.objects.count(), Notification.objects.count()) == before


def test_a_late_check_in_closes_the_missing_alert(world, campaign):
    tick(at(10, 1))
    result = check_in(world.student, when=at(10, 40))
    assert result.checkin.is_late
    alert = missing(world.student)
    assert alert.state == AlertState.CLOSED and alert.closed_by is None
    assert alert.note == "已补打卡"
    tick(at(10, 41))
    assert Alert.objects.filter(person=world.student, kind="missing_cutoff").count() == 1


def test_two_days_without_a_check_in_make_a_red_alert(world, campaign):
    check_in(world.student, when=at(8, day=DAY.replace(day=8)))
    tick(at(10, 1, day=DAY.replace(day=9)))
    assert not Alert.objects.filter(person=world.student, kind="missing_days").exists()
    tick(at(10, 1))
    alert = Alert.objects.get(person=world.student, kind="missing_days")
    assert alert.severity == "red" and alert.summary == "连续 2 天未打卡"
    # Yesterday's cut-off alert made way for today's.
    alerts = Alert.objects.filter(person=world.student, kind="missing_cutoff").order_by("day")
    assert [(a.day.day, a.state) for a in alerts] == [(9, "closed"), (10, "open")]
    check_in(world.student, when=at(11))
    assert not Alert.objects.filter(person=world.student).exclude(state="closed").exists()


def test_without_a_campaign_the_tick_does_nothing(world):
    with time_machine.travel(at(11), tick=False):
        assert daily_cycle_run(now=at(11)) == {}
