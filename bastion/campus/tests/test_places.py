"""Key places and visitors: a place admits the people of its unit (an apartment, its
residents) and those on its list, refuses an outsider, a visitor at a lab or an apartment,
anyone isolated or red, and anyone once it is full; every pass is logged and the count never
goes below zero. Visitors are registered with a staff host in reach and a short window."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth
from ninja.testing import TestClient

from bastion.accounts.models import User
from bastion.campus import places as pl
from bastion.campus.api_places import router
from bastion.campus.models import AccessLog, KeyPlace, Visitor
from bastion.lib.days import at
from bastion.lib.refusals import Refused
from bastion.notify.models import Notification
from bastion.org.models import HealthStatus
from bastion.tracing.isolation import isolation_start

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def refused(call, *args, **kwargs) -> pl.PlaceRefused:
    with pytest.raises(pl.PlaceRefused) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def lab(world) -> KeyPlace:
    """The pathogen lab's room, kept by its lab head 冯涛."""
    return pl.key_place_add(
        actor=user(world.lab_head), unit=world.med_lab, name="P2实验室", kind="lab", capacity=2
    )


@pytest.fixture
def apartment(world) -> KeyPlace:
    """Building 一号楼, where 李明 (一号楼301) and 刘洋 (一号楼302) live."""
    return pl.key_place_add(
        actor=user(world.college_leader),
        unit=world.med,
        name="一号楼学生公寓",
        kind="apartment",
        capacity=500,
        dormitory="一号楼",
    )


@pytest.fixture
def office(world) -> KeyPlace:
    return pl.key_place_add(
        actor=user(world.college_leader),
        unit=world.med,
        name="医学院办公室",
        kind="office",
        capacity=10,
    )


@pytest.fixture
def cs_office(world, gate_keeper) -> KeyPlace:
    """A place no one of 医学院 keeps (set up by the leading group)."""
    from bastion.accounts.roles import Role
    from bastion.org.services import position_assign

    position_assign(
        person=world.org_officer, role=Role.LEADING_GROUP, over=world.university, starts_on=DAY
    )
    return pl.key_place_add(
        actor=user(world.org_officer),
        unit=world.cs,
        name="计算机学院办公室",
        kind="office",
        capacity=5,
    )


def enter(place, keeper, *, person=None, visitor=None, now=NOW, **extra) -> AccessLog:
    return pl.place_pass(
        actor=user(keeper),
        place=place,
        direction="in",
        person=person,
        visitor=visitor,
        now=now,
        **extra,
    )


def leave(place, keeper, *, person=None, visitor=None, now=NOW) -> AccessLog:
    return pl.place_pass(
        actor=user(keeper), place=place, direction="out", person=person, visitor=visitor, now=now
    )


def register(world, actor=None, **extra) -> Visitor:
    values = {
        "host_number": world.staff.number,
        "name": "张伟",
        "phone": "13712345678",
        "id_number": "11010519491231002X",
        "organization": "华中仪器公司",
        "purpose": "维修离心机",
        "valid_from": NOW,
        "valid_until": NOW + 4 * HOUR,
        "now": NOW,
    } | extra
    return pl.visitor_register(actor=user(actor or world.lab_head), **values)


# --- setting places up ---------------------------------------------------------------------


def test_a_keeper_sets_up_a_place_of_a_unit_in_reach(world, lab, apartment):
    assert (lab.unit, lab.kind, lab.capacity, lab.occupancy) == (world.med_lab, "lab", 2, 0)
    assert apartment.dormitory == "一号楼"
    assert lab.is_active and lab.uid


def test_a_place_of_a_unit_out_of_reach_or_by_the_wrong_role_is_refused_as_missing(world):
    cases = [
        (world.lab_head, world.med),  # above the lab head's unit
        (world.college_leader, world.cs),  # another college
        (world.counselor, world.med_class),  # no right to keep places
        (world.student, world.med_class),
    ]
    for who, unit in cases:
        error = refused(
            pl.key_place_add, actor=user(who), unit=unit, name="某室", kind="office", capacity=3
        )
        assert error.status == 404
    assert not KeyPlace.objects.exists()


