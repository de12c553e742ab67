"""The daily report page and the API: in reach, out of reach, wrong role, bad input."""

import pytest
import time_machine

from bastion.reports.models import DailyReport
from bastion.reports.tests.conftest import AFTER_DEADLINE, DAY, MORNING, raise_alert

URL = "/api/v1/units/{}/daily-reports"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def post(client, code, **data):
    body = {"day": DAY.isoformat(), "is_zero": True, "note": "", **data}
    return client.post(URL.format(code), body, content_type="application/json")


def test_the_api_takes_a_zero_report(world, campaign, client_as):
    answer = post(client_as(world.college_leader), "MED", note="无异常")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["is_zero"] and body["unit"] == "MED" and body["submitted_by"] == "T3001"
    assert body["counts"]["expected"] >= 1


def test_the_api_refuses_a_zero_report_in_chinese_while_a_student_is_abnormal(
    world, campaign, client_as
):
    raise_alert(campaign, world.student)
    answer = post(client_as(world.college_leader), "MED")
    assert answer.status_code == 400
    assert "零报告" in answer.json()["detail"]
    assert not DailyReport.objects.exists()


def test_the_api_answers_404_for_a_unit_out_of_reach_or_unknown(world, campaign, client_as):
    client = client_as(world.college_leader)
    assert post(client, "CS").status_code == 404
    assert post(client, "NOPE").status_code == 404
    assert client.get(URL.format("CS")).status_code == 404


def test_the_api_answers_403_to_someone_in_reach_who_does_not_report(world, campaign, client_as):
    answer = post(client_as(world.org_officer), "MED")
    assert answer.status_code == 403
    assert answer.json()["detail"]


def test_the_api_refuses_a_future_day(world, campaign, client_as):
    answer = post(client_as(world.college_leader), "MED", day="2020-02-11")
    assert answer.status_code == 400
    assert "未来" in answer.json()["detail"]


def test_the_api_refuses_malformed_json(world, campaign, client_as):
    answer = client_as(world.college_leader).post(
        URL.format("MED"), "{not json", content_type="application/json"
    )
    assert 400 <= answer.status_code < 500


def test_the_api_lists_a_units_reports(world, campaign, client_as):
    client = client_as(world.college_leader)
    post(client, "MED")
    listed = client_as(world.org_officer).get(URL.format("MED")).json()
    assert [r["day"] for r in listed] == [DAY.isoformat()]


def test_the_page_shows_the_leader_todays_counts_and_the_form(world, campaign, client_as):
    page = client_as(world.college_leader).get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "医学院" in html and 'value="zero"' in html and "disabled" not in html


def test_the_page_disables_a_zero_report_with_the_reason(world, campaign, client_as):
    raise_alert(campaign, world.student)
    html = client_as(world.college_leader).get("/reports/").content.decode()
    assert 'value="zero" disabled' in html
    assert "零报告" in html


def test_the_form_submits_the_report(world, campaign, client_as):
    client = client_as(world.college_leader)
    answer = client.post("/reports/units/MED/submit/", {"kind": "zero", "note": "好"})
    assert answer.status_code == 302
    assert DailyReport.objects.get().note == "好"


def test_the_form_refuses_a_unit_out_of_reach_with_404(world, campaign, client_as):
    answer = client_as(world.college_leader).post("/reports/units/CS/submit/", {"kind": "zero"})
    assert answer.status_code == 404
    assert not DailyReport.objects.exists()


def test_the_level_above_sees_each_units_status(world, campaign, client_as, leader):
    post(client_as(world.college_leader), "MED")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        html = client_as(leader).get("/reports/").content.decode()
    assert "医学院" in html and "计算机学院" in html
    assert "缺报" in html or "Missing" in html


def test_a_student_has_nothing_to_report(world, campaign, client_as):
    page = client_as(world.student).get("/reports/")
    assert page.status_code == 200
    assert 'name="kind"' not in page.content.decode()


def test_after_the_deadline_the_page_still_takes_a_first_report_marked_late(
    world, campaign, client_as
):
    client = client_as(world.college_leader)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert 'name="kind"' in client.get("/reports/").content.decode()
        client.post("/reports/units/MED/submit/", {"kind": "zero"})
        assert DailyReport.objects.get().is_late
        assert 'name="kind"' not in client.get("/reports/").content.decode()
