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


def test_a_unit_with_students_and_staff_has_a_row_for_each(world, campaign):
    today = business_day()
    Person.objects.filter(pk=world.counselor.pk).update(unit=world.med_class)
    unit_day_counts_refresh(campaign=campaign, day=today, unit_ids=[world.med_class.pk])
    rows = dict(UnitDayCount.objects.filter(unit=world.med_class).values_list("kind", "expected"))
    assert rows == {"student": 2, "staff": 1}


def test_the_migration_gives_old_rows_the_kind_of_their_units_people(world, campaign):
    """Rows made before counts were split by kind take the kind most of the unit's people
    have: classes stay students', an office's rows become staff's."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "bastion.reports.migrations.0004_unit_day_counts_kind_backfill"
    )
    today = business_day()
    unit_day_counts_refresh(campaign=campaign, day=today)
    office = UnitDayCount.objects.get(unit=world.student_affairs_office)
    assert office.kind == "staff"
    UnitDayCount.objects.update(kind="student")  # as the migration's added column leaves them
    migration.kind_of_existing_rows(apps, None)
    office.refresh_from_db()
    assert office.kind == "staff"
    assert UnitDayCount.objects.get(unit=world.med_class).kind == "student"