def test_bad_place_input_is_refused_with_a_reason(world, lab):
    actor = user(world.college_leader)
    bad = [
        {"name": "", "kind": "office", "capacity": 3},
        {"name": "会议室", "kind": "cellar", "capacity": 3},
        {"name": "会议室", "kind": "office", "capacity": 0},
        {"name": "会议室", "kind": "office", "capacity": "十"},
        {"name": "公寓", "kind": "apartment", "capacity": 30},  # no building
    ]
    for values in bad:
        assert refused(pl.key_place_add, actor=actor, unit=world.med, **values).status == 400
    again = refused(
        pl.key_place_add, actor=actor, unit=world.med_lab, name="P2实验室", kind="lab", capacity=1
    )
    assert "P2实验室" in again.message
    assert KeyPlace.objects.count() == 1


def test_editing_keeps_the_count_and_may_close_the_place(world, lab, gate_keeper):
    KeyPlace.objects.filter(pk=lab.pk).update(occupancy=1)
    pl.key_place_edit(actor=user(world.lab_head), place=lab, capacity=5, is_active=False)
    lab.refresh_from_db()
    assert (lab.capacity, lab.occupancy, lab.is_active) == (5, 1, False)
    error = refused(pl.key_place_edit, actor=user(world.lab_head), place=lab, unit=world.cs)
    assert error.status == 404
    assert refused(pl.key_place_edit, actor=user(gate_keeper), place=lab, capacity=9).status == 404


def test_the_list_names_people_in_reach_all_or_none(world, lab, office):
    assert pl.key_place_allow(actor=user(world.college_leader), place=lab, numbers="2020001") == 1
    assert pl.key_place_allow(actor=user(world.college_leader), place=lab, numbers=["2020001"]) == 0
    # 王芳 is of 计算机学院: out of the lab head's reach, and nobody is added with her.
    error = refused(
        pl.key_place_allow, actor=user(world.lab_head), place=lab, numbers="T1001, 2020101"
    )
    assert error.status == 400 and "2020101" in error.message
    assert list(lab.allowed.values_list("number", flat=True)) == ["2020001"]
    assert pl.key_place_disallow(actor=user(world.lab_head), place=lab, numbers=["2020001"]) == 1
    assert not lab.allowed.exists()
    assert (
        refused(
            pl.key_place_allow, actor=user(world.counselor), place=office, numbers="2020001"
        ).status
        == 404
    )


# --- who may enter ------------------------------------------------------------------------------


def test_the_people_of_the_unit_and_its_lab_members_enter_a_lab(world, lab):
    assert pl.may_enter(place=lab, person=world.staff, now=NOW)[0]
    assert pl.may_enter(place=lab, person=world.lab_head, now=NOW)[0]
    world.other_student.lab = world.med_lab
    world.other_student.save()
    ok, reason = pl.may_enter(place=lab, person=world.other_student, now=NOW)
    assert ok and "王芳" in reason


def test_an_outsider_is_refused_at_a_lab_unless_on_its_list(world, lab):
    ok, reason = pl.may_enter(place=lab, person=world.student, now=NOW)
    assert not ok and "李明" in reason and "P2实验室" in reason
    pl.key_place_allow(actor=user(world.college_leader), place=lab, numbers="2020001")
    assert pl.may_enter(place=lab, person=world.student, now=NOW)[0]


def test_an_apartment_admits_the_students_of_its_building_only(world, apartment):
    assert pl.may_enter(place=apartment, person=world.student, now=NOW)[0]  # 一号楼301
    assert pl.may_enter(place=apartment, person=world.grid_worker, now=NOW)[0]  # 一号楼302
    for outsider in (world.other_student, world.counselor, world.college_leader):
        ok, reason = pl.may_enter(place=apartment, person=outsider, now=NOW)
        assert not ok and outsider.name in reason and "一号楼" in reason
    world.other_student.dormitory = "二号楼101"
    world.other_student.save()
    assert not pl.may_enter(place=apartment, person=world.other_student, now=NOW)[0]


def test_a_visitor_never_enters_a_lab_or_an_apartment(world, lab, apartment, office):
    visitor = register(world)
    for place in (lab, apartment):
        ok, reason = pl.may_enter(place=place, visitor=visitor, now=NOW + HOUR)
        assert not ok and place.name in reason
    ok, reason = pl.may_enter(place=office, visitor=visitor, now=NOW + HOUR)
    assert ok and "赵强" in reason


