"""Fixtures of the check-in tests: a clean campaign cache, a counselor of another class."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.checkins.selectors import active_campaign_forget
from bastion.conftest import PASSWORD, SINCE
from bastion.lib.days import SHANGHAI
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign

# A morning inside the check-in window of the COVID-19 campaign (opens 06:00, cut-off 10:00).
MORNING = dt.datetime(2020, 2, 10, 8, 30, tzinfo=SHANGHAI)
GOOD = {
    "temperature": "36.5",
    "symptoms": [],
    "location": "110108",
    "on_campus": True,
    "key_area_contact": False,
    "case_contact": False,
}


@pytest.fixture(autouse=True)
def _fresh_campaign_cache():
    """Each test has its own campaign: nothing cached from the one before."""
    active_campaign_forget()
    yield
    active_campaign_forget()


@pytest.fixture
def other_counselor(world) -> Person:
    """陈晨, counselor of 计算机2020级1班: not 李明's."""
    p = Person.objects.create(number="T2101", name="陈晨", kind=PersonKind.STAFF, unit=world.cs)
    user = User(username=p.number, person=p, must_change_password=False)
    user.set_password(PASSWORD)
    user.save()
    position_assign(person=p, role=Role.COUNSELOR, over=world.cs_class, starts_on=SINCE)
    return p


def user_of(person: Person) -> User:
    return User.objects.get(person=person)
