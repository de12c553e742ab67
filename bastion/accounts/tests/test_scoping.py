"""The one scoping rule, checked against the named world."""

import pytest

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.org.models import Person


def numbers(world, person) -> set[str]:
    user = User.objects.get(person=person)
    return set(scope_of(user).people().values_list("number", flat=True))


def test_a_counselor_sees_exactly_their_classes_people(world):
    assert numbers(world, world.counselor) == {"2020001", "2020002", "T2001"}


def test_a_student_sees_only_themselves(world):
    assert numbers(world, world.student) == {"2020001"}


def test_student_affairs_sees_every_student_and_no_staff_but_themselves(world):
    seen = numbers(world, world.student_affairs) - {world.student_affairs.number}
    assert seen == {"2020001", "2020002", "2020101"}


def test_the_university_office_sees_every_staff_member_and_no_student(world):
    seen = numbers(world, world.office_officer)
    assert seen == set(Person.objects.filter(kind="staff").values_list("number", flat=True))
    assert "2020001" not in seen and "2020101" not in seen
    assert {"T1001", "T2001", "T4001", "T5001", "T6001"} <= seen


def test_the_organization_department_sees_everyone(world):
    assert numbers(world, world.org_officer) == set(Person.objects.values_list("number", flat=True))


def test_a_grid_worker_sees_the_people_of_their_grid(world):
    assert numbers(world, world.grid_worker) == {"2020001", "2020002"}


def test_a_college_leader_sees_the_college_subtree_and_not_the_other_college(world):
    seen = numbers(world, world.college_leader)
    assert {"2020001", "2020002", "T1001", "T2001", "T2002", "T3001", "T7001"} == seen


def test_a_branch_secretary_sees_members_and_the_units_the_branch_leads(world):
    seen = numbers(world, world.secretary)
    # members of the branch (李明, 刘洋, 陈静, 孙丽) and the people of 临床医学系 it leads
    assert seen == {"2020001", "2020002", "T2001", "T2002"}


def test_a_lab_head_sees_the_lab(world):
    assert numbers(world, world.lab_head) == {"T1001", "T7001"}


@pytest.mark.parametrize("who", ["student", "counselor", "college_leader"])
def test_an_ended_position_gives_no_reach(world, who):
    import datetime as dt

    person = getattr(world, who)
    person.positions.update(ends_on=dt.date(2020, 1, 31))
    assert numbers(world, person) == {person.number}