def test_a_visitor_enters_only_within_the_window_and_not_once_revoked(world, office):
    visitor = register(world, valid_from=NOW + HOUR, valid_until=NOW + 3 * HOUR)
    assert not pl.may_enter(place=office, visitor=visitor, now=NOW)[0]
    assert pl.may_enter(place=office, visitor=visitor, now=NOW + 2 * HOUR)[0]
    assert not pl.may_enter(place=office, visitor=visitor, now=NOW + 3 * HOUR)[0]
    pl.visitor_revoke(actor=user(world.lab_head), visitor=visitor, now=NOW + HOUR)
    ok, reason = pl.may_enter(place=office, visitor=visitor, now=NOW + 2 * HOUR)
    assert not ok and "张伟" in reason


def test_a_closed_place_admits_nobody(world, lab):
    pl.key_place_edit(actor=user(world.lab_head), place=lab, is_active=False)
    assert not pl.may_enter(place=lab, person=world.staff, now=NOW)[0]


# --- entries and exits -------------------------------------------------------------------------


def test_an_entry_is_logged_and_counted(world, lab, gate_keeper):
    log = enter(lab, gate_keeper, person=world.staff)
    assert log.admitted and "赵强" in log.reason
    assert (log.place, log.person, log.direction, log.checked_by) == (
        lab,
        world.staff,
        "in",
        user(gate_keeper),
    )
    assert pl.occupancy_now(lab) == 1 and lab.occupancy == 1


def test_an_outsider_is_refused_logged_and_not_counted(world, lab, apartment, gate_keeper):
    log = enter(lab, gate_keeper, person=world.other_student)
    apartment_log = enter(apartment, gate_keeper, person=world.other_student)
    assert not log.admitted and not apartment_log.admitted
    assert "王芳" in log.reason
    assert AccessLog.objects.filter(admitted=False).count() == 2
    assert pl.occupancy_now(lab) == 0 and pl.occupancy_now(apartment) == 0


def test_a_visitor_is_refused_at_a_lab_and_logged(world, lab, office, gate_keeper):
    visitor = register(world)
    assert not enter(lab, gate_keeper, visitor=visitor).admitted
    assert enter(office, gate_keeper, visitor=visitor).admitted
    assert list(visitor.access_logs.order_by("pk").values_list("admitted", flat=True)) == [
        False,
        True,
    ]


def test_a_full_place_refuses_until_someone_leaves(world, lab, gate_keeper):
    pl.key_place_allow(actor=user(world.college_leader), place=lab, numbers="2020001")
    assert enter(lab, gate_keeper, person=world.staff).admitted
    assert enter(lab, gate_keeper, person=world.lab_head).admitted
    full = enter(lab, gate_keeper, person=world.student)
    assert not full.admitted and "2" in full.reason and "P2实验室" in full.reason
    assert pl.occupancy_now(lab) == 2
    assert leave(lab, gate_keeper, person=world.staff).admitted
    assert pl.occupancy_now(lab) == 1
    assert enter(lab, gate_keeper, person=world.student).admitted
    assert pl.occupancy_now(lab) == 2


@pytest.mark.django_db(transaction=True)
def test_entries_at_the_same_moment_never_pass_the_capacity(world, gate_keeper):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    room = pl.key_place_add(
        actor=user(world.lab_head), unit=world.med_lab, name="负压间", kind="lab", capacity=1
    )
    pl.key_place_allow(actor=user(world.college_leader), place=room, numbers="2020001")
    barrier = threading.Barrier(3)
    admitted, errors = [], []

    def one(person) -> None:
        try:
            barrier.wait()
            admitted.append(enter(room, gate_keeper, person=person).admitted)
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=one, args=(p,))
        for p in (world.staff, world.lab_head, world.student)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(admitted) == [False, False, True]
    assert pl.occupancy_now(room) == 1
    assert AccessLog.objects.filter(place=room).count() == 3


def test_someone_inside_entering_again_is_not_counted_twice(world, lab, gate_keeper):
    enter(lab, gate_keeper, person=world.staff)
    again = enter(lab, gate_keeper, person=world.staff, now=NOW + HOUR)
    assert again.admitted
    assert pl.occupancy_now(lab) == 1


