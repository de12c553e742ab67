"""Fixtures of the alert tests: email addresses for the world, a clock, a check-in helper."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.checkins.selectors import active_campaign_forget
from bastion.checkins.services import checkin_submit
from bastion.lib.days import SHANGHAI
from bastion.org.models import Person

DAY = dt.date(2020, 2, 10)
GOOD = {
    "temperature": "36.5",
    "symptoms": [],
    "location": "110108",
    "on_campus": True,
    "key_area_contact": False,
    "case_contact": False,
}


def at(hour: int, minute: int = 0, *, day: dt.date = DAY) -> dt.datetime:
    """An aware moment in Shanghai on the test day."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def user_of(person: Person) -> User:
    return User.objects.get(person=person)


def check_in(person: Person, *, when: dt.datetime, actor: Person | None = None, **changes):
    """Check `person` in at `when` through the real service."""
    with time_machine.travel(when, tick=False):
        return checkin_submit(
            actor=user_of(actor or person),
            person=person,
            campaign=_campaign(),
            now=when,
            **{**GOOD, **changes},
        )


def _campaign():
    from bastion.campaigns.selectors import active_campaign

    return active_campaign()


@pytest.fixture(autouse=True)
def _fresh_campaign_cache():
    active_campaign_forget()
    yield
    active_campaign_forget()
