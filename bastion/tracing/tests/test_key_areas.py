"""Re-evaluating a key area: exactly those who were there within the window are alerted."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.alerts.models import Alert, AlertState
from bastion.campaigns.models import KeyArea, RiskLevel
from bastion.checkins.models import CheckIn
from bastion.lib.days import at
from bastion.tracing.services import key_area_delete, key_area_reevaluate, trip_record
from bastion.tracing.tasks import key_area_reevaluate_task

DAY = dt.date(2020, 2, 10)  # the window of 14 days runs from 28 January
NOW = at(DAY, dt.time(9, 0))


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def trip(person, origin: str, destination: str, day: str) -> None:
    trip_record(
        actor=User.objects.get(person=person),
        person=person,
        origin=origin,
        destination=destination,
        departs_on=day,
        arrives_on=day,
        transport="car",
    )


@pytest.fixture
def hubei(world, campaign):
    """李明 left Wuhan on 1 February; 王芳 went there on 20 January (before the window);
    赵强 checked in from Wuhan on 5 February; 陈静 went to Hangzhou."""
    trip(world.student, "420106", "110108", "2020-02-01")
    trip(world.other_student, "110108", "420106", "2020-01-20")
    trip(world.counselor, "110108", "330106", "2020-02-03")
    CheckIn.objects.create(
        campaign=campaign,
        person=world.staff,
        day=dt.date(2020, 2, 5),
        submitted_at=at(dt.date(2020, 2, 5), dt.time(8, 0)),
        temperature="36.5",
        location="420106",
        on_campus=False,
    )
    world.staff.last_checkin_day = dt.date(2020, 2, 5)  # as checkin_submit keeps it
    world.staff.save(update_fields=["last_checkin_day"])
    return KeyArea.objects.get(campaign=campaign, division="420000")


def alerted(area) -> dict[str, str]:
    return dict(
        Alert.objects.filter(key_area=area)
        .exclude(state=AlertState.CLOSED)
        .values_list("person__number", "owner__number")
    )


def test_exactly_those_there_within_the_window_are_alerted_with_their_owner(world, hubei):
    result = key_area_reevaluate(key_area=hubei)
    assert (result.people, result.raised, result.closed) == (2, 2, 0)
    owners = alerted(hubei)
    assert set(owners) == {world.student.number, world.staff.number}
    assert owners[world.student.number] == world.grid_worker.number
    alert = Alert.objects.get(key_area=hubei, person=world.student)
    assert (alert.kind, alert.severity) == ("key_area", "red")
    assert alert.summary == "2月1日到过重点地区：湖北省"
    world.student.refresh_from_db()
    assert world.student.health_status == "red"


def test_a_second_run_changes_nothing(world, hubei):
    key_area_reevaluate(key_area=hubei)
    again = key_area_reevaluate(key_area=hubei)
    assert (again.raised, again.closed) == (0, 0)
    assert Alert.objects.filter(key_area=hubei).count() == 2


def test_lowering_the_area_closes_what_it_opened(world, hubei):
    key_area_reevaluate(key_area=hubei)
    hubei.risk_level = RiskLevel.LOW
    hubei.save()
    result = key_area_reevaluate(key_area=hubei)
    assert (result.raised, result.closed) == (0, 2)
    assert alerted(hubei) == {}
    world.student.refresh_from_db()
    assert world.student.health_status == "green"


def test_a_medium_risk_area_raises_yellow(world, hubei):
    hubei.risk_level = RiskLevel.MEDIUM
    hubei.save()
    key_area_reevaluate(key_area=hubei)
    assert set(Alert.objects.filter(key_area=hubei).values_list("severity", flat=True)) == {
        "yellow"
    }


def test_an_area_starting_later_leaves_out_who_was_there_before(world, hubei):
    hubei.from_date = dt.date(2020, 2, 3)
    hubei.save()
    key_area_reevaluate(key_area=hubei)
    assert set(alerted(hubei)) == {world.staff.number}


def test_a_key_area_alert_already_open_is_not_doubled_nor_closed_by_the_area(world, hubei):
    own = Alert.objects.create(
        campaign=hubei.campaign,
        person=world.student,
        kind="key_area",
        severity="red",
        summary="位于重点地区：湖北省武汉市武昌区",
        day=DAY,
        raised_at=NOW,
    )
    key_area_reevaluate(key_area=hubei)
    assert set(alerted(hubei)) == {world.staff.number}
    hubei.risk_level = RiskLevel.LOW
    hubei.save()
    key_area_reevaluate(key_area=hubei)
    own.refresh_from_db()
    assert own.state == AlertState.OPEN


def test_deleting_the_area_closes_its_alerts_first(world, hubei):
    key_area_reevaluate(key_area=hubei)
    pks = list(Alert.objects.filter(key_area=hubei).values_list("pk", flat=True))
    key_area_delete(key_area=hubei)
    assert not KeyArea.objects.filter(pk=hubei.pk).exists()
    assert set(Alert.objects.filter(pk__in=pks).values_list("state", flat=True)) == {"closed"}


def test_the_background_task_reevaluates_by_id(world, hubei):
    assert key_area_reevaluate_task.call_local(hubei.pk) == {
        "people": 2,
        "raised": 2,
        "closed": 0,
    }
