"""Contingency plans (R3): each unit keeps a versioned plan with the three time points, kept by
those with the right over units in their reach; the list and the dashboard show which units
lack a current one."""

import datetime as dt
import io
import re
import threading
from urllib.parse import quote

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from openpyxl import load_workbook

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import scope_of
from bastion.campaigns.models import Campaign
from bastion.campus.models import ContingencyPlan, ContingencyPlanVersion
from bastion.campus.plans import (
    MAX_BYTES,
    PlanRefused,
    Upload,
    plan_for,
    plan_status,
    plan_version_add,
    plans_visible,
    units_lacking_plan,
)
from bastion.conftest import SINCE
from bastion.lib.days import at
from bastion.org.services import position_assign

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))
VACATION, RETURN, START = dt.date(2020, 1, 10), dt.date(2020, 2, 1), dt.date(2020, 2, 17)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PDF_NAME = "医学院疫情防控工作预案.pdf"
# 「缺少预案」, or its msgid while the catalogue is not merged yet.
LACKING = ("缺少预案", "No current plan")
EVERY_EXPECTED = {"U", "MED", "CS", "ORG", "SA", "UO", "HOSP"}


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader(world):
    """钱进 of the University Office also sits in the leading group."""
    position_assign(
        person=world.office_officer, role=Role.LEADING_GROUP, over=world.university, starts_on=SINCE
    )
    return world.office_officer


def user(person) -> User:
    return User.objects.get(person=person)


def add(world, campaign, *, actor=None, unit=None, **extra) -> ContingencyPlanVersion:
    values = {
        "title": "医学院疫情防控工作预案",
        "vacation_on": VACATION,
        "travel_return_on": RETURN,
        "semester_starts_on": START,
        "summary": "一、组织领导\n二、假期\n三、返程\n四、开学",
        "upload": None,
        "note": "",
    } | extra
    return plan_version_add(
        actor=actor or user(world.college_leader),
        unit=unit or world.med,
        campaign=campaign,
        now=NOW,
        **values,
    )


def refused(call, *args, **kwargs) -> PlanRefused:
    with pytest.raises(PlanRefused) as caught:
        call(*args, **kwargs)
    return caught.value


# --- versions -------------------------------------------------------------------------------


def test_the_first_version_makes_the_plan_and_later_ones_are_numbered_in_turn(world, campaign):
    first = add(world, campaign, upload=Upload(PDF_NAME, "application/pdf", PDF))
    assert first.number == 1 and first.plan.unit == world.med
    assert (first.file_name, first.content_type, bytes(first.content)) == (
        PDF_NAME,
        "application/pdf",
        PDF,
    )
    second = add(
        world,
        campaign,
        title="医学院疫情防控工作预案（修订）",
        semester_starts_on=dt.date(2020, 3, 2),
        note="开学推迟至3月2日",
    )
    assert second.number == 2 and second.plan == first.plan
    assert ContingencyPlan.objects.get().title == "医学院疫情防控工作预案（修订）"
    assert second.uploaded_by == user(world.college_leader) and second.uploaded_at == NOW


def test_the_time_points_must_be_in_order(world, campaign):
    for points in [
        {"travel_return_on": dt.date(2020, 1, 1)},
        {"semester_starts_on": dt.date(2020, 1, 31)},
    ]:
        assert re.search("顺序|order", refused(add, world, campaign, **points).message)
    add(world, campaign, vacation_on=RETURN, semester_starts_on=RETURN)  # the same day is in order
    assert ContingencyPlanVersion.objects.count() == 1


def test_bad_days_are_refused_with_a_reason(world, campaign):
    for points in [
        {"vacation_on": ""},
        {"travel_return_on": "二月一日"},
        {"vacation_on": "2020-02-30"},
    ]:
        assert refused(add, world, campaign, **points).status == 400
    assert not ContingencyPlan.objects.exists()


def test_a_version_needs_a_summary_or_a_document_and_a_title(world, campaign):
    assert re.search("摘要|summary", refused(add, world, campaign, summary="  ").message)
    assert refused(add, world, campaign, title="").status == 400
    assert not ContingencyPlan.objects.exists()
    version = add(world, campaign, summary="", upload=("预案.txt", "text/plain", "预案".encode()))
    assert version.summary == "" and version.file_name == "预案.txt"


