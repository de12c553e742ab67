"""Contacts: Bastion's proposals from rooms, floors, classes, labs and trains; a tracer's
decisions; contacts of contacts; the chain of transmission; the ledger and its xlsx."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind, UnitKind
from bastion.org.services import unit_add
from bastion.tracing.contacts import (
    OUT_OF_REACH,
    ContactRefused,
    contact_add,
    contact_decide,
    contact_graph,
    contacts_of_contact_propose,
    contacts_propose,
)
from bastion.tracing.models import Case, Contact, Isolation, Trip

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def person(number: str, name: str, unit, **extra) -> Person:
    return Person.objects.create(
        number=number, name=name, kind=extra.pop("kind", PersonKind.STUDENT), unit=unit, **extra
    )


def ride(who, number: str, day: dt.date, transport: str = "train") -> None:
    Trip.objects.create(
        person=who,
        origin="420106",
        destination="110108",
        departs_on=day,
        arrives_on=day,
        transport=transport,
        number=number,
        source="self",
        registered_at=NOW,
    )


def case_of(who, campaign, *, discovered=NOW) -> Case:
    return Case.objects.create(
        campaign=campaign,
        person=who,
        discovered_at=discovered,
        reported_at=discovered,
        status_changed_at=discovered,
    )


@pytest.fixture
def people(world):
    """李明's roommate and a classmate; a fellow passenger on G1234 on 8 February; one who rode
    G1234 with him on 1 February (outside the window of 4 days), one the day after him."""
    w = world
    w.roommate = person("2020003", "张伟", w.med_class, dormitory="一号楼301")
    w.classmate = person("2020004", "黄磊", w.med_class)
    w.floor_30 = person("2020005", "何平", w.cs_class, dormitory="一号楼3001")  # floor 30
    w.passenger = person("2020102", "林涛", w.cs_class)
    w.early = person("2020103", "郭静", w.cs_class)
    w.next_day = person("2020104", "罗兰", w.cs_class)
    ride(w.student, "G1234", dt.date(2020, 2, 8))
    ride(w.passenger, "G1234", dt.date(2020, 2, 8))
    ride(w.student, "G1234", dt.date(2020, 2, 1))
    ride(w.early, "G1234", dt.date(2020, 2, 1))
    ride(w.next_day, "G1234", dt.date(2020, 2, 9))
    w.student.lab = w.med_lab
    w.student.save(update_fields=["lab"])
    return w


@pytest.fixture
def case(people, campaign) -> Case:
    return case_of(people.student, campaign)


def proposed(case) -> dict[str, tuple[str, str, str]]:
    return {
        c.person.name: (c.setting, c.closeness, c.reason)
        for c in Contact.objects.filter(case=case).select_related("person")
    }


# --- proposals -----------------------------------------------------------------------------


def test_it_proposes_contacts_from_room_floor_class_lab_and_train(people, case):
    w = people
    written = contacts_propose(case=case)
    assert len(written) == 6
    assert proposed(case) == {
        "张伟": ("dorm_room", "close", "同宿舍 一号楼301"),
        "刘洋": ("dorm_floor", "general", "同楼层 一号楼3层"),
        "黄磊": ("class", "general", "同班 临床2020级1班"),
        "赵强": ("lab", "close", "同实验室 病原生物学实验室"),
        "冯涛": ("lab", "close", "同实验室 病原生物学实验室"),
        "林涛": ("train", "close", "同车次 G1234 2月8日"),
    }
    contacts = {c.person_id: c for c in written}
    assert contacts[w.passenger.pk].exposure_on == dt.date(2020, 2, 8)
    assert contacts[w.roommate.pk].exposure_on == DAY
    assert all(c.source_id == w.student.pk and c.degree == 1 for c in written)


def test_the_exposure_ends_on_the_day_the_case_was_isolated(people, campaign):
    case = case_of(people.student, campaign)
    case.isolated_at = at(DAY - dt.timedelta(days=3), dt.time(18, 0))
    case.save(update_fields=["isolated_at"])
    written = {c.person_id: c for c in contacts_propose(case=case)}
    assert written[people.roommate.pk].exposure_on == dt.date(2020, 2, 7)
    assert people.passenger.pk not in written  # the train of 8 February came after


def test_a_second_proposal_writes_nothing_new(people, case):
    contacts_propose(case=case)
    assert contacts_propose(case=case) == []
    assert Contact.objects.filter(case=case).count() == 6


def test_it_never_proposes_the_case_person_themself(people, case):
    contacts_propose(case=case)
    assert not Contact.objects.filter(case=case, person=people.student).exists()


def test_it_proposes_in_a_few_queries(people, case):
    with CaptureQueriesContext(connection) as queries:
        contacts_propose(case=case)
    assert len(queries) <= 10


# --- decisions -----------------------------------------------------------------------------


def contact_of(case, who) -> Contact:
    return Contact.objects.get(case=case, person=who)


def test_confirming_a_close_contact_puts_them_under_central_isolation(people, case):
    contacts_propose(case=case)
    contact = contact_decide(
        actor=user(people.counselor), contact=contact_of(case, people.roommate), confirm=True
    )
    assert contact.state == "confirmed" and contact.decided_by == user(people.counselor)
    isolation = Isolation.objects.get(person=people.roommate)
    assert (isolation.state, isolation.kind, isolation.contact) == ("active", "central", contact)


def test_the_isolation_reason_does_not_name_the_case(people, case):
    """The contact's carer and counselor read the reason, and may not reach the case."""
    contacts_propose(case=case)
    contact_decide(
        actor=user(people.counselor), contact=contact_of(case, people.roommate), confirm=True
    )
    reason = Isolation.objects.get(person=people.roommate).reason
    assert people.student.name not in reason and "同宿舍" in reason


