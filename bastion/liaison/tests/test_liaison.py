"""Community liaison and student care: contacts kept by those over a unit and inherited below
it; hand-overs of home isolations off campus; students' requests routed to their counselor,
taken up and done, idempotent by client_id. Out of reach is 404, no duty 403, nothing written."""

import datetime as dt

import pytest
from django.urls import reverse

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.checkins.models import CheckIn
from bastion.conftest import SINCE
from bastion.liaison.models import CareRequest, CommunityContact, Handover
from bastion.liaison.selectors import care_counts, care_queue, contacts_for_unit
from bastion.liaison.services import (
    LiaisonRefused,
    care_counselor,
    care_done,
    care_request,
    care_take,
    contact_add,
    contact_deactivate,
    contact_edit,
    handover_acknowledge,
    handover_record,
)
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.tracing.models import Isolation

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))


def user(person) -> User:
    return User.objects.get(person=person)


def refused(call, **kwargs) -> LiaisonRefused:
    with pytest.raises(LiaisonRefused) as caught:
        call(**kwargs)
    return caught.value


def street(world, unit=None, actor=None, **extra) -> CommunityContact:
    extra.setdefault("kind", "street")
    extra.setdefault("organization", "中山路街道办事处")
    extra.setdefault("name", "黄主任")
    extra.setdefault("phone", "027-85551234")
    return contact_add(actor=user(actor or world.college_leader), unit=unit or world.med, **extra)


@pytest.fixture
def leader(world) -> Person:
    """A member of the leading group, over the whole university."""
    p = Person.objects.create(
        number="T9001", name="高峰", kind=PersonKind.STAFF, unit=world.university
    )
    User.objects.create(username="T9001", person=p, must_change_password=False)
    position_assign(person=p, role=Role.LEADING_GROUP, over=world.university, starts_on=SINCE)
    return p


@pytest.fixture
def isolation(world, campaign) -> Isolation:
    return Isolation.objects.create(
        campaign=campaign,
        person=world.student,
        kind="home",
        state="active",
        reason="湖北返回",
        place="武汉市江岸区",
        proposed_at=NOW,
        starts_on=DAY,
        planned_end_on=DAY + dt.timedelta(days=14),
    )


# --- contacts ---------------------------------------------------------------------------------


def test_a_college_leader_adds_a_contact_to_their_college(world):
    contact = street(world, division="420102")
    assert (contact.unit, contact.phone, contact.division) == (world.med, "02785551234", "420102")


def test_a_class_sees_its_college_street_office_and_its_own_contacts(world):
    college = street(world)
    own = street(
        world, unit=world.med_class, actor=world.counselor, kind="hospital", phone="13912345678"
    )
    assert list(contacts_for_unit(world.med_class)) == [own, college]
    assert list(contacts_for_unit(world.cs_class)) == []


def test_a_counselor_may_not_add_a_contact_to_the_college_above_their_class(world):
    assert refused(street, world=world, actor=world.counselor).status == 403
    assert not CommunityContact.objects.exists()


def test_a_unit_out_of_reach_is_not_found(world):
    assert refused(street, world=world, unit=world.cs).status == 404
    assert not CommunityContact.objects.exists()


def test_a_grid_worker_has_no_liaison_duty(world):
    assert refused(street, world=world, unit=world.med_class, actor=world.grid_worker).status == 403


def test_the_leading_group_keeps_every_unit(world, leader):
    assert street(world, unit=world.cs, actor=leader).unit == world.cs


@pytest.mark.parametrize(
    "extra",
    [
        {"phone": "12345"},
        {"phone": ""},
        {"division": "999999"},
        {"kind": "police"},
        {"organization": " "},
        {"name": ""},
    ],
)
def test_bad_contact_input_is_refused_and_nothing_written(world, extra):
    assert refused(street, world=world, **extra).status == 400
    assert not CommunityContact.objects.exists()