def test_an_isolated_person_is_refused_even_on_the_list(world, campaign, lab, gate_keeper):
    pl.key_place_allow(actor=user(world.college_leader), place=lab, numbers="2020001")
    isolation_start(actor=user(world.counselor), person=world.student, reason="密切接触者")
    assert pl.person_refusal(person=world.student, now=NOW)
    log = enter(lab, gate_keeper, person=world.student)
    assert not log.admitted and "李明" in log.reason
    assert pl.occupancy_now(lab) == 0


def test_a_person_whose_health_is_red_is_refused(world, lab, gate_keeper):
    world.staff.health_status = HealthStatus.RED
    world.staff.health_reason = "发热38.2℃"
    world.staff.save()
    log = enter(lab, gate_keeper, person=world.staff)
    assert not log.admitted and "发热38.2℃" in log.reason
    assert pl.person_refusal(person=world.lab_head, now=NOW) is None


def test_the_count_never_goes_below_zero(world, lab, gate_keeper):
    never_in = leave(lab, gate_keeper, person=world.staff)
    assert never_in.admitted and never_in.direction == "out"
    assert pl.occupancy_now(lab) == 0
    enter(lab, gate_keeper, person=world.staff)
    pl.key_place_recount(actor=user(world.lab_head), place=lab, occupancy=0)
    leave(lab, gate_keeper, person=world.staff, now=NOW + HOUR)
    assert pl.occupancy_now(lab) == 0
    assert AccessLog.objects.filter(place=lab).count() == 3


def test_an_exit_of_someone_never_counted_leaves_the_others_counted(world, lab, gate_keeper):
    enter(lab, gate_keeper, person=world.staff)
    leave(lab, gate_keeper, person=world.lab_head)
    assert pl.occupancy_now(lab) == 1


def test_a_pass_is_admitted_once(world, lab, gate_keeper):
    assert enter(lab, gate_keeper, person=world.staff, nonce="n-1").admitted
    leave(lab, gate_keeper, person=world.staff)
    replay = enter(lab, gate_keeper, person=world.staff, nonce="n-1")
    assert not replay.admitted
    assert pl.occupancy_now(lab) == 0


def test_who_may_log_at_a_place(world, lab, cs_office, gate_keeper):
    assert enter(cs_office, gate_keeper, person=world.other_student).admitted  # any place
    assert enter(lab, world.college_leader, person=world.staff).admitted  # keeps the college
    for who, place in [
        (world.lab_head, cs_office),  # out of the lab head's reach
        (world.counselor, lab),  # wrong role
        (world.student, lab),
    ]:
        error = refused(enter, place, who, person=world.staff)
        assert error.status == 404
    assert AccessLog.objects.count() == 2


def test_an_unknown_code_is_refused_and_logged(world, lab, gate_keeper):
    log = pl.place_pass_by_code(
        actor=user(gate_keeper), place=lab, direction="in", code="X999", now=NOW
    )
    assert not log.admitted and "X999" in log.reason
    assert log.person is None and log.visitor is None
    by_number = pl.place_pass_by_code(
        actor=user(gate_keeper), place=lab, direction="in", code=" T1001 ", now=NOW
    )
    assert by_number.admitted and by_number.person == world.staff


# --- visitors --------------------------------------------------------------------------------


def test_a_visitor_is_registered_with_a_short_code_and_the_host_is_told(world):
    visitor = register(world)
    code = pl.visitor_code(visitor)
    assert code.startswith("V") and len(code) == 9
    for typed in (code, code.lower(), code[1:]):
        assert pl.visitor_by_code(typed) == visitor
    assert pl.visitor_by_code("not a code") is None
    told = Notification.objects.get(recipient=world.staff)
    assert "张伟" in told.subject and code in told.body


def test_a_gate_keeper_registers_a_visitor_for_any_staff_host(world, gate_keeper):
    visitor = register(world, actor=gate_keeper, host_number=world.office_officer.number)
    assert visitor.host == world.office_officer