def test_dismissing_keeps_the_note_and_isolates_nobody(people, case):
    contacts_propose(case=case)
    contact = contact_decide(
        actor=user(people.counselor),
        contact=contact_of(case, people.classmate),
        confirm=False,
        note="不同上课时段",
    )
    assert (contact.state, contact.note) == ("dismissed", "不同上课时段")
    assert not Isolation.objects.filter(person=people.classmate).exists()


def test_a_contact_cannot_be_decided_twice(people, case):
    contacts_propose(case=case)
    contact = contact_of(case, people.classmate)
    contact_decide(actor=user(people.counselor), contact=contact, confirm=False)
    with pytest.raises(ContactRefused) as refused:
        contact_decide(actor=user(people.counselor), contact=contact, confirm=True)
    assert refused.value.status == 400
    assert contact_of(case, people.classmate).state == "dismissed"


def test_a_contact_out_of_reach_is_not_found(people, case):
    contacts_propose(case=case)
    staff = contact_of(case, people.staff)  # the lab is outside the counselor's class
    with pytest.raises(ContactRefused) as refused:
        contact_decide(actor=user(people.counselor), contact=staff, confirm=True)
    assert refused.value.status == 404
    assert contact_of(case, people.staff).state == "proposed"


def test_a_student_may_not_decide(people, case):
    contacts_propose(case=case)
    with pytest.raises(ContactRefused) as refused:
        contact_decide(
            actor=user(people.grid_worker), contact=contact_of(case, people.roommate), confirm=True
        )
    assert refused.value.status == 404


def test_it_refuses_a_contact_with_themself(people, case):
    with pytest.raises(ContactRefused) as refused:
        contact_add(
            actor=user(people.counselor),
            case=case,
            person=people.student,
            setting="other",
            closeness="close",
            exposure_on=DAY,
        )
    assert refused.value.status == 400
    assert not Contact.objects.exists()


def test_it_refuses_an_exposure_in_the_future_and_a_duplicate(people, case):
    args = {
        "actor": user(people.counselor),
        "case": case,
        "person": people.classmate,
        "setting": "other",
        "closeness": "close",
    }
    with pytest.raises(ContactRefused):
        contact_add(**args, exposure_on=DAY + dt.timedelta(days=1))
    assert not Contact.objects.exists()
    added = contact_add(**args, exposure_on="2020-02-09", note="一起吃饭")
    assert (added.state, added.proposed, added.degree) == ("confirmed", False, 1)
    with pytest.raises(ContactRefused):
        contact_add(**args, exposure_on=DAY)
    assert Contact.objects.count() == 1


def test_it_proposes_contacts_of_a_confirmed_contact(people, case):
    w = people
    group = unit_add(parent=w.cs, code="CS-RG", name="智能计算课题组", kind=UnitKind.RESEARCH_GROUP)
    w.grid_worker.lab = group
    w.grid_worker.save(update_fields=["lab"])
    member = person("2020201", "宋佳", group, kind=PersonKind.STAFF)
    contacts_propose(case=case)
    link = contact_of(case, w.grid_worker)
    with pytest.raises(ContactRefused):  # not confirmed yet
        contacts_of_contact_propose(actor=user(w.counselor), contact=link)
    link = contact_decide(actor=user(w.counselor), contact=link, confirm=True)
    second = contacts_of_contact_propose(actor=user(w.counselor), contact=link)
    assert [(c.person, c.source, c.degree, c.setting) for c in second] == [
        (member, w.grid_worker, 2, "lab")
    ]
    assert second[0].reason == "同课题组 智能计算课题组"


# --- the chain of transmission ---------------------------------------------------------------


