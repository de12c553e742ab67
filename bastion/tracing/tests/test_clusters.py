"""Cluster warnings: N abnormal people in one class, building or lab within D days warn the
leading group once, through an urgent report."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.checkins.services import checkin_submit
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.reports.models import UrgentRecipient, UrgentReport
from bastion.tracing.clusters import cluster_close, clusters_check
from bastion.tracing.models import Cluster, ClusterGroup

DAY = dt.date(2020, 2, 10)


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """The check-ins' after-commit work (the cluster scan) runs, as in production."""
    global _commits
    _commits = django_capture_on_commit_callbacks


@pytest.fixture
def influenza(world):
    """The school's rule: five similar cases in one class within a week."""
    from bastion.campaigns.services import campaign_create_from_preset

    return campaign_create_from_preset(preset="influenza", starts_on=dt.date(2020, 1, 1))


@pytest.fixture
def leader(world):
    """A member of the leading group, whom cluster warnings must reach."""
    person = Person.objects.create(
        number="T9001", name="高峰", kind=PersonKind.STAFF, unit=world.university
    )
    position_assign(
        person=person, role=Role.LEADING_GROUP, over=world.university, starts_on=dt.date(2020, 1, 1)
    )
    return person


def classmates(world, n: int) -> list[Person]:
    """李明 and n - 1 more students of his class, each in a room of building one."""
    people = [world.student]
    for i in range(1, n):
        people.append(
            Person.objects.create(
                number=f"20209{i:02d}",
                name=f"同学{i}",
                kind=PersonKind.STUDENT,
                unit=world.med_class,
                dormitory=f"一号楼4{i:02d}",
            )
        )
    return people


def feverish(person: Person, campaign, day: dt.date) -> None:
    with (
        time_machine.travel(at(day, dt.time(8, 0)), tick=False),
        _commits(execute=True),
    ):
        checkin_submit(
            actor=User.objects.filter(person=person).first() or _proxy(person),
            person=person,
            campaign=campaign,
            temperature="38.2",
            location="110108",
            on_campus=True,
        )


def _proxy(person: Person) -> User:
    """People made in a test have no login: their counselor checks them in."""
    return User.objects.get(person__number="T2001")


def test_five_feverish_classmates_within_a_week_warn_the_leading_group(world, influenza, leader):
    people = classmates(world, 5)
    for i, person in enumerate(people):
        feverish(person, influenza, DAY + dt.timedelta(days=i))
    cluster = Cluster.objects.get(group=ClusterGroup.CLASS)
    assert cluster.unit == world.med_class
    assert set(cluster.people.values_list("pk", flat=True)) == {p.pk for p in people}
    assert cluster.first_day == DAY
    report = cluster.urgent_report
    assert report.kind == UrgentReport.Kind.CLUSTER
    assert report.person is None and report.reported_by is None
    assert "5" in report.summary and world.med_class.name in report.summary
    assert world.student.name not in report.summary  # the robot's text names no one
    reached = set(UrgentRecipient.objects.filter(report=report).values_list("person", flat=True))
    assert {leader.pk, world.counselor.pk, world.college_leader.pk} <= reached


def test_four_are_not_a_cluster(world, influenza, leader):
    for i, person in enumerate(classmates(world, 4)):
        feverish(person, influenza, DAY + dt.timedelta(days=i))
    assert not Cluster.objects.exists()
    assert not UrgentReport.objects.exists()


def test_five_spread_over_more_than_a_week_are_not_a_cluster(world, influenza, leader):
    people = classmates(world, 5)
    for i, person in enumerate(people):
        feverish(person, influenza, DAY + dt.timedelta(days=2 * i))  # over nine days
    assert not Cluster.objects.exists()


def test_it_warns_once_and_adds_newcomers_to_the_open_warning(world, influenza, leader):
    people = classmates(world, 6)
    for person in people[:5]:
        feverish(person, influenza, DAY)
    feverish(people[5], influenza, DAY + dt.timedelta(days=1))
    with time_machine.travel(at(DAY + dt.timedelta(days=1), dt.time(9, 0)), tick=False):
        assert clusters_check(campaign=influenza) == []
    assert Cluster.objects.filter(group=ClusterGroup.CLASS).count() == 1
    assert Cluster.objects.get(group=ClusterGroup.CLASS).people.count() == 6
    assert (
        UrgentReport.objects.filter(kind=UrgentReport.Kind.CLUSTER).count() == 2
    )  # class, building


def test_a_dormitory_building_is_a_group_across_classes(world, influenza, leader):
    world.other_student.dormitory = "一号楼509"
    world.other_student.save()
    people = [*classmates(world, 4), world.other_student]
    for person in people:
        feverish(person, influenza, DAY)
    cluster = Cluster.objects.get(group=ClusterGroup.DORM_BUILDING)
    assert cluster.group_name == "一号楼"
    assert cluster.unit == world.university  # the unit the two classes share
    assert not Cluster.objects.filter(group=ClusterGroup.CLASS).exists()


def test_the_covid_campaign_warns_at_three(world, campaign, leader):
    for person in classmates(world, 3):
        feverish(person, campaign, DAY)
    assert Cluster.objects.filter(group=ClusterGroup.CLASS).count() == 1


def test_a_tracer_closes_a_warning_and_a_student_cannot_see_it(world, influenza, leader):
    for person in classmates(world, 5):
        feverish(person, influenza, DAY)
    cluster = Cluster.objects.get(group=ClusterGroup.CLASS)
    from bastion.tracing.clusters import ClusterRefused

    with pytest.raises(ClusterRefused) as refused:
        cluster_close(actor=User.objects.get(person=world.student), cluster=cluster)
    assert refused.value.status == 404
    cluster_close(actor=User.objects.get(person=world.counselor), cluster=cluster)
    cluster.refresh_from_db()
    assert not cluster.is_open


def test_the_warning_page_shows_the_people_and_their_close_contacts(
    world, influenza, leader, client_as
):
    people = classmates(world, 5)
    roommate = Person.objects.create(
        number="2020999",
        name="室友",
        kind=PersonKind.STUDENT,
        unit=world.cs_class,
        dormitory=people[1].dormitory,
    )
    for person in people:
        feverish(person, influenza, DAY)
    cluster = Cluster.objects.get(group=ClusterGroup.CLASS)
    page = client_as(world.org_officer).get(f"/tracing/clusters/{cluster.uid}/")
    assert page.status_code == 200
    assert [p.number for p in page.context["people"]] == sorted(p.number for p in people)
    proposals = page.context["proposals"]
    assert [c.person.number for c in proposals] == [roommate.number]
    assert proposals[0].of == [people[1].name]
    assert "同宿舍" in proposals[0].reasons[0]
    listing = client_as(world.counselor).get("/tracing/clusters/")
    assert cluster.uid in [c.uid for c in listing.context["clusters"]]  # and building one
    assert client_as(world.student).get(f"/tracing/clusters/{cluster.uid}/").status_code == 404
    assert client_as(world.student).get("/tracing/clusters/").status_code == 404
    assert client_as(world.counselor).get("/tracing/").status_code == 200