def test_a_contact_is_edited_and_retired_by_its_keeper(world):
    contact = street(world)
    contact_edit(
        actor=user(world.college_leader),
        contact=contact,
        kind="residents",
        organization="幸福社区居委会",
        name="马书记",
        phone="13700000000",
    )
    contact.refresh_from_db()
    assert (contact.kind, contact.name) == ("residents", "马书记")
    contact_deactivate(actor=user(world.college_leader), contact=contact)
    assert list(contacts_for_unit(world.med_class)) == []
    assert (
        refused(contact_deactivate, actor=user(world.counselor), contact=street(world)).status
        == 403
    )


def test_the_unit_page_shows_inherited_contacts_to_a_counselor(world, client_as):
    street(world)
    page = client_as(world.counselor).get(reverse("liaison:unit", args=[world.med_class.code]))
    assert page.status_code == 200
    assert "中山路街道办事处" in page.content.decode()


def test_the_unit_page_out_of_reach_and_without_the_duty(world, client_as):
    url = reverse("liaison:unit", args=[world.cs_class.code])
    assert client_as(world.counselor).get(url).status_code == 404
    own = reverse("liaison:unit", args=[world.med_class.code])
    assert client_as(world.grid_worker).get(own).status_code == 403


def test_the_unit_page_adds_a_contact_and_shows_a_refusal(world, client_as):
    client = client_as(world.counselor)
    url = reverse("liaison:unit", args=[world.med_class.code])
    data = {"kind": "hospital", "organization": "江岸区人民医院", "name": "刘医生"}
    assert client.post(url, {**data, "phone": "abc"}).status_code == 400
    assert not CommunityContact.objects.exists()
    assert client.post(url, {**data, "phone": "13900001111"}).status_code == 302
    assert CommunityContact.objects.get().unit == world.med_class


def test_the_edit_and_retire_pages(world, client_as):
    contact = street(world)
    edit = reverse("liaison:contact_edit", args=[contact.uid])
    retire = reverse("liaison:contact_deactivate", args=[contact.uid])
    assert client_as(world.other_student).get(edit).status_code == 404
    assert client_as(world.counselor).get(edit).status_code == 403
    assert client_as(world.counselor).post(retire).status_code == 403
    assert client_as(world.college_leader).get(edit).status_code == 200
    assert client_as(world.college_leader).post(retire).status_code == 302
    contact.refresh_from_db()
    assert not contact.is_active


# --- hand-overs -------------------------------------------------------------------------------


def test_a_counselor_hands_over_a_home_isolation_and_records_the_acknowledgement(world, isolation):
    contact = street(world)
    handover = handover_record(
        actor=user(world.counselor), isolation=isolation, contact=contact, note="每日测温", now=NOW
    )
    assert (handover.handed_over_at, handover.acknowledged_at) == (NOW, None)
    later = NOW + dt.timedelta(hours=2)
    handover_acknowledge(actor=user(world.counselor), handover=handover, now=later)
    handover_acknowledge(
        actor=user(world.counselor), handover=handover, now=later + later.resolution
    )
    handover.refresh_from_db()
    assert handover.acknowledged_at == later


def test_a_hand_over_out_of_reach_or_without_the_duty_is_refused(world, isolation, campaign):
    contact = street(world)
    kwargs = {"isolation": isolation, "contact": contact, "now": NOW}
    cs_leader = Person.objects.create(number="T3002", name="林涛", kind="staff", unit=world.cs)
    User.objects.create(username="T3002", person=cs_leader)
    position_assign(person=cs_leader, role=Role.COLLEGE_LEADER, over=world.cs, starts_on=SINCE)
    assert refused(handover_record, actor=user(cs_leader), **kwargs).status == 404
    assert refused(handover_record, actor=user(world.grid_worker), **kwargs).status == 403
    assert refused(handover_record, actor=user(world.student), **kwargs).status == 403
    assert not Handover.objects.exists()


