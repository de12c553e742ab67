"""The check-in history partitioned by month on PostgreSQL: rows land in their month, a day's
queries read one partition, the partitions are made ahead; SQLite keeps a plain table."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection

from bastion.alerts.models import Alert
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.checkins.partitions import (
    checkin_partitions,
    checkin_partitions_ensure,
    checkins_partitioned,
)
from bastion.checkins.selectors import reported_in_history_q
from bastion.checkins.tasks import checkin_partitions_daily
from bastion.lib.days import SHANGHAI, at
from bastion.org.models import Person

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's"
)
JAN_31, FEB_1 = dt.date(2020, 1, 31), dt.date(2020, 2, 1)


def checkin(world, campaign, person: Person, day: dt.date, **fields) -> CheckIn:
    return CheckIn.objects.create(
        campaign=campaign,
        person=person,
        day=day,
        submitted_at=at(day, dt.time(8, 0)),
        temperature="36.5",
        location="110108",
        on_campus=True,
        **fields,
    )


def partition_of(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM checkins_checkin WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def partitions_read(queryset) -> set[str]:
    """The partitions of the check-in table the plan of `queryset` reads."""
    return set(re.findall(r"checkins_checkin_(?:y\d{4}m\d{2}|default)", queryset.explain()))


@pytest.fixture
def months_2020(db):
    """January to April 2020 with partitions of their own."""
    return checkin_partitions_ensure(first=JAN_31, last=FEB_1, ahead=2)


@postgresql_only
def test_the_history_is_partitioned_by_month_of_the_day(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p"
            " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
            " WHERE p.partrelid = 'checkins_checkin'::regclass"
        )
        assert cursor.fetchall() == [("r", "day")]
    assert checkins_partitioned()
    assert checkin_partitions()[-1].first is None  # DEFAULT, the safety net, is there


def test_sqlite_keeps_one_plain_table(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's behaviour")
    assert not checkins_partitioned()
    assert checkin_partitions() == [] and checkin_partitions_ensure() == []


@postgresql_only
def test_check_ins_across_a_month_boundary_land_in_their_months(world, campaign, months_2020):
    assert months_2020 == [f"checkins_checkin_y2020m{m:02d}" for m in (1, 2, 3, 4)]
    last = checkin(world, campaign, world.student, JAN_31)
    first = checkin(world, campaign, world.student, FEB_1)
    assert partition_of(last.pk) == "checkins_checkin_y2020m01"
    assert partition_of(first.pk) == "checkins_checkin_y2020m02"


@postgresql_only
def test_a_days_query_reads_only_its_months_partition(world, campaign, months_2020):
    checkin(world, campaign, world.student, FEB_1)
    day = CheckIn.objects.filter(campaign=campaign, day=FEB_1)
    assert partitions_read(day) == {"checkins_checkin_y2020m02"}
    assert list(day) and partitions_read(CheckIn.objects.all()) >= {
        "checkins_checkin_y2020m01",
        "checkins_checkin_y2020m02",
        "checkins_checkin_default",
    }


@postgresql_only
def test_the_list_of_a_closed_days_non_reporters_reads_one_partition(world, campaign, months_2020):
    checkin(world, campaign, world.student, FEB_1)
    missing = Person.objects.exclude(reported_in_history_q(campaign=campaign, day=FEB_1))
    assert partitions_read(missing) == {"checkins_checkin_y2020m02"}
    assert world.student not in missing and missing.exists()


@postgresql_only
def test_rows_waiting_in_default_move_into_their_months_new_partition(world, campaign):
    may = checkin(world, campaign, world.student, dt.date(2019, 5, 20))
    assert partition_of(may.pk) == "checkins_checkin_default"
    made = checkin_partitions_ensure(ahead=0)
    assert "checkins_checkin_y2019m05" in made
    assert partition_of(may.pk) == "checkins_checkin_y2019m05"
    assert CheckIn.objects.get(pk=may.pk).day == dt.date(2019, 5, 20)


@postgresql_only
def test_the_daily_task_makes_this_month_and_the_next_three(db):
    with time_machine.travel(dt.datetime(2031, 6, 15, 0, 20, tzinfo=SHANGHAI), tick=False):
        checkin_partitions_daily()
    firsts = {p.first for p in checkin_partitions()}
    assert {dt.date(2031, m, 1) for m in (6, 7, 8, 9)} <= firsts
    assert dt.date(2031, 10, 1) not in firsts
    assert checkin_partitions_ensure(first=dt.date(2031, 6, 1), last=dt.date(2031, 6, 1)) == []


def test_deleting_a_check_in_deletes_its_versions_and_unlinks_its_alerts(world, campaign):
    """No database foreign key points at a partitioned check-in; Django's cascade does it."""
    record = checkin(world, campaign, world.student, FEB_1, revision=2)
    CheckInRevision.objects.create(
        checkin=record, revision=1, data={}, replaced_at=at(FEB_1, dt.time(8))
    )
    alert = Alert.objects.create(
        campaign=campaign,
        person=world.student,
        checkin=record,
        kind="fever",
        severity="red",
        summary="体温 38.6 °C",
        day=FEB_1,
        raised_at=at(FEB_1, dt.time(8)),
    )
    record.delete()
    assert not CheckInRevision.objects.exists()
    alert.refresh_from_db()
    assert alert.checkin is None