def test_the_host_is_a_staff_member_in_reach(world, gate_keeper):
    out_of_reach = refused(register, world, host_number=world.office_officer.number)
    assert out_of_reach.status == 400 and world.office_officer.number in out_of_reach.message
    student = refused(register, world, actor=gate_keeper, host_number=world.student.number)
    assert student.status == 400 and "李明" in student.message
    assert refused(register, world, actor=world.counselor).status == 404
    assert not Visitor.objects.exists()


@pytest.mark.parametrize(
    "values",
    [
        {"phone": "1234"},
        {"id_number": "110105194912310021"},
        {"name": ""},
        {"purpose": ""},
        {"valid_from": NOW - HOUR, "valid_until": NOW + HOUR},
        {"valid_from": NOW + HOUR, "valid_until": NOW},
        {"valid_until": NOW + dt.timedelta(days=8)},
        {"valid_from": NOW + dt.timedelta(days=40), "valid_until": NOW + dt.timedelta(days=41)},
        {"valid_from": "明天"},
    ],
    ids=[
        "phone",
        "id-number",
        "name",
        "purpose",
        "past",
        "backwards",
        "too-long",
        "too-far",
        "bad-time",
    ],
)
def test_bad_visitor_input_is_refused(world, values):
    assert refused(register, world, **values).status == 400
    assert not Visitor.objects.exists()


def test_a_landline_and_a_visit_without_id_number_are_accepted(world):
    visitor = register(world, phone="027-87654321", id_number="", valid_from="2020-02-10T10:00")
    assert visitor.phone == "02787654321" and visitor.id_number == ""
    assert visitor.valid_from == at(DAY, dt.time(10, 0))


def test_who_sees_which_visitors(world, gate_keeper):
    mine = register(world)
    other = register(world, actor=gate_keeper, host_number=world.office_officer.number)
    assert set(pl.visitors_visible(actor=user(gate_keeper))) == {mine, other}
    assert list(pl.visitors_visible(actor=user(world.lab_head))) == [mine]
    assert list(pl.visitors_visible(actor=user(world.staff))) == [mine]  # the host
    assert list(pl.visitors_visible(actor=user(world.office_officer))) == [other]
    assert not pl.visitors_visible(actor=user(world.counselor)).exists()
    assert refused(pl.visitor_for, user(world.lab_head), other.uid).status == 404


def test_revoking_a_visit(world, gate_keeper):
    visitor = register(world, actor=gate_keeper, host_number=world.office_officer.number)
    assert (
        refused(pl.visitor_revoke, actor=user(world.lab_head), visitor=visitor, now=NOW).status
        == 404
    )
    pl.visitor_revoke(actor=user(world.office_officer), visitor=visitor, now=NOW)  # the host
    assert Visitor.objects.get(pk=visitor.pk).revoked_at == NOW
    again = refused(pl.visitor_revoke, actor=user(gate_keeper), visitor=visitor, now=NOW)
    assert again.status == 409


# --- pages -------------------------------------------------------------------------------------


