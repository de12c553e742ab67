"""The audit world: the shared world on the morning of 10 February 2020, its campaign, and the
discipline inspector 韩刚, who reads the trail with the Organization Department's 吴敏."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.conftest import PASSWORD, SINCE
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign

DAY = dt.date(2020, 2, 10)
MORNING = at(DAY, dt.time(8, 0))


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False):
        yield MORNING


@pytest.fixture
def inspector(world) -> Person:
    """韩刚 of discipline inspection, over the whole university."""
    person = Person.objects.create(
        number="T9001", name="韩刚", kind=PersonKind.STAFF, unit=world.university
    )
    user = User(username="T9001", person=person, must_change_password=False)
    user.set_password(PASSWORD)
    user.save()
    position_assign(
        person=person, role=Role.DISCIPLINE_INSPECTION, over=world.university, starts_on=SINCE
    )
    return person


def user_of(person: Person) -> User:
    return User.objects.get(person=person)
