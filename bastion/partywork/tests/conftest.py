"""The Party-work world: the shared world, the COVID-19 campaign, and three more people: the
医学院党委 secretary 何平 (reviews the college's stories, sends its work reports), the
discipline inspector 韩刚, and the leading group's 高峰."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.org.models import Person, PersonKind, PoliticalStatus
from bastion.org.services import position_assign

SINCE = dt.date(2020, 1, 20)
NOON = dt.datetime(2020, 2, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _person(world, number: str, name: str, unit, role: Role, over) -> Person:
    person = Person.objects.create(
        number=number,
        name=name,
        kind=PersonKind.STAFF,
        unit=unit,
        political_status=PoliticalStatus.MEMBER,
    )
    user = User(username=number, person=person, must_change_password=False)
    user.set_password("Bastion-2020!")
    user.save()
    position_assign(person=person, role=role, over=over, starts_on=SINCE)
    return person


@pytest.fixture
def party(world, campaign):
    """The world with the committee secretary, the inspector and the leading group's member."""
    world.committee_secretary = _person(
        world, "T3002", "何平", world.med, Role.PARTY_SECRETARY, world.med_committee
    )
    world.inspector = _person(
        world, "T9001", "韩刚", world.university, Role.DISCIPLINE_INSPECTION, world.university
    )
    world.leader = _person(
        world, "T9002", "高峰", world.university, Role.LEADING_GROUP, world.university
    )
    world.campaign = campaign
    return world