def test_the_list_shows_each_place_in_reach_with_its_count(
    world, lab, office, cs_office, gate_keeper, client_as
):
    enter(lab, gate_keeper, person=world.staff)
    page = client_as(world.lab_head).get("/campus/places/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "P2实验室" in text and "1 / 2" in text and "<progress" in text
    assert "计算机学院办公室" not in text and "医学院办公室" not in text
    everything = client_as(gate_keeper).get("/campus/places/").content.decode()
    assert all(name in everything for name in ("P2实验室", "医学院办公室", "计算机学院办公室"))


def test_the_list_is_missing_for_the_wrong_role(world, client_as):
    for who in (world.counselor, world.student, world.staff):
        assert client_as(who).get("/campus/places/").status_code == 404


def test_a_place_page_in_reach_out_of_reach_and_for_the_wrong_role(
    world, lab, cs_office, gate_keeper, client_as
):
    enter(lab, gate_keeper, person=world.other_student)
    page = client_as(world.lab_head).get(f"/campus/places/{lab.uid}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="access-log"' in text and "王芳" in text and 'id="allowed"' in text
    assert client_as(gate_keeper).get(f"/campus/places/{lab.uid}/").status_code == 200
    assert client_as(world.lab_head).get(f"/campus/places/{cs_office.uid}/").status_code == 404
    assert client_as(world.counselor).get(f"/campus/places/{lab.uid}/").status_code == 404


def test_a_keeper_adds_and_edits_a_place_through_the_forms(world, client_as):
    client = client_as(world.college_leader)
    assert client.get("/campus/places/new/").status_code == 200
    answer = client.post(
        "/campus/places/new/",
        {
            "unit": "MED",
            "name": "二号楼学生公寓",
            "kind": "apartment",
            "capacity": "300",
            "dormitory": "二号楼",
        },
    )
    place = KeyPlace.objects.get(name="二号楼学生公寓")
    assert answer.status_code == 302 and answer["Location"] == f"/campus/places/{place.uid}/"
    edited = client.post(
        f"/campus/places/{place.uid}/edit/",
        {
            "unit": "MED",
            "name": "二号楼公寓",
            "kind": "apartment",
            "capacity": "320",
            "dormitory": "二号楼",
            "is_active": "1",
        },
    )
    assert edited.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.capacity, place.is_active) == ("二号楼公寓", 320, True)


def test_the_place_forms_refuse_out_of_reach_and_wrong_roles(world, lab, gate_keeper, client_as):
    out = client_as(world.lab_head).post(
        "/campus/places/new/", {"unit": "CS", "name": "机房", "kind": "lab", "capacity": "5"}
    )
    assert out.status_code == 400 and "CS" in out.content.decode()
    assert client_as(world.counselor).get("/campus/places/new/").status_code == 404
    assert client_as(gate_keeper).get(f"/campus/places/{lab.uid}/edit/").status_code == 404
    assert client_as(world.college_leader).get(f"/campus/places/{lab.uid}/edit/").status_code == 200
    assert KeyPlace.objects.count() == 1


def test_the_keeper_logs_an_entry_by_number_from_the_place_page(world, lab, gate_keeper, client_as):
    client = client_as(gate_keeper)
    answer = client.post(
        f"/campus/places/{lab.uid}/pass/", {"code": "T1001", "direction": "in"}, follow=True
    )
    assert answer.status_code == 200 and "赵强" in answer.content.decode()
    refused_page = client.post(
        f"/campus/places/{lab.uid}/pass/", {"code": "2020101", "direction": "in"}, follow=True
    )
    assert "王芳" in refused_page.content.decode()
    assert list(AccessLog.objects.order_by("pk").values_list("admitted", flat=True)) == [
        True,
        False,
    ]
    assert pl.occupancy_now(lab) == 1
    wrong = client_as(world.counselor).post(
        f"/campus/places/{lab.uid}/pass/", {"code": "T1001", "direction": "in"}
    )
    assert wrong.status_code == 404
    bad = client.post(f"/campus/places/{lab.uid}/pass/", {"code": "T1001", "direction": "up"})
    assert bad.status_code == 400
    assert AccessLog.objects.count() == 2


def test_the_keeper_changes_the_list_and_the_count_from_the_place_page(
    world, lab, gate_keeper, client_as
):
    client = client_as(world.college_leader)
    client.post(f"/campus/places/{lab.uid}/allow/", {"numbers": "2020001，2020002"})
    assert set(lab.allowed.values_list("number", flat=True)) == {"2020001", "2020002"}
    client.post(f"/campus/places/{lab.uid}/disallow/", {"number": ["2020002"]})
    assert list(lab.allowed.values_list("number", flat=True)) == ["2020001"]
    client.post(f"/campus/places/{lab.uid}/recount/", {"occupancy": "1"})
    assert pl.occupancy_now(lab) == 1
    bad = client.post(f"/campus/places/{lab.uid}/recount/", {"occupancy": "-3"})
    assert bad.status_code == 400
    assert (
        client_as(gate_keeper)
        .post(f"/campus/places/{lab.uid}/allow/", {"numbers": "2020002"})
        .status_code
        == 404
    )
    assert client.post(f"/campus/places/{lab.uid}/explode/").status_code == 404


def test_the_visitors_pages(world, gate_keeper, client_as):
    later = register(world, valid_from=NOW + 2 * HOUR, valid_until=NOW + 5 * HOUR, name="刘强")
    now = register(world)
    page = client_as(world.lab_head).get("/campus/places/visitors/")
    assert page.status_code == 200
    text = page.content.decode()
    assert pl.visitor_code(now) in text and pl.visitor_code(later) in text
    assert text.index("visitors-current") < text.index("张伟") < text.index("visitors-upcoming")
    assert client_as(world.counselor).get("/campus/places/visitors/").status_code == 404
    detail = client_as(world.staff).get(f"/campus/places/visitors/{now.uid}/")  # the host
    assert detail.status_code == 200 and pl.visitor_code(now) in detail.content.decode()
    assert "137****5678" in detail.content.decode()
    for who in (world.counselor, world.office_officer):
        assert client_as(who).get(f"/campus/places/visitors/{now.uid}/").status_code == 404


def test_a_visitor_is_registered_and_revoked_through_the_forms(world, gate_keeper, client_as):
    client = client_as(gate_keeper)
    assert client.get("/campus/places/visitors/new/").status_code == 200
    form = {
        "host": "T1001",
        "name": "张伟",
        "phone": "13712345678",
        "id_number": "",
        "organization": "",
        "purpose": "送检样本",
        "valid_from": "2020-02-10T09:00",
        "valid_until": "2020-02-10T12:00",
    }
    answer = client.post("/campus/places/visitors/new/", form)
    visitor = Visitor.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"{visitor.uid}/")
    bad = client.post("/campus/places/visitors/new/", form | {"valid_until": "2020-02-20T12:00"})
    assert bad.status_code == 400 and Visitor.objects.count() == 1
    assert client_as(world.counselor).get("/campus/places/visitors/new/").status_code == 404
    revoked = client.post(f"/campus/places/visitors/{visitor.uid}/revoke/")
    assert revoked.status_code == 302
    assert Visitor.objects.get().revoked_at is not None
    assert client.post(f"/campus/places/visitors/{visitor.uid}/revoke/").status_code == 409


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_client() -> TestClient:
    """The router on an API of its own, as bastion/api.py mounts it."""
    api = NinjaAPI(urls_namespace="campus-places-test", auth=django_auth)

    @api.exception_handler(Refused)
    def _refused(request: HttpRequest, exc: Refused):
        return api.create_response(request, {"detail": exc.message}, status=exc.status)

    api.add_router("/", router)
    return TestClient(api)


