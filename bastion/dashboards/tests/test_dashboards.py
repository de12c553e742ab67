"""Dashboards: figures from the daily counts, drill-down in reach, the export, a fixed cost."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from bastion.accounts.roles import Role
from bastion.alerts.models import Alert
from bastion.conftest import SINCE
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.reports.counts import unit_day_counts_refresh
from bastion.reports.models import UnitDayCount

DAY = dt.date(2020, 2, 10)
MORNING = at(DAY, dt.time(9, 0))
AFTER_DEADLINE = at(DAY, dt.time(11, 30))


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def leader(world):
    position_assign(
        person=world.office_officer,
        role=Role.LEADING_GROUP,
        over=world.university,
        starts_on=SINCE,
    )
    return world.office_officer


@pytest.fixture
def counted(world, campaign):
    """李明 checked in and feverish; everyone else of MED-C1 not; counts for two days."""
    Person.objects.filter(pk=world.student.pk).update(last_checkin_day=DAY, health_status="red")
    Alert.objects.create(
        campaign=campaign,
        person=world.student,
        kind="fever",
        severity="red",
        summary="体温37.8℃",
        day=DAY,
        raised_at=MORNING,
        escalate_at=MORNING - dt.timedelta(minutes=5),
    )
    unit_day_counts_refresh(campaign=campaign, day=DAY - dt.timedelta(days=1))
    unit_day_counts_refresh(campaign=campaign, day=DAY)
    return campaign


def test_the_leading_group_sees_the_whole_university(world, counted, client_as, leader):
    page = client_as(leader).get("/dashboard/")
    assert page.status_code == 200
    ctx = page.context
    people = Person.objects.count()
    assert ctx["unit"] == world.university
    assert (ctx["figures"].expected, ctx["figures"].checked_in) == (people, 1)
    assert ctx["figures"].abnormal == 1
    assert (ctx["alerts"].open, ctx["alerts"].overdue) == (1, 1)
    assert {c.unit.code for c in ctx["children"]} >= {"MED", "CS", "HOSP"}
    med = next(c for c in ctx["children"] if c.unit.code == "MED")
    assert med.figures.abnormal == 1
    assert ctx["trend"]["days"] == [(DAY - dt.timedelta(days=1)).isoformat(), DAY.isoformat()]
    assert ctx["page"].paginator.count == people - 1
    assert b"echarts.min.js" in page.content


def test_student_affairs_counts_students_and_the_university_office_staff(world, counted, client_as):
    """R4: each office's figures, trend and list are of its own kind of people only."""
    students = Person.objects.filter(kind=PersonKind.STUDENT).count()
    staff = Person.objects.filter(kind=PersonKind.STAFF).count()
    assert students and staff
    for officer, kind, expected, abnormal, label in (
        (world.student_affairs, PersonKind.STUDENT, students, 1, "仅统计学生"),
        (world.office_officer, PersonKind.STAFF, staff, 0, "仅统计教职工"),
    ):
        ctx = client_as(officer).get("/dashboard/").context
        assert ctx["unit"] == world.university
        assert (ctx["figures"].expected, ctx["figures"].abnormal) == (expected, abnormal)
        assert sum(c.figures.expected for c in ctx["children"]) <= expected
        assert ctx["page"].paginator.count == expected - ctx["figures"].checked_in
        assert {p.kind for p in ctx["page"].object_list} == {kind}
        assert ctx["kinds_label"] == label
    assert set(UnitDayCount.objects.filter(day=DAY).values_list("kind", flat=True)) == {
        PersonKind.STUDENT,
        PersonKind.STAFF,
    }


def test_a_missing_report_shows_on_the_dashboard_above_after_the_deadline(
    world, counted, client_as, leader
):
    assert client_as(leader).get("/dashboard/").context["problems"] == []
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        problems = client_as(leader).get("/dashboard/").context["problems"]
    assert world.med in [p.unit for p in problems]


def test_the_college_leader_starts_at_the_college_and_drills_down(world, counted, client_as):
    client = client_as(world.college_leader)
    page = client.get("/dashboard/")
    assert page.context["unit"] == world.med
    page = client.get("/dashboard/units/MED-C1/")
    assert page.status_code == 200
    assert page.context["figures"].expected == 2


def test_a_unit_out_of_reach_answers_404(world, counted, client_as):
    assert client_as(world.college_leader).get("/dashboard/units/CS/").status_code == 404
    assert client_as(world.college_leader).get("/dashboard/units/NOPE/").status_code == 404
    assert client_as(world.counselor).get("/dashboard/units/CS-C1/missing.xlsx").status_code == 404


def test_a_student_has_no_dashboard(world, counted, client_as):
    page = client_as(world.student).get("/dashboard/")
    assert page.status_code == 200 and page.context["unit"] is None
    assert client_as(world.student).get("/dashboard/units/MED-C1/").status_code == 404


def test_the_list_of_who_has_not_checked_in_stays_in_scope(world, counted, client_as):
    page = client_as(world.grid_worker).get("/dashboard/")
    numbers = {p.number for p in page.context["page"].object_list}
    assert numbers <= {world.grid_worker.number}


def test_the_export_lists_who_has_not_checked_in_with_abnormal_rows_highlighted(
    world, counted, client_as, leader
):
    Person.objects.filter(pk=world.other_student.pk).update(health_status="yellow")
    answer = client_as(leader).get("/dashboard/units/U/missing.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "示范大学" in rows[0][0] and "2020-02-10" in rows[0][0]
    assert rows[1][:2] == ("学号/工号", "姓名")
    numbers = [r[0] for r in rows[2:]]
    assert world.student.number not in numbers and world.other_student.number in numbers
    assert sheet.freeze_panes == "A3"
    index = numbers.index(world.other_student.number) + 3
    assert sheet.cell(row=index, column=1).fill.fgColor.rgb.endswith("FFF3CD")


def test_the_dashboard_costs_the_same_queries_for_more_people(
    world, counted, client_as, leader, django_assert_max_num_queries
):
    client = client_as(leader)
    client.get("/dashboard/")  # warm the session and the campaign
    with django_assert_max_num_queries(20) as small:
        client.get("/dashboard/")
    Person.objects.bulk_create(
        [
            Person(
                number=f"X{i:05d}", name=f"新生{i}", kind=PersonKind.STUDENT, unit=world.cs_class
            )
            for i in range(300)
        ]
    )
    unit_day_counts_refresh(campaign=counted, day=DAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get("/dashboard/")
    assert page.context["figures"].expected == Person.objects.count()
    assert UnitDayCount.objects.filter(day=DAY).count() < Person.objects.count()
