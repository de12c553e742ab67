"""The daily digests (R4): students to Student Affairs, staff to the University Office."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from bastion.accounts.scoping import scope_for_person
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.notify.tasks import digests_tick
from bastion.notify.testing import LoopbackSMTP
from bastion.org.models import HealthStatus
from bastion.reports.digests import digest_build, digests_send

DAY = dt.date(2020, 2, 10)
AFTER_CUTOFF = at(DAY, dt.time(10, 30))


@pytest.fixture(autouse=True)
def on_day():
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        yield


@pytest.fixture
def day_facts(world, campaign):
    """李明 is red with a fever; 王芳 and 赵强 checked in on DAY; everyone else is missing."""
    world.student.health_status = HealthStatus.RED
    world.student.health_reason = "发热 38.6 °C"
    world.student.last_checkin_day = DAY
    world.student.save()
    for person in (world.other_student, world.staff):
        person.last_checkin_day = DAY
        person.save()
    world.student_affairs.email = "zhenghua@example.edu.cn"
    world.student_affairs.save()
    world.office_officer.email = "qianjin@example.edu.cn"
    world.office_officer.save()
    return world


def test_the_student_digest_counts_every_student_by_college(day_facts, campaign):
    w = day_facts
    digest = digest_build(
        scope=scope_for_person(w.student_affairs), kind="students", campaign=campaign, day=DAY
    )
    assert (digest.expected, digest.checked_in, digest.missing, digest.abnormal) == (3, 2, 1, 1)
    lines = {line.unit.code: (line.expected, line.missing, line.abnormal) for line in digest.lines}
    assert lines == {"MED": (2, 1, 1), "CS": (1, 0, 0)}
    assert [p.number for p in digest.abnormal_people] == ["2020001"]
    assert [p.number for p in digest.missing_people] == ["2020002"]


def test_a_closed_days_digest_comes_from_the_history_not_todays_facts(day_facts, campaign):
    """Opened the next day, after everyone has checked in again, DAY's digest still says who
    had not checked in on DAY and whose check-in of DAY was abnormal."""
    from bastion.checkins.models import CheckIn
    from bastion.org.models import Person

    w = day_facts
    for person, status in ((w.student, "red"), (w.other_student, "green")):
        CheckIn.objects.create(
            campaign=campaign,
            person=person,
            day=DAY,
            submitted_at=AFTER_CUTOFF,
            temperature="38.6" if status == "red" else "36.5",
            location="110108",
            on_campus=True,
            status=status,
            reason="发热 38.6 °C" if status == "red" else "",
        )
    next_day = DAY + dt.timedelta(days=1)
    Person.objects.update(last_checkin_day=next_day, health_status=HealthStatus.GREEN)
    with time_machine.travel(at(next_day, dt.time(11, 0)), tick=False):
        digest = digest_build(
            scope=scope_for_person(w.student_affairs), kind="students", campaign=campaign, day=DAY
        )
        today = digest_build(
            scope=scope_for_person(w.student_affairs),
            kind="students",
            campaign=campaign,
            day=next_day,
        )
    assert (digest.expected, digest.checked_in, digest.missing, digest.abnormal) == (3, 2, 1, 1)
    assert [p.number for p in digest.abnormal_people] == ["2020001"]
    assert [p.number for p in digest.missing_people] == ["2020002"]
    assert (today.checked_in, today.abnormal) == (3, 0)


def test_the_staff_digest_leaves_students_out(day_facts, campaign):
    digest = digest_build(
        scope=scope_for_person(day_facts.office_officer), kind="staff", campaign=campaign, day=DAY
    )
    assert digest.abnormal == 0 and digest.checked_in == 1
    assert digest.expected == 8  # every staff member of the world
    assert "2020001" not in {p.number for p in digest.missing_people}


def test_the_digests_go_out_once_after_the_cutoff(
    day_facts, campaign, settings, django_capture_on_commit_callbacks
):
    with LoopbackSMTP() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        assert digests_send(campaign=campaign, day=DAY, now=at(DAY, dt.time(9, 59))) == 0
        with django_capture_on_commit_callbacks(execute=True):
            assert digests_send(campaign=campaign, day=DAY, now=AFTER_CUTOFF) == 2
            assert digests_send(campaign=campaign, day=DAY, now=AFTER_CUTOFF) == 0
        mails = {m.recipients[0]: m for m in smtp.wait_for(2)}
    students = mails["zhenghua@example.edu.cn"]
    assert students.subject == "2020-02-10 学生日报汇总"
    assert "未打卡 1" in students.body and "异常 1" in students.body
    assert "/urgent/digest/students/2020-02-10/" in students.body
    assert mails["qianjin@example.edu.cn"].subject == "2020-02-10 教职工日报汇总"


def test_the_periodic_tick_sends_todays_digests_after_the_cutoff(day_facts, campaign):
    with time_machine.travel(at(DAY, dt.time(8, 0)), tick=False):
        digests_tick()
    assert not Notification.objects.exists()
    with time_machine.travel(AFTER_CUTOFF, tick=False):
        digests_tick()
        digests_tick()
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == ["digest:staff:2020-02-10:email:T6001", "digest:students:2020-02-10:email:T5001"]


# --- pages ---------------------------------------------------------------------------------


def test_student_affairs_reads_the_student_digest(day_facts, client_as, on_day):
    page = client_as(day_facts.student_affairs).get("/urgent/digest/students/2020-02-10/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "学生日报汇总" in text and "李明" in text and "发热 38.6 °C" in text and "刘洋" in text


def test_the_digests_are_not_found_for_other_roles(day_facts, client_as, on_day):
    w = day_facts
    assert client_as(w.student_affairs).get("/urgent/digest/staff/2020-02-10/").status_code == 404
    assert client_as(w.office_officer).get("/urgent/digest/students/2020-02-10/").status_code == 404
    assert client_as(w.counselor).get("/urgent/digest/students/2020-02-10/").status_code == 404
    assert client_as(w.org_officer).get("/urgent/digest/staff/2020-02-10/").status_code == 200


@pytest.mark.parametrize("day", ["2020-02-11", "2019-12-31", "yesterday"])
def test_a_day_in_the_future_or_outside_the_campaign_is_not_found(
    day_facts, client_as, on_day, day
):
    page = client_as(day_facts.student_affairs).get(f"/urgent/digest/students/{day}/")
    assert page.status_code == 404


def test_the_xlsx_has_chinese_headers_a_title_and_a_frozen_header(day_facts, client_as, on_day):
    answer = client_as(day_facts.student_affairs).get("/urgent/digest/students/2020-02-10/xlsx/")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    assert book.sheetnames == ["汇总", "异常", "未打卡"]
    summary = book["汇总"]
    assert "2020-02-10" in summary["A1"].value and "郑华" in summary["A1"].value
    assert [c.value for c in summary[2]][2:] == ["已打卡", "未打卡", "异常", "打卡率"]
    assert summary.freeze_panes == "A3"
    assert summary.column_dimensions["A"].width == 28
    abnormal = book["异常"]
    assert abnormal["B3"].value == "李明" and abnormal["E3"].value == "发热 38.6 °C"
    assert book["未打卡"]["B3"].value == "刘洋"
