"""The per-unit daily counts, recomputed from the people's hot facts."""

from bastion.lib.days import business_day
from bastion.org.models import HealthStatus, Person
from bastion.reports.counts import unit_day_counts_refresh
from bastion.reports.models import UnitDayCount


def test_counts_follow_the_people_of_each_unit(world, campaign):
    today = business_day()
    Person.objects.filter(pk=world.student.pk).update(
        last_checkin_day=today, health_status=HealthStatus.RED
    )
    unit_day_counts_refresh(campaign=campaign, day=today)
    row = UnitDayCount.objects.get(unit=world.med_class, day=today)
    assert (row.expected, row.checked_in, row.abnormal) == (2, 1, 1)


def test_a_second_refresh_updates_the_same_row(world, campaign):
    today = business_day()
    unit_day_counts_refresh(campaign=campaign, day=today, unit_ids=[world.med_class.pk])
    Person.objects.filter(unit=world.med_class).update(last_checkin_day=today)
    unit_day_counts_refresh(campaign=campaign, day=today, unit_ids=[world.med_class.pk])
    assert UnitDayCount.objects.filter(unit=world.med_class).count() == 1
    assert UnitDayCount.objects.get(unit=world.med_class).checked_in == 2
