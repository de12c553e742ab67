"""Daily and zero reports: who may submit, when a zero report is refused, late and missing."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import EVERYTHING
from bastion.alerts.models import AlertState
from bastion.alerts.services import person_health_refresh
from bastion.conftest import SINCE
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.org.models import Person
from bastion.org.services import position_assign
from bastion.reports.models import DailyReport
from bastion.reports.selectors import report_rates, reports_missing
from bastion.reports.services import ReportRefused, daily_report_submit, missing_reports_flag
from bastion.reports.tests.conftest import AFTER_DEADLINE, DAY, MORNING, raise_alert


def user_of(person: Person) -> User:
    return User.objects.get(person=person)


def submit(person, unit, *, is_zero=True, day=DAY, now=MORNING, note=""):
    return daily_report_submit(
        actor=user_of(person), unit=unit, day=day, is_zero=is_zero, note=note, now=now
    )


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_a_college_leader_submits_a_zero_report_by_name_and_time(world, campaign):
    result = submit(world.college_leader, world.med, note="一切正常")
    report = result.report
    assert result.created
    assert (report.is_zero, report.is_late, report.note) == (True, False, "一切正常")
    assert report.submitted_by == world.college_leader
    assert report.submitted_at == MORNING
    assert report.campaign == campaign


def test_the_counts_cover_the_whole_subtree(world, campaign):
    Person.objects.filter(unit__path__startswith=world.med.path).update(last_checkin_day=DAY)
    Person.objects.filter(pk=world.staff.pk).update(last_checkin_day=None)
    report = submit(world.college_leader, world.med).report
    people = Person.objects.filter(unit__path__startswith=world.med.path).count()
    assert report.counts["expected"] == people
    assert report.counts["checked_in"] == people - 1
    assert report.counts["suspected"] == 0


def test_a_zero_report_is_refused_while_a_student_is_abnormal_and_accepted_once_closed(
    world, campaign
):
    alert = raise_alert(campaign, world.student)
    with pytest.raises(ReportRefused) as refused:
        submit(world.college_leader, world.med)
    assert "1" in refused.value.message
    assert not DailyReport.objects.exists()

    Alert = type(alert)
    Alert.objects.filter(pk=alert.pk).update(state=AlertState.CLOSED, closed_at=MORNING)
    person_health_refresh(person=Person.objects.get(pk=world.student.pk), now=MORNING)
    assert submit(world.college_leader, world.med).report.is_zero


def test_an_acknowledged_alert_still_blocks_a_zero_report(world, campaign):
    alert = raise_alert(campaign, world.student, severity="yellow")
    type(alert).objects.filter(pk=alert.pk).update(state=AlertState.ACKNOWLEDGED)
    with pytest.raises(ReportRefused):
        submit(world.college_leader, world.med)


def test_a_report_with_abnormal_cases_is_taken_while_someone_is_abnormal(world, campaign):
    raise_alert(campaign, world.student)
    report = submit(world.college_leader, world.med, is_zero=False, note="李明发热，已就医").report
    assert not report.is_zero
    assert report.counts["abnormal"] == 1


def test_another_college_is_not_blocked_by_a_student_elsewhere(world, campaign):
    raise_alert(campaign, world.student)
    position_assign(person=world.staff, role=Role.COLLEGE_LEADER, over=world.cs, starts_on=SINCE)
    assert submit(world.staff, world.cs).report.is_zero


def test_the_secretary_of_the_party_org_leading_the_college_may_submit(world, campaign):
    position_assign(
        person=world.counselor,
        role=Role.PARTY_SECRETARY,
        over=world.med_committee,
        starts_on=SINCE,
    )
    assert submit(world.counselor, world.med).created


def test_a_report_for_a_unit_out_of_reach_answers_404_and_writes_nothing(world, campaign):
    with pytest.raises(ReportRefused) as refused:
        submit(world.college_leader, world.cs)
    assert refused.value.status == 404
    with pytest.raises(ReportRefused) as refused:
        submit(world.grid_worker, world.med)
    assert refused.value.status == 404
    assert not DailyReport.objects.exists()


def test_someone_who_sees_the_unit_but_does_not_answer_for_it_is_refused(world, campaign):
    with pytest.raises(ReportRefused) as refused:
        submit(world.org_officer, world.med)
    assert refused.value.status == 403
    with pytest.raises(ReportRefused) as refused:
        submit(world.counselor, world.med)  # a counselor of the college answers for people
    assert refused.value.status == 403
    # A branch secretary below the college reaches it only through a department: not theirs.
    with pytest.raises(ReportRefused):
        submit(world.secretary, world.med)
    assert not DailyReport.objects.exists()


def test_a_unit_that_does_not_report_is_refused(world, campaign):
    position_assign(
        person=world.staff, role=Role.COLLEGE_LEADER, over=world.med_dept, starts_on=SINCE
    )
    with pytest.raises(ReportRefused) as refused:
        submit(world.staff, world.med_dept)
    assert refused.value.status == 400


def test_a_day_in_the_future_or_before_the_campaign_is_refused(world, campaign):
    with pytest.raises(ReportRefused):
        submit(world.college_leader, world.med, day=DAY + dt.timedelta(days=1))
    with pytest.raises(ReportRefused):
        submit(world.college_leader, world.med, day=SINCE - dt.timedelta(days=1))
    assert not DailyReport.objects.exists()


def test_a_second_submission_before_the_deadline_replaces_the_first(world, campaign):
    submit(world.college_leader, world.med, note="第一次")
    result = submit(
        world.college_leader, world.med, is_zero=False, note="更正", now=at(DAY, dt.time(10))
    )
    assert not result.created
    assert DailyReport.objects.count() == 1
    report = DailyReport.objects.get()
    assert (report.is_zero, report.note, report.submitted_at) == (
        False,
        "更正",
        at(DAY, dt.time(10)),
    )


def test_after_the_deadline_a_received_report_stands(world, campaign):
    submit(world.college_leader, world.med, note="第一次")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        with pytest.raises(ReportRefused) as refused:
            submit(world.college_leader, world.med, now=AFTER_DEADLINE, note="再次")
    assert refused.value.status == 409
    assert DailyReport.objects.get().note == "第一次"


def test_a_first_report_after_the_deadline_is_taken_and_marked_late(world, campaign):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        report = submit(world.college_leader, world.med, now=AFTER_DEADLINE).report
    assert report.is_late


def test_a_report_for_an_earlier_day_is_late(world, campaign):
    report = submit(world.college_leader, world.med, day=DAY - dt.timedelta(days=1)).report
    assert report.is_late


def test_a_missing_report_shows_at_the_level_above_after_the_deadline(world, campaign):
    assert reports_missing(scope=EVERYTHING, campaign=campaign, day=DAY, now=MORNING) == []
    missing = reports_missing(scope=EVERYTHING, campaign=campaign, day=DAY, now=AFTER_DEADLINE)
    assert world.med in missing and world.cs in missing and world.hospital in missing
    submit(world.college_leader, world.med)
    missing = reports_missing(scope=EVERYTHING, campaign=campaign, day=DAY, now=AFTER_DEADLINE)
    assert world.med not in missing


def test_the_level_above_is_told_of_a_missing_report_once(world, campaign, leader):
    assert missing_reports_flag(now=MORNING) == 0
    submit(world.college_leader, world.med)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        first = missing_reports_flag(now=AFTER_DEADLINE)
        again = missing_reports_flag(now=AFTER_DEADLINE)
    sent = Notification.objects.filter(key__startswith="report-missing:")
    assert first > 0 and again == 0
    assert sent.filter(key__contains=":CS:", recipient=leader).exists()
    assert not sent.filter(key__contains=":MED:").exists()


def test_completeness_and_timeliness_follow_dhis2(world, campaign):
    start = DAY - dt.timedelta(days=6)
    for offset in range(5):  # five of seven days received, one of them late
        day = start + dt.timedelta(days=offset)
        hour = dt.time(11, 30) if offset == 0 else dt.time(9)
        submit(world.college_leader, world.med, day=day, now=at(day, hour))
    rates = report_rates(
        campaign=campaign, units=[world.med], last_day=DAY, days=7, now=AFTER_DEADLINE
    )
    assert (rates.expected, rates.received, rates.on_time) == (7, 5, 4)
    assert rates.completeness_pct == "71%"
    # Before today's deadline, today is not yet expected.
    rates = report_rates(campaign=campaign, units=[world.med], last_day=DAY, days=7, now=MORNING)
    assert rates.expected == 6
