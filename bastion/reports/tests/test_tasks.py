"""The periodic work: counts kept whole every minute, the day closed, missing reports told."""

import datetime as dt

import time_machine

from bastion.notify.models import Notification
from bastion.org.models import Person
from bastion.reports import tasks
from bastion.reports.models import UnitDayCount
from bastion.reports.tests.conftest import AFTER_DEADLINE, DAY, MORNING


def test_the_minute_tick_recomputes_todays_counts(world, campaign):
    Person.objects.filter(pk=world.student.pk).update(last_checkin_day=DAY)
    with time_machine.travel(MORNING, tick=False):
        tasks.unit_day_counts_tick.call_local()
    assert UnitDayCount.objects.get(unit=world.med_class, day=DAY).checked_in == 1


def test_the_day_close_refreshes_yesterday(world, campaign):
    Person.objects.filter(pk=world.student.pk).update(last_checkin_day=DAY)
    with time_machine.travel(MORNING + dt.timedelta(days=1), tick=False):
        tasks.unit_day_counts_close.call_local()
    assert UnitDayCount.objects.get(unit=world.med_class, day=DAY).checked_in == 1


def test_the_missing_report_tick_tells_the_level_above(world, campaign, leader):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        tasks.missing_reports_tick.call_local()
    assert Notification.objects.filter(
        key__startswith=f"report-missing:MED:{DAY.isoformat()}", recipient=leader
    ).exists()


def test_nothing_happens_without_a_campaign(world):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        tasks.unit_day_counts_tick.call_local()
        tasks.missing_reports_tick.call_local()
    assert not UnitDayCount.objects.exists() and not Notification.objects.exists()
