"""A province receives its member universities' reports: signed, once, the latest version.

Requests are sent through the API as a member's instance sends them (province.signing), to
the test database holding the province (conftest.build_province).
"""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bastion.accounts.models import User
from bastion.audit.models import AuditEntry
from bastion.lib.days import at
from bastion.province.models import Member, Receipt
from bastion.province.services import ProvinceRefused, canonical, member_register
from bastion.province.signing import signed_headers
from bastion.province.tests.conftest import (
    DAY,
    KEY,
    MORNING,
    counts,
    post_signed,
    sent_report,
)
from bastion.reports.models import DailyReport, UnitDayCount
from bastion.reports.selectors import report_rates, unit_statuses

pytestmark = pytest.mark.usefixtures("morning")


@pytest.fixture
def client() -> Client:
    return Client()


def written() -> tuple[int, int, int]:
    """Daily reports, daily counts and receipts at the province."""
    return DailyReport.objects.count(), UnitDayCount.objects.count(), Receipt.objects.count()


def test_a_signed_report_becomes_the_member_universitys_daily_report(province, client):
    response = post_signed(client, sent_report())
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["outcome"] == "accepted"
    assert (answer["key"], answer["version"], answer["is_late"]) == (
        "10001/2020-02-10/v1",
        1,
        False,
    )
    report = DailyReport.objects.get()
    assert (report.unit, report.day, report.is_zero, report.is_late) == (
        province.university,
        DAY,
        True,
        False,
    )
    assert report.counts == counts(expected=1200, checked_in=1190, late=12)
    assert report.submitted_at == at(DAY, dt.time(8, 55))
    assert report.submitted_by is None  # the province holds no name
    assert report.campaign == province.campaign


def test_the_counts_by_kind_become_the_universitys_daily_counts(province, client):
    post_signed(client, sent_report())
    rows = {
        r.kind: (r.expected, r.checked_in, r.late)
        for r in UnitDayCount.objects.filter(unit=province.university, day=DAY)
    }
    assert rows == {"student": (1000, 995, 10), "staff": (200, 195, 2)}


def test_a_repeat_answers_as_the_first_time_and_writes_nothing(province, client):
    first = post_signed(client, sent_report())
    before, trail = written(), AuditEntry.objects.count()
    again = post_signed(client, sent_report())
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert written() == before == (1, 2, 1)
    assert AuditEntry.objects.count() == trail


def test_a_later_version_replaces_the_report(province, client):
    post_signed(client, sent_report())
    corrected = sent_report(
        version=2,
        is_zero=False,
        counts=counts(expected=1200, checked_in=1195, abnormal=1),
        submitted_at=at(DAY, dt.time(8, 58)).isoformat(),
    )
    response = post_signed(client, corrected)
    assert (response.status_code, response.json()["outcome"]) == (201, "accepted")
    report = DailyReport.objects.get()
    assert (report.is_zero, report.counts["abnormal"]) == (False, 1)
    assert report.submitted_at == at(DAY, dt.time(8, 58))
    assert Receipt.objects.count() == 2


def test_an_earlier_version_arriving_after_a_later_one_changes_nothing(province, client):
    post_signed(client, sent_report(version=2, is_zero=False, counts=counts(abnormal=1)))
    response = post_signed(client, sent_report(version=1))
    assert (response.status_code, response.json()["outcome"]) == (200, "superseded")
    report = DailyReport.objects.get()
    assert (report.is_zero, report.counts["abnormal"]) == (False, 1)


def test_a_report_after_the_provinces_deadline_is_late_and_a_correction_keeps_it_in_time(
    province, client
):
    late = sent_report(submitted_at=at(DAY, dt.time(12, 30)).isoformat())
    with_time = {"timestamp": at(DAY, dt.time(12, 31))}
    with time_machine.travel(at(DAY, dt.time(12, 31)), tick=False):
        assert post_signed(client, late, **with_time).json()["is_late"] is True
    assert DailyReport.objects.get().is_late

    DailyReport.objects.all().delete()
    Receipt.objects.all().delete()
    post_signed(client, sent_report())  # 8:55: in time
    with time_machine.travel(at(DAY, dt.time(12, 31)), tick=False):
        answer = post_signed(
            client,
            sent_report(version=2, submitted_at=at(DAY, dt.time(12, 30)).isoformat()),
            **with_time,
        ).json()
    assert answer["is_late"] is False


def test_the_province_sees_its_universities_as_a_university_sees_its_colleges(province, client):
    """Its daily page lists each member with today's report; completeness and timeliness are
    the reports code's own."""
    other, _key = member_register(code="10002", name="第二大学", key=KEY + "-2")
    post_signed(client, sent_report())
    units = [province.university, other.unit]
    statuses = unit_statuses(
        campaign=province.campaign, units=units, day=DAY, now=at(DAY, dt.time(13, 0))
    )
    assert [s.state for s in statuses] == ["on_time", "missing"]
    rates = report_rates(
        campaign=province.campaign, units=units, last_day=DAY, days=1, now=at(DAY, dt.time(13, 0))
    )
    assert (rates.expected, rates.received, rates.on_time) == (2, 1, 1)

    officer = Client()
    officer.force_login(User.objects.get(person=province.officer))
    response = officer.get(reverse("reports:daily"))
    assert response.status_code == 200
    rows = [(row["status"].unit.code, row["status"].state) for row in response.context["overview"]]
    assert rows == [("10001", "on_time"), ("10002", "pending")]  # 9:00, due by 12:00


