"""The campus world: the shared world, the COVID-19 campaign, its semester plan (vacation
from 10 January 2020, return from travel from 1 February, start 17 February, deferred to
2 March), and a gate keeper, 孙强, at the university's gate."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.campus.models import SemesterPlan
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign

SINCE = dt.date(2020, 1, 20)


@pytest.fixture
def plan(campaign) -> SemesterPlan:
    return SemesterPlan.objects.create(
        campaign=campaign,
        vacation_starts_on=dt.date(2020, 1, 10),
        travel_return_on=dt.date(2020, 2, 1),
        semester_starts_on=dt.date(2020, 2, 17),
        deferred_start_on=dt.date(2020, 3, 2),
        return_checkin_days=14,
        daily_capacity=100,
        college_daily_capacity=50,
    )


@pytest.fixture
def gate_keeper(world) -> Person:
    keeper = Person.objects.create(
        number="T8001", name="孙强", kind=PersonKind.STAFF, unit=world.university
    )
    user = User(username=keeper.number, person=keeper, must_change_password=False)
    user.set_password("Bastion-2020!")
    user.save()
    position_assign(person=keeper, role=Role.GATE_KEEPER, over=world.university, starts_on=SINCE)
    world.gate_keeper = keeper
    return keeper


# The day the campus tests run on: after the deferred start, so a clean student may return.
TODAY = dt.date(2020, 3, 5)
NOON = dt.datetime(2020, 3, 5, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def clean_days(person, campaign, *, days: int = 14, last: dt.date = TODAY, status="green"):
    """`days` normal check-ins in a row, ending `last` (the history a return needs)."""
    from decimal import Decimal

    from bastion.checkins.models import CheckIn

    CheckIn.objects.bulk_create(
        CheckIn(
            campaign=campaign,
            person=person,
            day=last - dt.timedelta(days=k),
            submitted_at=NOON - dt.timedelta(days=k),
            temperature=Decimal("36.5"),
            location="110108",
            on_campus=False,
            status=status,
        )
        for k in range(days)
    )
    person.last_checkin_day = last
    person.save(update_fields=["last_checkin_day"])


@pytest.fixture
def at_noon():
    """The clock at noon on TODAY (Shanghai)."""
    import time_machine

    with time_machine.travel(NOON, tick=False):
        yield NOON
