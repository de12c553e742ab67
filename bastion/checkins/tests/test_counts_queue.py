"""Coalesced count refreshes: at once by default, gathered per unit when an interval is set."""

import pytest
import time_machine

from bastion.checkins.counts_queue import CountsQueue
from bastion.checkins.services import checkin_submit
from bastion.checkins.tests.conftest import GOOD, MORNING, user_of
from bastion.reports.models import UnitDayCount


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_with_coalescing_the_units_are_refreshed_once_at_the_flush(
    world, campaign, settings, monkeypatch
):
    settings.BASTION_COUNTS_COALESCE_SECONDS = 1
    monkeypatch.setattr(CountsQueue, "_run", lambda self, interval: None)  # no thread here
    queue = CountsQueue()
    for person in (world.student, world.grid_worker):
        checkin = checkin_submit(
            actor=user_of(person), person=person, campaign=campaign, **GOOD
        ).checkin
        queue.add(campaign=campaign, day=checkin.day, unit_id=person.unit_id)
    assert not UnitDayCount.objects.exists()
    queue.flush()
    counts = UnitDayCount.objects.get(unit=world.med_class, day=checkin.day)
    assert counts.checked_in == 2 and counts.expected == 2


def test_without_coalescing_the_refresh_is_at_once(world, campaign, settings):
    settings.BASTION_COUNTS_COALESCE_SECONDS = 0
    checkin_submit(actor=user_of(world.student), person=world.student, campaign=campaign, **GOOD)
    CountsQueue().add(campaign=campaign, day=MORNING.date(), unit_id=world.student.unit_id)
    assert UnitDayCount.objects.get(unit=world.med_class).checked_in == 1


def test_the_campaign_is_cached_only_where_the_hot_path_is_tuned(
    world, campaign, settings, django_assert_num_queries
):
    from bastion.checkins.selectors import active_campaign_cached, active_campaign_forget

    settings.BASTION_COUNTS_COALESCE_SECONDS = 0
    with django_assert_num_queries(4):  # campaign and key areas, twice
        assert active_campaign_cached() == campaign
        assert active_campaign_cached() == campaign
    settings.BASTION_COUNTS_COALESCE_SECONDS = 1
    active_campaign_forget()
    with django_assert_num_queries(2):
        assert active_campaign_cached() == campaign
        assert active_campaign_cached().key_areas.all()[0].division == "420000"
    active_campaign_forget()