def test_the_provinces_dashboard_shows_each_universitys_figures_and_missing_reports(
    province, client
):
    member_register(code="10002", name="第二大学", key=KEY + "-2")
    post_signed(client, sent_report())
    officer = Client()
    officer.force_login(User.objects.get(person=province.officer))
    with time_machine.travel(at(DAY, dt.time(13, 0)), tick=False):
        response = officer.get(reverse("dashboards:unit", args=["EDU"]))
    assert response.status_code == 200
    figures = {c.unit.code: c.figures for c in response.context["children"]}
    assert (figures["10001"].expected, figures["10001"].checked_in) == (1200, 1190)
    assert figures["10002"].expected == 0
    assert [(s.unit.code, s.state) for s in response.context["problems"]] == [("10002", "missing")]


# --- what is refused, with nothing written ------------------------------------------------


def test_a_bad_signature_is_refused(province, client):
    response = post_signed(client, sent_report(), key="not-the-key-" + "x" * 30)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"] or "签名" in response.json()["detail"]
    assert written() == (0, 0, 0)


def test_a_request_without_signature_headers_is_refused(province, client):
    response = client.post(
        "/api/v1/province/reports", data=sent_report(), content_type="application/json"
    )
    assert response.status_code == 401
    assert written() == (0, 0, 0)


def test_a_changed_body_under_the_old_signature_is_refused(province, client):
    good = canonical(sent_report())
    headers = signed_headers(
        member="10001",
        key=KEY,
        method="POST",
        path="/api/v1/province/reports",
        body=good,
        idempotency_key="10001/2020-02-10/v1",
        now=MORNING.timestamp(),
    )
    forged = json.dumps(sent_report(counts=counts(expected=1))).encode()
    response = client.post(
        "/api/v1/province/reports", data=forged, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert written() == (0, 0, 0)


def test_an_unknown_or_inactive_university_is_refused(province, client):
    assert post_signed(client, sent_report(), member="99999").status_code == 401
    Member.objects.update(is_active=False)
    assert post_signed(client, sent_report()).status_code == 401
    assert written() == (0, 0, 0)


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_request_signed_more_than_five_minutes_away_is_refused(province, client, minutes):
    response = post_signed(client, sent_report(), timestamp=MORNING + dt.timedelta(minutes=minutes))
    assert response.status_code == 401
    assert written() == (0, 0, 0)


def test_a_key_used_again_for_a_different_report_is_refused(province, client):
    post_signed(client, sent_report())
    response = post_signed(client, sent_report(is_zero=False, counts=counts(abnormal=2)))
    assert response.status_code == 400
    assert DailyReport.objects.get().is_zero


def test_an_idempotency_key_that_does_not_name_the_report_is_refused(province, client):
    response = post_signed(client, sent_report(), idempotency_key="10001/2020-02-10/v7")
    assert response.status_code == 400
    assert "10001/2020-02-10/v1" in response.json()["detail"]
    assert written() == (0, 0, 0)


@pytest.mark.parametrize(
    "report",
    [
        sent_report(is_zero=True, counts=counts(expected=10, suspected=1)),
        sent_report(day="2020-02-11"),  # tomorrow
        sent_report(day="2020-01-01"),  # before the campaign
        sent_report(submitted_at=at(DAY, dt.time(9, 10)).isoformat()),  # after the request
    ],
    ids=["zero-with-a-case", "future", "before-the-campaign", "signed-in-the-future"],
)
def test_a_report_that_cannot_be_right_is_refused_for_good(province, client, report):
    response = post_signed(client, report)
    assert response.status_code == 400, response.content
    assert written() == (0, 0, 0)


@pytest.mark.parametrize("field", ["note", "submitted_by", "names"])
def test_a_report_carrying_anything_beside_counts_is_refused(province, client, field):
    response = post_signed(client, sent_report(**{field: "李明"}))
    assert response.status_code == 422
    assert written() == (0, 0, 0)


def test_without_a_campaign_running_the_province_asks_to_be_sent_it_again(province, client):
    province.campaign.is_active = False
    province.campaign.save(update_fields=["is_active"])
    assert post_signed(client, sent_report()).status_code == 409
    assert written() == (0, 0, 0)


# --- registering members ------------------------------------------------------------------


def test_registering_a_university_makes_it_a_unit_under_the_province_with_a_key(province):
    member, key = member_register(code="10003", name="第三大学")
    assert (member.unit.kind, member.unit.depth) == ("university", 2)
    assert member.unit.path.startswith(province.root.path)
    assert len(key) >= 32 and member.key == key
    again, new_key = member_register(code="10003")
    assert again.pk == member.pk and new_key != key


def test_a_short_key_or_a_unit_that_is_no_university_is_refused(province):
    with pytest.raises(ProvinceRefused):
        member_register(code="10004", name="第四大学", key="short")
    with pytest.raises(ProvinceRefused):
        member_register(code="EDU")


def test_the_command_registers_a_member_and_prints_its_settings(province):
    out = io.StringIO()
    call_command("province_member", "10005", "第五大学", "--url", "https://jyt.example", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines["BASTION_PROVINCE_URL"] == "https://jyt.example"
    assert lines["BASTION_PROVINCE_MEMBER"] == "10005"
    assert Member.objects.get(unit__code="10005").key == lines["BASTION_PROVINCE_KEY"]
    with pytest.raises(CommandError):
        call_command("province_member", "10006", stdout=io.StringIO())  # no name


def test_the_checks_refuse_an_incomplete_or_plain_http_setup_in_production(settings):
    from bastion.province.checks import province_over_https_in_production, province_settings

    settings.BASTION_PROVINCE_URL = "http://jyt.example"
    settings.BASTION_PROVINCE_MEMBER = ""
    assert [e.id for e in province_settings(None)] == ["bastion.province.E001"]
    settings.DEBUG = False
    assert [e.id for e in province_over_https_in_production(None)] == ["bastion.province.E003"]
    settings.BASTION_PROVINCE_URL = ""
    assert province_settings(None) == province_over_https_in_production(None) == []
