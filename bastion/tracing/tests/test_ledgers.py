"""The key-area ledger: the people in reach, the page, the xlsx as an office prints it."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from bastion.lib.days import at
from bastion.tracing.tests.test_key_areas import hubei, trip  # noqa: F401 (fixture)

DAY = dt.date(2020, 2, 10)
URL = "/tracing/ledgers/key-areas/"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(at(DAY, dt.time(9, 0)), tick=False):
        yield


def listed(client, query: str = "") -> list[str]:
    page = client.get(URL + query)
    assert page.status_code == 200
    return [e.number for e in page.context["entries"]]


def test_the_ledger_lists_exactly_the_people_in_reach_who_were_there(world, hubei, client_as):  # noqa: F811
    assert listed(client_as(world.org_officer)) == [world.student.number, world.staff.number]
    assert listed(client_as(world.counselor)) == [world.student.number]
    assert listed(client_as(world.org_officer), "?unit=MED-LAB") == [world.staff.number]


def test_the_ledger_is_not_found_for_a_student_or_a_unit_out_of_reach(world, hubei, client_as):  # noqa: F811
    assert client_as(world.student).get(URL).status_code == 404
    assert client_as(world.counselor).get(URL + "?unit=CS").status_code == 404
    assert client_as(world.counselor).get(URL + "?unit=NOPE").status_code == 404


def test_the_xlsx_is_laid_out_as_an_office_prints_it(world, hubei, client_as):  # noqa: F811
    answer = client_as(world.org_officer).get("/tracing/ledgers/key-areas.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    sheet = book["重点地区"]
    assert "涉重点地区人员台账" in sheet["A1"].value and "吴敏" in sheet["A1"].value
    assert [c.value for c in sheet[2]][:7] == [
        "学号/工号",
        "姓名",
        "类别",
        "单位",
        "重点地区",
        "风险等级",
        "最后在该地区日期",
    ]
    assert sheet.freeze_panes == "A3"
    assert [sheet["A3"].value, sheet["A4"].value] == [world.student.number, world.staff.number]
    assert sheet["E3"].value == "湖北省" and sheet["G3"].value == "2020-02-01"
    assert sheet["J3"].value == world.student.phone  # the Organization Department sees phones


def test_the_ledger_splits_into_those_back_and_those_still_there(world, hubei, client_as):  # noqa: F811
    """李明 left Wuhan on 1 February (back); 赵强's latest check-in is from Wuhan (there)."""
    officer = client_as(world.org_officer)
    assert listed(officer, "?where=back") == [world.student.number]
    assert listed(officer, "?where=there") == [world.staff.number]
    assert officer.get(URL + "?where=elsewhere").status_code == 404
    answer = officer.get("/tracing/ledgers/key-areas.xlsx?where=there")
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))["重点地区"]
    assert "现在重点地区人员台账" in sheet["A1"].value
    assert sheet["A3"].value == world.staff.number and sheet["A4"].value is None


def test_a_trip_home_moves_a_person_from_there_to_back(world, hubei, client_as):  # noqa: F811
    trip(world.staff, "420106", "110108", "2020-02-08")
    officer = client_as(world.org_officer)
    assert listed(officer, "?where=there") == []
    assert listed(officer, "?where=back") == [world.student.number, world.staff.number]