def test_only_office_documents_and_text_of_at_most_10_mb_are_taken(world, campaign):
    for upload in [
        ("setup.exe", "application/octet-stream", b"MZ\x90\x00"),
        ("预案", "application/pdf", PDF),
        ("预案.pdf", "application/pdf", b""),
        ("预案.pdf", "application/pdf", b"MZ\x90\x00 renamed"),  # not a PDF inside
        ("预案.docx", "application/msword", b"not a zip"),
        ("预案.txt", "text/plain", b"text\x00with a NUL"),
        ("预案.pdf", "application/pdf", PDF + b" " * MAX_BYTES),
    ]:
        assert refused(add, world, campaign, upload=upload).status == 400, upload[0]
    assert not ContingencyPlan.objects.exists()
    kinds = {
        "a.docx": b"PK\x03\x04rest",
        "a.xlsx": b"PK\x03\x04rest",
        "a.odt": b"PK\x03\x04rest",
        "a.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest",
        "A.MD": "# 预案".encode(),
    }
    for name, content in kinds.items():
        add(world, campaign, upload=(name, "", content), note=f"上传{name}")
    assert ContingencyPlanVersion.objects.count() == len(kinds)
    assert ContingencyPlanVersion.objects.get(number=5).content_type == "text/markdown"


def test_the_file_name_keeps_no_folder_of_the_uploader(world, campaign):
    version = add(world, campaign, upload=(r"C:\Users\周伟\桌面\预案.pdf", "application/pdf", PDF))
    assert version.file_name == "预案.pdf"


def test_a_later_version_says_what_changed(world, campaign):
    add(world, campaign)
    assert re.search("第 1 版|version 1", refused(add, world, campaign).message)
    assert ContingencyPlanVersion.objects.count() == 1


def test_only_keepers_of_a_unit_in_reach_add_versions(world, campaign, leader):
    assert refused(add, world, campaign, unit=world.cs).status == 404  # 周伟 leads MED only
    for person in (world.org_officer, world.counselor, world.student):  # no right to keep plans
        assert refused(add, world, campaign, actor=user(person)).status == 404
    assert not ContingencyPlan.objects.exists()
    add(world, campaign, actor=user(leader), unit=world.cs, title="计算机学院预案")
    secretary = add(world, campaign, actor=user(world.secretary), unit=world.med_dept, title="系")
    assert secretary.plan.unit == world.med_dept  # the department her branch leads


def test_an_ended_campaign_keeps_its_plans_as_they_were(world, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(ends_on=DAY - dt.timedelta(days=1))
    campaign.refresh_from_db()
    assert refused(add, world, campaign).status == 409


def test_the_database_takes_one_version_of_each_number(world, campaign):
    version = add(world, campaign)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContingencyPlanVersion.objects.create(
            plan=version.plan,
            number=1,
            vacation_on=VACATION,
            travel_return_on=RETURN,
            semester_starts_on=START,
            uploaded_at=NOW,
        )


@pytest.mark.django_db(transaction=True)
def test_versions_added_at_the_same_moment_get_their_own_numbers(world, campaign):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    barrier = threading.Barrier(3)
    numbers, errors = [], []

    def one(i: int) -> None:
        try:
            barrier.wait()
            numbers.append(
                add(world, campaign, actor=user(world.college_leader), note=str(i)).number
            )
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3]
    assert ContingencyPlan.objects.count() == 1


# --- selectors ------------------------------------------------------------------------------------


def test_the_status_of_each_unit_is_its_newest_version_or_none(world, campaign):
    add(world, campaign)
    add(world, campaign, note="修订")
    med, cs = plan_status(campaign=campaign, units=[world.med, world.cs])
    assert med.current.number == 2 and med.plan.unit == world.med and not med.lacking
    assert cs.current is None and cs.plan is None and cs.lacking


def test_units_lacking_a_plan_are_the_university_and_those_that_report(world, campaign, leader):
    everyone = scope_of(user(leader))
    assert {u.code for u in units_lacking_plan(campaign=campaign, scope=everyone)} == EVERY_EXPECTED
    add(world, campaign)
    lacking = units_lacking_plan(campaign=campaign, scope=everyone)
    assert [u.code for u in lacking] == ["U", "CS", "ORG", "SA", "UO", "HOSP"]  # in tree order
    college = scope_of(user(world.college_leader))
    assert units_lacking_plan(campaign=campaign, scope=college) == []
    assert units_lacking_plan(campaign=campaign, scope=scope_of(user(world.student))) == []


def test_a_plan_of_another_campaign_is_not_current(world, campaign):
    old = Campaign.objects.create(
        name="流感防控", disease="influenza", starts_on=dt.date(2019, 1, 1), ends_on=SINCE
    )
    ContingencyPlan.objects.create(campaign=old, unit=world.cs, title="旧预案", created_at=NOW)
    ContingencyPlanVersion.objects.create(
        plan=ContingencyPlan.objects.get(campaign=old),
        number=1,
        vacation_on=VACATION,
        travel_return_on=RETURN,
        semester_starts_on=START,
        summary="旧",
        uploaded_at=NOW,
    )
    scope = scope_of(user(world.org_officer))
    assert "CS" in {u.code for u in units_lacking_plan(campaign=campaign, scope=scope)}