def test_only_an_active_home_isolation_off_campus_is_handed_over(world, isolation):
    contact = street(world)
    kwargs = {"actor": user(world.counselor), "isolation": isolation, "contact": contact}
    isolation.kind = "central"
    assert refused(handover_record, **kwargs).status == 400
    isolation.kind, isolation.state = "home", "released"
    assert refused(handover_record, **kwargs).status == 400
    isolation.state = "active"
    CheckIn.objects.create(
        campaign=isolation.campaign,
        person=world.student,
        day=DAY,
        submitted_at=NOW,
        temperature="36.5",
        on_campus=True,
    )
    assert refused(handover_record, **kwargs).status == 400
    assert not Handover.objects.exists()


def test_a_contact_of_another_college_or_retired_is_refused(world, isolation, leader):
    other = street(world, unit=world.cs, actor=leader)
    kwargs = {"actor": user(world.counselor), "isolation": isolation}
    assert refused(handover_record, contact=other, **kwargs).status == 400
    retired = street(world)
    contact_deactivate(actor=user(world.college_leader), contact=retired)
    assert refused(handover_record, contact=retired, **kwargs).status == 400
    assert not Handover.objects.exists()


def test_the_isolation_page_records_and_acknowledges(world, isolation, client_as):
    contact = street(world)
    url = reverse("liaison:isolation", args=[isolation.uid])
    client = client_as(world.counselor)
    assert client.get(url).status_code == 200
    assert client.post(url, {"contact": str(contact.uid), "note": "已电话告知"}).status_code == 302
    handover = Handover.objects.get()
    ack = reverse("liaison:handover_acknowledge", args=[handover.uid])
    assert client.post(ack).status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_at is not None
    assert client_as(world.counselor).get(reverse("liaison:home")).status_code == 200


def test_the_isolation_page_out_of_reach_and_without_the_duty(world, isolation, client_as):
    url = reverse("liaison:isolation", args=[isolation.uid])
    assert client_as(world.other_student).get(url).status_code == 404
    assert client_as(world.grid_worker).get(url).status_code == 403
    assert client_as(world.student).get(url).status_code == 403
    assert client_as(world.grid_worker).get(reverse("liaison:home")).status_code == 403


# --- student care -----------------------------------------------------------------------------


def ask(world, person=None, actor=None, **extra) -> CareRequest:
    person = person or world.student
    extra.setdefault("kind", "medicine")
    extra.setdefault("detail", "常用药周五用完")
    return care_request(actor=user(actor or person), person=person, now=NOW, **extra)


def test_a_request_goes_to_the_counselor_of_the_class(world):
    assert care_counselor(world.student) == world.counselor
    request = ask(world)
    assert (request.state, request.requested_at) == ("open", NOW)
    assert list(Notification.objects.values_list("recipient__number", flat=True)) == [
        world.counselor.number
    ]


def test_without_a_counselor_the_first_of_the_chain_is_told(world):
    assert care_counselor(world.other_student) is None  # nobody answers for the CS class
    cs_leader = Person.objects.create(number="T3002", name="林涛", kind="staff", unit=world.cs)
    position_assign(person=cs_leader, role=Role.COLLEGE_LEADER, over=world.cs, starts_on=SINCE)
    assert care_counselor(world.other_student) == cs_leader


def test_the_same_client_id_twice_is_one_request(world):
    first = ask(world, client_id="abc-1")
    again = ask(world, client_id="abc-1", detail="又发了一次")
    assert again.pk == first.pk
    assert CareRequest.objects.count() == 1
    assert Notification.objects.count() == 1


def test_a_counselor_asks_for_a_student_but_not_out_of_reach(world):
    assert ask(world, actor=world.counselor).person == world.student
    assert (
        refused(ask, world=world, person=world.other_student, actor=world.counselor).status == 404
    )
    assert refused(ask, world=world, actor=world.grid_worker).status == 403
    assert refused(ask, world=world, person=world.staff, actor=world.staff).status == 400
    assert CareRequest.objects.count() == 1


