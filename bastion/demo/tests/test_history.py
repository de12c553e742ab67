"""The demo's weeks of history: consistent with itself, the same for the same seed."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Count, Max, Q

from bastion.alerts.models import Alert, AlertState
from bastion.campaigns.selectors import active_campaign
from bastion.checkins.models import CheckIn
from bastion.demo.builder import demo_build
from bastion.demo.history import history_build
from bastion.demo.tests.test_builder import wipe
from bastion.lib.days import SHANGHAI
from bastion.org.models import HealthStatus, Person
from bastion.reports.models import DailyReport, UnitDayCount

NOW = dt.datetime(2020, 3, 2, 9, 20, tzinfo=SHANGHAI)  # a morning, check-ins coming in
TODAY = NOW.date()
DAYS = 8


@pytest.fixture
def history(db):
    with time_machine.travel(NOW, tick=False):
        demo_build(people=400, seed=3)
        return history_build(days=DAYS, seed=3, now=NOW)


def test_it_builds_a_campaign_with_check_ins_alerts_and_reports(history):
    campaign = active_campaign()
    assert campaign.starts_on == TODAY - dt.timedelta(days=DAYS - 1)
    people = Person.objects.count()
    past = CheckIn.objects.filter(day__lt=TODAY).count()
    assert 0.9 * people * (DAYS - 1) < past < people * (DAYS - 1)
    assert 0 < CheckIn.objects.filter(day=TODAY).count() < 0.8 * people
    assert CheckIn.objects.filter(is_late=True).exists()
    assert history.alerts == Alert.objects.count() > 0
    assert DailyReport.objects.filter(is_late=True).exists()
    assert DailyReport.objects.filter(day=TODAY - dt.timedelta(days=1)).exists()


def test_the_counts_of_each_past_day_match_the_check_ins(history):
    day = TODAY - dt.timedelta(days=2)
    counted = dict(UnitDayCount.objects.filter(day=day).values_list("unit_id", "checked_in"))
    actual = dict(
        CheckIn.objects.filter(day=day)
        .values_list("person__unit_id")
        .annotate(n=Count("pk"))
        .values_list("person__unit_id", "n")
    )
    assert {k: v for k, v in counted.items() if v} == actual


def test_the_hot_facts_agree_with_the_check_ins_and_open_alerts(history):
    last = {
        row["person_id"]: row["day"]
        for row in CheckIn.objects.values("person_id").annotate(day=Max("day"))
    }
    for person in Person.objects.all()[:200]:
        assert person.last_checkin_day == last.get(person.pk)
    open_people = set(
        Alert.objects.exclude(state=AlertState.CLOSED).values_list("person_id", flat=True)
    )
    abnormal = set(
        Person.objects.filter(~Q(health_status=HealthStatus.GREEN)).values_list("pk", flat=True)
    )
    assert abnormal == open_people
    assert (
        UnitDayCount.objects.get(unit__depth=1, day=TODAY)
        if UnitDayCount.objects.filter(unit__depth=1, day=TODAY).exists()
        else True
    )


def test_alerts_are_in_every_state(history):
    states = set(Alert.objects.values_list("state", flat=True))
    assert AlertState.CLOSED in states
    assert states & {AlertState.OPEN, AlertState.ACKNOWLEDGED}


def test_the_same_seed_builds_the_same_history(db):
    def fingerprint():
        return (
            list(
                CheckIn.objects.order_by("person__number", "day").values_list(
                    "person__number", "day", "temperature", "is_late"
                )
            ),
            list(
                Alert.objects.order_by("person__number", "kind", "day").values_list(
                    "person__number", "kind", "state"
                )
            ),
        )

    with time_machine.travel(NOW, tick=False):
        demo_build(people=300, seed=5)
        history_build(days=4, seed=5, now=NOW)
        first = fingerprint()
    DailyReport.objects.all().delete()
    UnitDayCount.objects.all().delete()
    Alert.objects.all().delete()
    CheckIn.objects.all().delete()
    wipe()
    with time_machine.travel(NOW, tick=False):
        demo_build(people=300, seed=5)
        history_build(days=4, seed=5, now=NOW)
    assert fingerprint() == first