def test_plans_are_visible_in_reach_and_found_by_uid_only_there(world, campaign, leader):
    med = add(world, campaign).plan
    cs = add(world, campaign, actor=user(leader), unit=world.cs).plan
    college = scope_of(user(world.college_leader))
    assert list(plans_visible(scope=college, campaign=campaign)) == [med]
    assert set(plans_visible(scope=scope_of(user(world.org_officer)), campaign=campaign)) == {
        med,
        cs,
    }
    assert plan_for(user(world.college_leader), med.uid) == med
    for who, uid in [
        (world.college_leader, cs.uid),
        (world.student, med.uid),
        (world.grid_worker, med.uid),
    ]:
        assert refused(plan_for, user(who), uid).status == 404
    assert refused(plan_for, user(world.college_leader), "not-a-uid").status == 404


# --- pages ----------------------------------------------------------------------------------------


def test_the_list_shows_each_unit_in_reach_with_its_plan_or_that_it_lacks_one(
    world, campaign, client_as, leader
):
    add(world, campaign, upload=(PDF_NAME, "application/pdf", PDF))
    page = client_as(leader).get("/campus/plans/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "医学院疫情防控工作预案" in text and "v1" in text and "周伟" in text
    assert "2020-02-17" in text and text.count('<span class="badge red">') == 6
    assert any(word in text for word in LACKING)
    lacking = client_as(leader).get("/campus/plans/?lacking=1").context["statuses"]
    assert [s.unit.code for s in lacking] == ["U", "CS", "ORG", "SA", "UO", "HOSP"]
    college = client_as(world.college_leader).get("/campus/plans/").content.decode()
    assert "医学院" in college and "计算机学院" not in college


def test_the_list_narrows_to_a_unit_in_reach_only(world, campaign, client_as, leader):
    statuses = client_as(leader).get("/campus/plans/?unit=MED").context["statuses"]
    assert [s.unit.code for s in statuses] == ["MED"]
    answer = client_as(world.college_leader).get("/campus/plans/?unit=CS")
    assert answer.status_code == 404
    statuses = client_as(world.secretary).get("/campus/plans/?unit=MED-CLI").context["statuses"]
    assert [(s.unit.code, s.expected) for s in statuses] == [("MED-CLI", False)]


def test_the_list_is_for_those_who_read_the_plans_of_units(world, campaign, client_as):
    assert client_as(world.org_officer).get("/campus/plans/").status_code == 200
    assert client_as(world.counselor).get("/campus/plans/").status_code == 200
    for person in (world.student, world.grid_worker):
        assert client_as(person).get("/campus/plans/").status_code == 404
        assert client_as(person).get("/campus/plans/plans.xlsx").status_code == 404


def test_the_xlsx_lists_the_units_and_marks_those_lacking_a_plan(
    world, campaign, client_as, leader
):
    add(world, campaign)
    answer = client_as(leader).get("/campus/plans/plans.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "钱进" in rows[0][0]
    by_code = {r[0]: r for r in rows[2:]}
    assert set(by_code) == EVERY_EXPECTED
    assert by_code["MED"][3] == 1 and by_code["MED"][6] == "2020-02-17"
    assert by_code["CS"][-1] in LACKING
    cs_row = [r[0] for r in rows].index("CS") + 1
    assert sheet.cell(row=cs_row, column=1).fill.fgColor.rgb.endswith("F8D7DA")


def test_a_keeper_makes_the_plan_from_the_units_page_and_downloads_it(world, campaign, client_as):
    client = client_as(world.college_leader)
    page = client.get("/campus/plans/units/MED/")
    assert page.status_code == 200 and 'name="file"' in page.content.decode()
    assert page.context["values"]["title"].startswith("医学院")
    document = io.BytesIO(PDF)
    document.name = PDF_NAME
    answer = client.post(
        "/campus/plans/units/MED/versions/",
        {
            "title": "医学院预案",
            "vacation_on": "2020-01-10",
            "travel_return_on": "2020-02-01",
            "semester_starts_on": "2020-02-17",
            "file": document,
        },
    )
    plan = ContingencyPlan.objects.get()
    assert answer.status_code == 302 and answer.url == f"/campus/plans/{plan.uid}/"
    assert client.get("/campus/plans/units/MED/").url == f"/campus/plans/{plan.uid}/"
    download = client.get(f"/campus/plans/{plan.uid}/versions/1/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    disposition = download["Content-Disposition"]
    assert disposition.startswith('attachment; filename="plan-v1.pdf"')
    assert f"filename*=UTF-8''{quote(PDF_NAME)}" in disposition
    assert client.get(f"/campus/plans/{plan.uid}/versions/2/").status_code == 404


def test_the_plan_page_shows_the_versions_and_the_time_points_that_moved(
    world, campaign, client_as
):
    add(world, campaign, upload=(PDF_NAME, "application/pdf", PDF))
    version = add(world, campaign, semester_starts_on=dt.date(2020, 3, 2), note="开学推迟")
    page = client_as(world.college_leader).get(f"/campus/plans/{version.plan.uid}/")
    assert page.status_code == 200
    history = page.context["history"]
    assert [row["v"].number for row in history] == [2, 1]
    assert [p["was"] for p in history[0]["points"]] == [None, None, START]
    text = page.content.decode()
    assert "开学推迟" in text and PDF_NAME in text and "2020-03-02" in text
    assert "versions/1/" in text and "versions/2/" not in text  # v2 has no document
    assert page.context["values"]["semester_starts_on"] == dt.date(2020, 3, 2)


def test_the_plan_pages_are_out_of_reach_for_others(world, campaign, client_as, leader):
    plan = add(world, campaign, upload=(PDF_NAME, "application/pdf", PDF)).plan
    urls = [
        f"/campus/plans/{plan.uid}/",
        f"/campus/plans/{plan.uid}/versions/1/",
        "/campus/plans/units/MED/",
    ]
    for person in (world.other_student, world.grid_worker):
        for url in urls:
            assert client_as(person).get(url).status_code == 404, (person, url)
    cs = add(world, campaign, actor=user(leader), unit=world.cs).plan
    for url in [f"/campus/plans/{cs.uid}/", "/campus/plans/units/CS/", "/campus/plans/units/NOPE/"]:
        assert client_as(world.college_leader).get(url).status_code == 404, url


def test_readers_without_the_right_see_the_plan_but_no_form(world, campaign, client_as):
    plan = add(world, campaign).plan
    for person in (world.org_officer, world.counselor):
        page = client_as(person).get(f"/campus/plans/{plan.uid}/")
        assert page.status_code == 200 and not page.context["may_keep"], person
        assert 'name="file"' not in page.content.decode()
        answer = client_as(person).post(
            "/campus/plans/units/MED/versions/",
            {"title": "x", "summary": "x", "note": "x", "vacation_on": "2020-01-10"},
        )
        assert answer.status_code == 404
    assert ContingencyPlanVersion.objects.count() == 1


def test_a_refused_version_is_a_message_beside_the_form_with_what_was_typed(
    world, campaign, client_as
):
    client = client_as(world.college_leader)
    answer = client.post(
        "/campus/plans/units/MED/versions/",
        {
            "title": "医学院预案",
            "vacation_on": "2020-02-10",
            "travel_return_on": "2020-02-01",
            "semester_starts_on": "2020-02-17",
            "summary": "草稿内容",
        },
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert 'role="alert"' in text and "草稿内容" in text and 'value="2020-02-10"' in text
    big = io.BytesIO(b"%PDF-" + b"0" * MAX_BYTES)
    big.name = "大文件.pdf"
    answer = client.post(
        "/campus/plans/units/MED/versions/",
        {
            "title": "医学院预案",
            "vacation_on": "2020-01-10",
            "travel_return_on": "2020-02-01",
            "semester_starts_on": "2020-02-17",
            "file": big,
        },
    )
    assert answer.status_code == 400 and "10 MB" in answer.content.decode()
    assert not ContingencyPlan.objects.exists()


@pytest.mark.parametrize("n", [1, 5])
def test_the_list_takes_the_same_queries_for_few_plans_or_many(
    world, campaign, client_as, leader, django_assert_max_num_queries, n
):
    for unit in [world.university, world.med, world.cs, world.org_dept, world.hospital][:n]:
        add(world, campaign, actor=user(leader), unit=unit)
        add(world, campaign, actor=user(leader), unit=unit, note="修订")
    client = client_as(leader)
    client.get("/campus/plans/")
    # The session, the user and their scope, the campaign, the units, their current versions,
    # the top bar's care link.
    with django_assert_max_num_queries(9):
        assert client.get("/campus/plans/").status_code == 200


# --- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_names_the_units_lacking_a_plan(world, campaign, client_as, leader):
    add(world, campaign)
    page = client_as(leader).get("/dashboard/")
    plans = page.context["plans"]
    assert (plans.expected, plans.count) == (7, 6)
    assert [u.code for u in plans.first] == ["U", "CS", "ORG", "SA", "UO"]
    text = page.content.decode()
    assert 'id="plans-lacking"' in text and "/campus/plans/?lacking=1&amp;unit=U" in text
    college = client_as(world.college_leader).get("/dashboard/")
    assert (
        college.context["plans"].count == 0
        and "/campus/plans/?unit=MED" in college.content.decode()
    )


def test_the_dashboard_has_no_plans_panel_for_a_grid_worker(world, campaign, client_as):
    page = client_as(world.grid_worker).get("/dashboard/")
    assert page.status_code == 200 and 'id="plans-lacking"' not in page.content.decode()