@pytest.mark.parametrize("extra", [{"kind": "money"}, {"detail": "  "}])
def test_bad_request_input_is_refused_and_nothing_written(world, extra):
    assert refused(ask, world=world, **extra).status == 400
    assert not CareRequest.objects.exists()


def test_the_counselor_takes_and_closes_and_the_student_is_told(world):
    request = ask(world)
    care_take(actor=user(world.counselor), request=request)
    assert (request.state, request.handler) == ("in_hand", world.counselor)
    care_done(actor=user(world.counselor), request=request, outcome="已送药到宿舍", now=NOW)
    request.refresh_from_db()
    assert (request.state, request.done_at, request.outcome) == ("done", NOW, "已送药到宿舍")
    assert Notification.objects.filter(recipient=world.student).count() == 1
    assert (
        refused(care_done, actor=user(world.counselor), request=request, outcome="x").status == 400
    )


def test_taking_and_closing_out_of_reach_or_without_the_duty_is_refused(world):
    request = ask(world)
    cs_leader = Person.objects.create(number="T3002", name="林涛", kind="staff", unit=world.cs)
    User.objects.create(username="T3002", person=cs_leader)
    position_assign(person=cs_leader, role=Role.COLLEGE_LEADER, over=world.cs, starts_on=SINCE)
    assert refused(care_take, actor=user(cs_leader), request=request).status == 404
    assert refused(care_take, actor=user(world.grid_worker), request=request).status == 403
    assert refused(care_take, actor=user(world.student), request=request).status == 403
    assert (
        refused(care_done, actor=user(world.counselor), request=request, outcome=" ").status == 400
    )
    request.refresh_from_db()
    assert (request.state, request.handler) == ("open", None)


def test_student_affairs_and_the_college_see_the_queue_with_counts(world):
    ask(world)
    ask(world, kind="meals")
    for who in (world.counselor, world.college_leader, world.student_affairs):
        assert care_queue(user(who)).count() == 2
        assert care_counts(user(who)) == {"medicine": {"open": 1}, "meals": {"open": 1}}
    assert care_queue(user(world.grid_worker)).count() == 0


def test_the_my_requests_page_sends_once_per_client_id(world, client_as):
    client = client_as(world.student)
    url = reverse("liaison:my_care")
    assert client.get(url).status_code == 200
    data = {"kind": "study", "detail": "需要教材", "client_id": "x1"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert CareRequest.objects.get().kind == "study"
    assert client.post(url, {"kind": "study", "detail": ""}).status_code == 400
    assert client_as(world.counselor).get(url).status_code == 404


def test_the_queue_page_takes_and_closes(world, client_as):
    request = ask(world)
    client = client_as(world.counselor)
    page = client.get(reverse("liaison:care_queue"))
    assert page.status_code == 200 and world.student.name in page.content.decode()
    assert client.post(reverse("liaison:care_take", args=[request.uid])).status_code == 302
    done = reverse("liaison:care_done", args=[request.uid])
    assert client.post(done, {"outcome": "已送达"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "done"


def test_the_queue_pages_out_of_reach_and_without_the_duty(world, client_as):
    request = ask(world)
    take = reverse("liaison:care_take", args=[request.uid])
    assert client_as(world.other_student).post(take).status_code == 404
    assert client_as(world.grid_worker).post(take).status_code == 403
    assert client_as(world.student).post(take).status_code == 403
    assert client_as(world.grid_worker).get(reverse("liaison:care_queue")).status_code == 403
    request.refresh_from_db()
    assert request.state == "open"


def test_the_queue_page_asks_for_a_student_in_reach_only(world, client_as):
    client = client_as(world.counselor)
    url = reverse("liaison:care_queue")
    data = {"kind": "device", "detail": "需要借用电脑", "client_id": "q1"}
    assert client.post(url, {**data, "number": world.other_student.number}).status_code == 400
    assert not CareRequest.objects.exists()
    assert client.post(url, {**data, "number": world.student.number}).status_code == 302
    assert CareRequest.objects.get().person == world.student