def test_the_graph_follows_the_chain_of_transmission(people, case, campaign):
    w = people
    contacts_propose(case=case)
    contact_decide(actor=user(w.counselor), contact=contact_of(case, w.roommate), confirm=True)
    contact_decide(actor=user(w.counselor), contact=contact_of(case, w.classmate), confirm=False)
    later = case_of(w.roommate, campaign, discovered=NOW + dt.timedelta(hours=1))
    Contact.objects.create(
        case=later,
        person=w.other_student,
        source=w.roommate,
        exposure_on=DAY,
        setting="other",
        closeness="close",
        created_at=NOW,
    )
    with CaptureQueriesContext(connection) as queries:
        graph = contact_graph(case=case, scope=scope_of(user(w.counselor)))
    assert len(queries) <= 8
    names = {n["id"]: n["name"] for n in graph["nodes"]}
    assert names[str(w.student.pk)] == "李明"
    assert names[str(w.roommate.pk)] == "张伟"
    assert names[str(w.staff.pk)] == OUT_OF_REACH  # the lab is out of the counselor's reach
    assert str(w.classmate.pk) not in names  # dismissed
    assert names[str(w.other_student.pk)] == OUT_OF_REACH
    categories = [c["name"] for c in graph["categories"]]
    by_id = {n["id"]: categories[n["category"]] for n in graph["nodes"]}
    assert by_id[str(w.roommate.pk)] == by_id[str(w.student.pk)]  # both cases, suspected
    links = {(link["source"], link["target"]) for link in graph["links"]}
    assert (str(w.student.pk), str(w.roommate.pk)) in links
    assert (str(w.roommate.pk), str(w.other_student.pk)) in links


# --- pages -----------------------------------------------------------------------------------


def test_the_graph_page_opens_in_reach_only(people, case, client_as):
    contacts_propose(case=case)
    url = f"/tracing/cases/{case.uid}/graph/"
    page = client_as(people.counselor).get(url)
    assert page.status_code == 200
    assert b"echarts.min.js" in page.content and b'id="graph-data"' in page.content
    assert client_as(people.lab_head).get(url).status_code == 404
    assert client_as(people.student).get(url).status_code == 404


def test_the_ledger_lists_the_contacts_in_reach(people, case, client_as):
    contacts_propose(case=case)
    page = client_as(people.counselor).get("/tracing/contacts/")
    assert page.status_code == 200
    listed = {row["contact"].person.name for row in page.context["rows"]}
    assert listed == {"张伟", "刘洋", "黄磊"}
    page = client_as(people.college_leader).get("/tracing/contacts/?closeness=close&state=proposed")
    listed = {row["contact"].person.name for row in page.context["rows"]}
    assert listed == {"张伟", "赵强", "冯涛"}


def test_the_ledger_is_not_found_for_a_student_or_a_unit_out_of_reach(people, case, client_as):
    assert client_as(people.student).get("/tracing/contacts/").status_code == 404
    assert client_as(people.counselor).get("/tracing/contacts/?unit=CS").status_code == 404


def test_a_tracer_decides_from_the_ledger(people, case, client_as):
    contacts_propose(case=case)
    roommate = contact_of(case, people.roommate)
    answer = client_as(people.counselor).post(
        f"/tracing/contacts/{roommate.uid}/decide/", {"decision": "confirm", "note": ""}
    )
    assert answer.status_code == 302
    assert contact_of(case, people.roommate).state == "confirmed"
    staff = contact_of(case, people.staff)
    answer = client_as(people.counselor).post(
        f"/tracing/contacts/{staff.uid}/decide/", {"decision": "dismiss"}
    )
    assert answer.status_code == 404
    answer = client_as(people.student).post(
        f"/tracing/contacts/{roommate.uid}/decide/", {"decision": "dismiss"}
    )
    assert answer.status_code == 404
    assert contact_of(case, people.roommate).state == "confirmed"


def test_a_tracer_proposes_contacts_of_contacts_from_the_ledger(people, case, client_as):
    contacts_propose(case=case)
    link = contact_decide(
        actor=user(people.counselor), contact=contact_of(case, people.grid_worker), confirm=True
    )
    answer = client_as(people.counselor).post(f"/tracing/contacts/{link.uid}/propose/")
    assert answer.status_code == 302
    assert (
        client_as(people.lab_head).post(f"/tracing/contacts/{link.uid}/propose/").status_code == 404
    )


def test_the_xlsx_opens_and_lists_the_contacts(people, case, client_as):
    contacts_propose(case=case)
    answer = client_as(people.org_officer).get("/tracing/contacts.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).worksheets[0]
    assert "吴敏" in sheet["A1"].value
    assert sheet.freeze_panes == "A3"
    numbers = {row[0].value for row in sheet.iter_rows(min_row=3)}
    assert numbers == {"2020003", "2020002", "2020004", "T1001", "T7001", "2020102"}
    assert client_as(people.student).get("/tracing/contacts.xlsx").status_code == 404


def test_the_case_page_fragment_shows_the_contacts_and_the_graph_link(people, case, rf):
    from django.template.loader import render_to_string

    contacts_propose(case=case)
    request = rf.get("/tracing/cases/")
    request.user = user(people.counselor)
    html = render_to_string(
        "tracing/case_contacts.html",
        {"case": case, "contacts": list(Contact.objects.filter(case=case))},
        request=request,
    )
    assert f"/tracing/cases/{case.uid}/graph/" in html
    assert "张伟" in html and 'value="confirm"' in html
