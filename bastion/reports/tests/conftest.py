"""Fixtures of the reports tests: a leading group above the colleges, a fixed morning."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.alerts.models import Alert
from bastion.conftest import PASSWORD, SINCE
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign

DAY = dt.date(2020, 2, 10)  # a Monday of the campaign; colleges report by 11:00
MORNING = at(DAY, dt.time(9, 0))
AFTER_DEADLINE = at(DAY, dt.time(11, 30))


@pytest.fixture
def leader(world):
    """钱校长 of the leading group, holding the university: the level above every college."""
    person = Person.objects.create(
        number="T9001", name="钱校长", kind=PersonKind.STAFF, unit=world.university_office
    )
    user = User(username=person.number, person=person, must_change_password=False)
    user.set_password(PASSWORD)
    user.save()
    position_assign(person=person, role=Role.LEADING_GROUP, over=world.university, starts_on=SINCE)
    return person


def raise_alert(campaign, person: Person, *, kind: str = "fever", severity: str = "red") -> Alert:
    """An open alert made directly, and the person's status that goes with it."""
    alert = Alert.objects.create(
        campaign=campaign,
        person=person,
        kind=kind,
        severity=severity,
        summary="体温37.8℃",
        day=DAY,
        raised_at=MORNING,
    )
    Person.objects.filter(pk=person.pk).update(health_status=severity, health_reason="体温37.8℃")
    return alert