def test_the_api_lists_places_and_logs_a_pass(world, lab, cs_office, gate_keeper, api_client):
    places = api_client.get("/key-places", user=user(world.lab_head)).json()
    assert [p["name"] for p in places] == ["P2实验室"]
    assert places[0]["visitors_allowed"] is False
    answer = api_client.post(
        f"/key-places/{lab.uid}/passes",
        json={"direction": "in", "code": "T1001"},
        user=user(gate_keeper),
    )
    assert answer.status_code == 201
    assert answer.json()["admitted"] and answer.json()["occupancy"] == 1
    out_of_reach = api_client.post(
        f"/key-places/{cs_office.uid}/passes",
        json={"direction": "in", "code": "T1001"},
        user=user(world.lab_head),
    )
    assert out_of_reach.status_code == 404
    assert api_client.get(f"/key-places/{lab.uid}", user=user(world.counselor)).status_code == 404


def test_the_api_registers_lists_and_revokes_visitors(world, gate_keeper, api_client):
    body = {
        "host": "T1001",
        "name": "张伟",
        "phone": "13712345678",
        "purpose": "维修离心机",
        "valid_from": "2020-02-10T09:30:00+08:00",
        "valid_until": "2020-02-10T12:00:00+08:00",
    }
    made = api_client.post("/visitors", json=body, user=user(world.lab_head))
    assert made.status_code == 201 and made.json()["state"] == "upcoming"
    assert api_client.post("/visitors", json=body, user=user(world.counselor)).status_code == 404
    bad = api_client.post("/visitors", json=body | {"phone": "110"}, user=user(world.lab_head))
    assert bad.status_code == 400 and "110" in bad.json()["detail"]
    listed = api_client.get("/visitors", user=user(gate_keeper)).json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == made.json()["code"]
    assert api_client.get("/visitors", user=user(world.counselor)).json()["count"] == 0
    uid = made.json()["uid"]
    assert api_client.post(f"/visitors/{uid}/revoke", user=user(world.counselor)).status_code == 404
    revoked = api_client.post(f"/visitors/{uid}/revoke", user=user(world.lab_head))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
