"""The contacts API: a case's contacts in reach, a decision, a contact added by a tracer."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.tracing.cases import case_record
from bastion.tracing.models import Contact, Isolation

DAY = dt.date(2020, 2, 10)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(at(DAY, dt.time(9, 0)), tick=False):
        yield


@pytest.fixture
def case(world, campaign):
    """李明 suspected: his floor-mate, the grid worker 刘洋, is proposed."""
    return case_record(actor=User.objects.get(person=world.college_leader), person=world.student)


def test_a_tracer_lists_the_contacts_and_confirms_one(world, case, bearer):
    client = bearer(world.counselor)
    listed = client.get(f"/api/v1/cases/{case.uid}/contacts").json()
    mine = {c["person"]: c for c in listed}
    assert mine[world.grid_worker.number]["setting"] == "dorm_floor"
    assert mine[world.grid_worker.number]["state"] == "proposed"
    uid = mine[world.grid_worker.number]["uid"]
    answer = client.post(
        f"/api/v1/contacts/{uid}/decision",
        {"confirm": True, "note": "同层公共卫生间"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["state"] == "confirmed"
    assert Isolation.objects.filter(person=world.grid_worker, state="active").exists()
    again = client.post(
        f"/api/v1/contacts/{uid}/decision", {"confirm": False}, content_type="application/json"
    )
    assert again.status_code == 400  # decided already


def test_out_of_reach_is_not_found_and_a_student_lists_nothing(world, case, bearer):
    contact = Contact.objects.filter(case=case).first()
    outsider = bearer(world.other_student)
    assert outsider.get(f"/api/v1/cases/{case.uid}/contacts").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/contacts/{contact.uid}/decision",
            {"confirm": True},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_a_tracer_adds_a_contact_and_not_the_case_themself(world, case, bearer):
    client = bearer(world.college_leader)
    answer = client.post(
        f"/api/v1/cases/{case.uid}/contacts",
        {
            "person": world.staff.number,
            "setting": "other",
            "closeness": "close",
            "exposure_on": "2020-02-09",
            "note": "一起吃饭",
        },
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["state"] == "confirmed" and answer.json()["proposed"] is False
    themself = client.post(
        f"/api/v1/cases/{case.uid}/contacts",
        {
            "person": world.student.number,
            "setting": "other",
            "closeness": "close",
            "exposure_on": "2020-02-09",
        },
        content_type="application/json",
    )
    assert themself.status_code == 400
    assert "自己" in themself.json()["detail"]


def test_a_contact_of_a_contact_hides_a_source_out_of_reach(world, case, bearer):
    """赵强's lab is outside the counselor's class: his number is not hers to read."""
    neighbour = Person.objects.create(
        number="2020009", name="孙悦", kind=PersonKind.STUDENT, unit=world.med_class
    )
    Contact.objects.create(
        case=case,
        person=neighbour,
        source=world.staff,
        degree=2,
        exposure_on=DAY,
        setting="other",
        closeness="general",
        created_at=at(DAY, dt.time(8, 0)),
    )
    path = f"/api/v1/cases/{case.uid}/contacts"
    counselor = {c["person"]: c for c in bearer(world.counselor).get(path).json()}
    assert counselor[neighbour.number]["source"] is None
    assert counselor[world.grid_worker.number]["source"] == world.student.number
    leader = {c["person"]: c for c in bearer(world.college_leader).get(path).json()}
    assert leader[neighbour.number]["source"] == world.staff.number


def test_adding_a_contact_needs_a_number_not_the_tracer_themself(world, case, bearer):
    answer = bearer(world.college_leader).post(
        f"/api/v1/cases/{case.uid}/contacts",
        {"person": "", "setting": "other", "closeness": "close", "exposure_on": "2020-02-09"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert not Contact.objects.filter(case=case, person=world.college_leader).exists()
