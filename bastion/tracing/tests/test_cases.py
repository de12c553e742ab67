"""Cases and the four earlies: a suspected case files its urgent report, moves only forward,
and the hours from discovery to report, isolation and treatment are measured per unit."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import scope_of
from bastion.conftest import SINCE
from bastion.lib.days import at
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.reports.models import UrgentRecipient, UrgentReport
from bastion.tracing.cases import (
    CaseRefused,
    case_move,
    case_record,
    case_times_set,
    case_urgent_reports,
    four_earlies,
)
from bastion.tracing.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Isolation,
    IsolationEvent,
    IsolationState,
)

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))
URL = "/tracing/cases/"
API = "/api/v1/cases"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader(world, campaign) -> Person:
    """王校长 of the leading group."""
    head = Person.objects.create(
        number="T9001", name="王校长", kind=PersonKind.STAFF, unit=world.university
    )
    User.objects.create(username="T9001", person=head, must_change_password=False)
    position_assign(person=head, role=Role.LEADING_GROUP, over=world.university, starts_on=SINCE)
    return head


def user(person: Person) -> User:
    return User.objects.get(person=person)


def record(world, person=None, actor=None, **extra) -> Case:
    args = {
        "actor": user(actor or world.counselor),
        "person": person or world.student,
        "discovered_at": NOW - dt.timedelta(hours=3),
        "onset_on": DAY - dt.timedelta(days=1),
        "note": "发热 38.6 °C，咳嗽",
        "now": NOW,
    }
    args.update(extra)
    return case_record(**args)


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), UrgentReport.objects.count()


# --- recording -----------------------------------------------------------------------------


def test_a_suspected_case_files_one_urgent_report_reaching_the_chain_and_the_leading_group(
    world, campaign, leader
):
    case = record(world)
    assert case.status == CaseStatus.SUSPECTED and case.reported_at == NOW
    assert case.discovered_at == NOW - dt.timedelta(hours=3)
    report = case.urgent_report
    assert UrgentReport.objects.count() == 1
    assert report.kind == UrgentReport.Kind.SUSPECTED_CASE and report.unit == world.med_class
    assert report.person == world.student and "李明" in report.summary
    got = set(
        UrgentRecipient.objects.filter(report=report).values_list("person__number", flat=True)
    )
    assert got == {world.secretary.number, world.college_leader.number, leader.number}
    assert list(case.events.values_list("status", flat=True)) == [CaseStatus.SUSPECTED]


def test_a_suspected_case_proposes_its_contacts_and_the_persons_isolation(world, campaign):
    case = record(world)
    assert case.contacts.filter(person=world.grid_worker).exists()  # same class and floor
    isolation = Isolation.objects.get(person=world.student)
    assert isolation.state == IsolationState.PROPOSED and isolation.case == case


def test_a_person_already_isolated_is_isolated_from_the_start_of_their_isolation(world, campaign):
    started = NOW - dt.timedelta(days=3)
    isolation = Isolation.objects.create(
        campaign=campaign,
        person=world.student,
        state=IsolationState.ACTIVE,
        reason="密切接触者",
        proposed_at=started,
        starts_on=DAY - dt.timedelta(days=3),
    )
    IsolationEvent.objects.create(
        isolation=isolation, action=IsolationEvent.Action.STARTED, at=started
    )
    assert record(world).isolated_at == started


def test_discovery_defaults_to_now(world, campaign):
    case = record(world, discovered_at=None)
    assert case.discovered_at == NOW == case.reported_at


def test_a_retry_with_the_same_client_id_answers_the_same_case_and_writes_nothing(world, campaign):
    first = record(world, client_id="c-1")
    before = counts()
    again = record(world, client_id="c-1")
    assert again.pk == first.pk and counts() == before == (1, 1, 1)


def test_a_second_open_case_for_the_same_person_is_refused(world, campaign):
    record(world)
    before = counts()
    with pytest.raises(CaseRefused) as refused:
        record(world, actor=world.college_leader)
    assert refused.value.status == 400 and "李明" in refused.value.message
    assert counts() == before


def test_an_excluded_case_lets_a_new_one_be_recorded(world, campaign):
    case = record(world)
    case_move(actor=user(world.counselor), case=case, status=CaseStatus.EXCLUDED, now=NOW)
    assert record(world).pk != case.pk


def test_a_discovery_in_the_future_is_refused(world, campaign):
    with pytest.raises(CaseRefused) as refused:
        record(world, discovered_at=NOW + dt.timedelta(hours=1))
    assert refused.value.status == 400 and counts() == (0, 0, 0)


def test_a_person_out_of_reach_is_not_found(world, campaign):
    with pytest.raises(CaseRefused) as refused:
        record(world, person=world.other_student)  # the counselor of MED-C1 reaches no CS
    assert refused.value.status == 404 and counts() == (0, 0, 0)


def test_a_role_that_does_not_trace_is_refused_with_a_reason(world, campaign):
    for actor, person in (
        (world.grid_worker, world.student),  # reaches 李明 through the grid, does not trace
        (world.student, world.student),  # themself
        (world.lab_head, world.staff),
    ):
        with pytest.raises(CaseRefused) as refused:
            record(world, actor=actor, person=person)
        assert refused.value.status == 403 and refused.value.message, actor
    with pytest.raises(CaseRefused) as refused:
        record(world, actor=world.student, person=world.grid_worker)
    assert refused.value.status == 404
    assert counts() == (0, 0, 0)


def test_a_case_lists_its_own_urgent_reports_not_a_later_cases(world, campaign):
    first = record(world)
    case_move(actor=user(world.counselor), case=first, status=CaseStatus.EXCLUDED, now=NOW)
    second = record(world, now=NOW + dt.timedelta(days=3), discovered_at=NOW + dt.timedelta(days=3))
    assert list(case_urgent_reports(case=first)) == [first.urgent_report]
    assert list(case_urgent_reports(case=second)) == [second.urgent_report]


# --- moving --------------------------------------------------------------------------------


def test_confirming_files_a_confirmed_case_urgent_report(world, campaign, leader):
    case = record(world)
    later = NOW + dt.timedelta(hours=5)
    moved = case_move(
        actor=user(world.college_leader),
        case=case,
        status=CaseStatus.CONFIRMED,
        hospital="市第一医院",
        now=later,
    )
    assert moved.status == CaseStatus.CONFIRMED and moved.status_changed_at == later
    assert moved.hospital == "市第一医院"
    kinds = list(
        UrgentReport.objects.filter(person=world.student)
        .order_by("reported_at")
        .values_list("kind", flat=True)
    )
    assert kinds == [UrgentReport.Kind.SUSPECTED_CASE, UrgentReport.Kind.CONFIRMED_CASE]
    confirmed = UrgentReport.objects.get(kind=UrgentReport.Kind.CONFIRMED_CASE)
    assert confirmed.recipients.filter(person=leader).exists()
    assert list(case.events.values_list("status", flat=True)) == ["suspected", "confirmed"]


def test_a_backwards_or_sideways_move_is_refused_and_nothing_is_written(world, campaign):
    case = record(world)
    case_move(actor=user(world.counselor), case=case, status=CaseStatus.CONFIRMED, now=NOW)
    before = counts()
    for status in (CaseStatus.SUSPECTED, CaseStatus.EXCLUDED, CaseStatus.CONFIRMED, "nope"):
        with pytest.raises(CaseRefused) as refused:
            case_move(actor=user(world.counselor), case=case, status=status, now=NOW)
        assert refused.value.status == 400, status
    assert "确诊" in refused.value.message or "nope" in refused.value.message
    assert counts() == before
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED


def test_a_backwards_move_names_both_states(world, campaign):
    case = record(world)
    case_move(actor=user(world.counselor), case=case, status=CaseStatus.EXCLUDED, now=NOW)
    with pytest.raises(CaseRefused) as refused:
        case_move(actor=user(world.counselor), case=case, status=CaseStatus.SUSPECTED, now=NOW)
    message = refused.value.message
    assert str(CaseStatus.EXCLUDED.label) in message and str(CaseStatus.SUSPECTED.label) in message


def test_a_move_by_a_role_that_does_not_trace_is_refused(world, campaign):
    case = record(world)
    with pytest.raises(CaseRefused) as refused:
        case_move(actor=user(world.grid_worker), case=case, status=CaseStatus.CONFIRMED)
    assert refused.value.status == 403
    with pytest.raises(CaseRefused) as refused:
        case_move(actor=user(world.other_student), case=case, status=CaseStatus.CONFIRMED)
    assert refused.value.status == 404


def test_the_times_of_isolation_and_treatment_are_recorded(world, campaign):
    case = record(world)
    case = case_times_set(
        actor=user(world.counselor),
        case=case,
        isolated_at=NOW - dt.timedelta(days=2),  # a contact already isolated: allowed
        treated_at=NOW - dt.timedelta(hours=1),
        hospital="校医院",
        now=NOW,
    )
    assert case.isolated_at == NOW - dt.timedelta(days=2)
    assert case.treated_at == NOW - dt.timedelta(hours=1) and case.hospital == "校医院"
    with pytest.raises(CaseRefused):
        case_times_set(
            actor=user(world.counselor), case=case, treated_at=NOW - dt.timedelta(days=1)
        )
    with pytest.raises(CaseRefused):
        case_times_set(
            actor=user(world.counselor), case=case, isolated_at=NOW + dt.timedelta(hours=1)
        )


# --- the four earlies ----------------------------------------------------------------------


def _case(person, *, discovered, reported, isolated=None, treated=None, campaign) -> Case:
    return Case.objects.create(
        campaign=campaign,
        person=person,
        discovered_at=discovered,
        reported_at=reported,
        isolated_at=isolated,
        treated_at=treated,
        status_changed_at=reported,
    )


def test_the_four_earlies_are_measured_per_unit_and_in_total(world, campaign):
    t0 = NOW - dt.timedelta(days=2)
    h = dt.timedelta(hours=1)
    _case(world.student, discovered=t0, reported=t0 + 2 * h, isolated=t0 + 4 * h,
          treated=t0 + 10 * h, campaign=campaign)  # fmt: skip
    _case(world.staff, discovered=t0, reported=t0 + 4 * h, isolated=t0 - 24 * h,
          campaign=campaign)  # fmt: skip
    _case(world.other_student, discovered=t0, reported=t0 + 9 * h, campaign=campaign)

    rows = {
        r.name: r for r in four_earlies(scope=scope_of(user(world.org_officer)), campaign=campaign)
    }
    med, cs, total = rows["医学院"], rows["计算机学院"], rows[next(iter(reversed(rows)))]
    assert total.unit is None and total.cases == 3
    assert (med.cases, med.report.median, med.report.max) == (2, 3.0, 4.0)
    # Isolated a day before discovery counts as no delay at all.
    assert (med.isolate.median, med.isolate.max) == (2.0, 4.0)
    assert (med.treat.median, med.treat.max) == (10.0, 10.0)
    assert (cs.cases, cs.report.median, cs.isolate.median, cs.treat.max) == (1, 9.0, None, None)
    assert (total.report.median, total.report.max) == (4.0, 9.0)
    assert "党委组织部" not in rows  # a unit without cases has no row

    mine = four_earlies(scope=scope_of(user(world.counselor)), campaign=campaign)
    assert [(r.name, r.cases) for r in mine] == [("临床2020级1班", 1), (mine[-1].name, 1)]
    assert mine[0].report.median == 2.0


def test_the_four_earlies_under_a_unit_have_a_row_per_child(world, campaign):
    t0 = NOW - dt.timedelta(days=2)
    _case(world.student, discovered=t0, reported=t0 + dt.timedelta(hours=1), campaign=campaign)
    _case(world.staff, discovered=t0, reported=t0 + dt.timedelta(hours=3), campaign=campaign)
    rows = four_earlies(
        scope=scope_of(user(world.college_leader)), campaign=campaign, unit=world.med
    )
    assert [(r.name, r.cases, r.report.max) for r in rows[:-1]] == [
        ("临床医学系", 1, 1.0),
        ("病原生物学实验室", 1, 3.0),
    ]
    assert rows[-1].cases == 2


def test_the_four_earlies_query_count_does_not_grow_with_cases(
    world, campaign, django_assert_max_num_queries
):
    t0 = NOW - dt.timedelta(days=2)
    for p in (world.student, world.staff, world.other_student, world.grid_worker):
        _case(p, discovered=t0, reported=t0 + dt.timedelta(hours=1), campaign=campaign)
    scope = scope_of(user(world.org_officer))
    with django_assert_max_num_queries(2):
        four_earlies(scope=scope, campaign=campaign)


# --- pages ---------------------------------------------------------------------------------


def test_the_ledger_lists_the_cases_in_reach(world, campaign, leader, client_as):
    record(world)
    record(world, person=world.other_student, actor=leader)
    page = client_as(world.counselor).get(URL)
    assert page.status_code == 200
    assert [r.case.person.number for r in page.context["rows"]] == [world.student.number]
    assert "四早" in page.content.decode() or page.context["earlies"]
    everyone = client_as(world.org_officer).get(URL)
    assert {r.case.person.number for r in everyone.context["rows"]} == {
        world.student.number,
        world.other_student.number,
    }
    assert client_as(world.org_officer).get(URL + "?unit=CS").context["count"] == 1
    assert client_as(world.org_officer).get(URL + "?status=confirmed").context["count"] == 0


def test_the_ledger_is_not_found_for_a_student_or_a_unit_out_of_reach(world, campaign, client_as):
    assert client_as(world.student).get(URL).status_code == 404
    assert client_as(world.counselor).get(URL + "?unit=CS").status_code == 404


def test_the_grid_worker_reads_the_ledger_without_the_new_case_button(world, campaign, client_as):
    record(world)
    page = client_as(world.grid_worker).get(URL)
    assert page.status_code == 200 and not page.context["may_trace"]
    assert client_as(world.grid_worker).get(URL + "new/").status_code == 404


def test_a_case_is_recorded_from_the_page(world, campaign, leader, client_as):
    client = client_as(world.counselor)
    assert client.get(URL + "new/").status_code == 200
    answer = client.post(
        URL + "new/",
        {
            "person": world.student.number,
            "onset_on": "2020-02-09",
            "discovered_at": "2020-02-10T08:00",
            "note": "发热",
            "client_id": "p-1",
        },
    )
    case = Case.objects.get()
    assert answer.status_code == 302 and answer.url == f"{URL}{case.uid}/"
    assert case.discovered_at == at(DAY, dt.time(8, 0)) and case.urgent_report is not None
    refused = client.post(URL + "new/", {"person": world.other_student.number})
    assert refused.status_code == 400 and Case.objects.count() == 1


def test_the_detail_shows_the_case_and_its_next_states(world, campaign, client_as):
    case = record(world)
    page = client_as(world.counselor).get(f"{URL}{case.uid}/")
    assert page.status_code == 200
    assert [v for v, _label in page.context["next_states"]] == ["confirmed", "excluded"]
    assert f"/urgent/{case.urgent_report.uid}/" in page.content.decode()
    assert 'id="case-contacts"' in page.content.decode()
    assert "刘洋" in page.content.decode()  # a proposed contact, in the counselor's reach
    assert f"/tracing/cases/{case.uid}/graph/" in page.content.decode()
    read_only = client_as(world.grid_worker).get(f"{URL}{case.uid}/")
    assert read_only.status_code == 200 and read_only.context["next_states"] == []


def test_the_detail_is_not_found_out_of_reach_or_for_a_student(world, campaign, client_as):
    case = record(world)
    for person in (world.other_student, world.student, world.lab_head):
        assert client_as(person).get(f"{URL}{case.uid}/").status_code == 404, person
    assert (
        client_as(world.counselor).get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code
        == 404
    )


def test_a_case_is_moved_and_timed_from_its_page(world, campaign, client_as):
    case = record(world)
    client = client_as(world.counselor)
    answer = client.post(f"{URL}{case.uid}/status/", {"status": "confirmed", "note": "核酸阳性"})
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    client.post(f"{URL}{case.uid}/status/", {"status": "suspected"})  # refused, shown as a message
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED
    client.post(f"{URL}{case.uid}/times/", {"treated_at": "2020-02-10T08:30", "hospital": "校医院"})
    case.refresh_from_db()
    assert case.treated_at == at(DAY, dt.time(8, 30)) and case.hospital == "校医院"
    outsider = client_as(world.other_student).post(f"{URL}{case.uid}/status/", {"status": "died"})
    assert outsider.status_code == 404
    client_as(world.grid_worker).post(f"{URL}{case.uid}/status/", {"status": "died"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED


def test_the_xlsx_is_laid_out_as_an_office_prints_it(world, campaign, client_as):
    record(world)
    answer = client_as(world.college_leader).get("/tracing/cases.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    sheet = book.worksheets[0]
    assert "周伟" in sheet["A1"].value and "2020-02-10" in sheet["A1"].value
    headers = [c.value for c in sheet[2]]
    assert headers[:3] == ["学号/工号", "姓名", "单位"] and len(headers) == 13
    assert sheet.freeze_panes == "A3"
    assert [sheet["A3"].value, sheet["B3"].value, sheet["K3"].value] == [
        world.student.number,
        "李明",
        3.0,
    ]
    assert client_as(world.student).get("/tracing/cases.xlsx").status_code == 404


# --- API -----------------------------------------------------------------------------------


def test_the_api_records_a_case_and_answers_a_retry_with_the_same(world, campaign, bearer):
    client = bearer(world.counselor)
    body = {
        "person": world.student.number,
        "discovered_at": "2020-02-10T07:00:00+08:00",
        "onset_on": "2020-02-09",
        "note": "发热",
        "client_id": "api-1",
    }
    first = client.post(API, body, content_type="application/json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["status"] == "suspected" and data["hours_to_report"] == 2.0
    assert data["urgent_report"] is not None
    again = client.post(API, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["uid"] == data["uid"]
    assert counts() == (1, 1, 1)
    second = client.post(API, {**body, "client_id": "api-2"}, content_type="application/json")
    assert second.status_code == 400 and second.json()["detail"]


def test_the_api_refuses_out_of_reach_and_wrong_roles(world, campaign, bearer):
    body = {"person": world.other_student.number}
    out = bearer(world.counselor).post(API, body, content_type="application/json")
    assert out.status_code == 404 and out.json()["detail"]
    wrong = bearer(world.grid_worker).post(
        API, {"person": world.student.number}, content_type="application/json"
    )
    assert wrong.status_code == 403 and wrong.json()["detail"]
    assert counts() == (0, 0, 0)


def test_the_api_lists_the_cases_in_reach_and_filters_by_status(world, campaign, leader, bearer):
    record(world)
    record(world, person=world.other_student, actor=leader)
    mine = bearer(world.counselor).get(API).json()
    assert mine["count"] == 1 and mine["items"][0]["person"] == world.student.number
    everyone = bearer(world.org_officer).get(API).json()
    assert everyone["count"] == 2
    assert bearer(world.org_officer).get(API + "?status=confirmed").json()["count"] == 0
    assert bearer(world.org_officer).get(API + "?unit=CS").json()["count"] == 1
    assert bearer(world.student).get(API).json()["count"] == 0


def test_the_api_moves_a_case_forward_only(world, campaign, bearer):
    case = record(world)
    client = bearer(world.counselor)
    url = f"{API}/{case.uid}/status"
    moved = client.post(
        url, {"status": "confirmed", "note": "阳性"}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["status"] == "confirmed"
    back = client.post(url, {"status": "suspected"}, content_type="application/json")
    assert back.status_code == 400 and back.json()["detail"]
    out = bearer(world.other_student).post(url, {"status": "died"}, content_type="application/json")
    assert out.status_code == 404
    assert client.get(f"{API}/{case.uid}").json()["status"] == "confirmed"
