"""The daily briefing: the day's figures of the epidemic and of the Party's work, as a page for
the leading group and the Organization Department, as an official .docx (read back here), and
as a message at 21:00 in Shanghai."""

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
import time_machine
from docx.shared import RGBColor

from bastion.alerts.models import Alert, AlertState
from bastion.campus.models import AccessLog, ReturnApplication, ReturnReview
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.org.models import Position
from bastion.partywork import tasks
from bastion.partywork.briefing import (
    briefing_docx,
    briefing_figures,
    briefing_sections,
    briefing_send,
)
from bastion.partywork.models import (
    DutyShift,
    ExemplaryStory,
    FrontlinePost,
    PostMember,
    VanguardRecord,
)
from bastion.reports.models import DailyReport, UnitDayCount
from bastion.tracing.models import Case, Isolation

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 2, 10)
MORNING = at(DAY, dt.time(9, 0))
EVENING = at(DAY, dt.time(21, 0))
STORY = "抗疫一线的党员先锋李明"


def _count(campaign, unit, kind, **counts):
    UnitDayCount.objects.create(campaign=campaign, unit=unit, day=DAY, kind=kind, **counts)


@pytest.fixture
def day_facts(party):
    """A day of facts: 8 people to check in and 7 did (87.5 %); one alert overdue and one
    acknowledged; 计算机学院's report missing; a suspected case, an isolation begun, a return
    approved, three entries and one refusal at the gate; a post with two people, two of three
    shifts held, two vanguard tasks done (5.5 hours), one story published."""
    w = party
    c = w.campaign
    _count(c, w.med_class, "student", expected=3, checked_in=2, abnormal=1, isolated=1)
    _count(c, w.cs_class, "student", expected=1, checked_in=1)
    _count(c, w.med_lab, "staff", expected=4, checked_in=4)
    # The day before: not the day's figures.
    UnitDayCount.objects.create(
        campaign=c, unit=w.cs_class, day=DAY - dt.timedelta(1), kind="student", expected=9
    )
    alert = {"campaign": c, "kind": "fever", "severity": "red", "summary": "发热", "day": DAY}
    Alert.objects.create(
        person=w.student, raised_at=MORNING, escalate_at=MORNING + dt.timedelta(hours=1), **alert
    )
    Alert.objects.create(
        person=w.staff,
        raised_at=MORNING - dt.timedelta(days=1),
        escalate_at=MORNING - dt.timedelta(hours=20),
        acknowledged_at=MORNING - dt.timedelta(hours=21),
        state=AlertState.ACKNOWLEDGED,
        **alert,
    )
    for unit in (w.med, w.org_dept, w.student_affairs_office, w.university_office, w.hospital):
        DailyReport.objects.create(
            campaign=c,
            unit=unit,
            day=DAY,
            is_zero=True,
            submitted_by=w.college_leader,
            submitted_at=MORNING,
        )
    Case.objects.create(
        campaign=c,
        person=w.staff,
        discovered_at=MORNING,
        reported_at=MORNING,
        status_changed_at=MORNING,
    )
    Isolation.objects.create(
        campaign=c,
        person=w.student,
        state="active",
        reason="密接",
        proposed_at=MORNING,
        starts_on=DAY,
    )
    application = ReturnApplication.objects.create(
        campaign=c,
        person=w.grid_worker,
        planned_on=DAY,
        origin="110108",
        transport="train",
        state="approved",
        scheduled_on=DAY,
        sorted_at=MORNING,
        submitted_at=MORNING - dt.timedelta(days=3),
    )
    ReturnReview.objects.create(application=application, stage="bulk", state="approved", at=MORNING)
    for admitted, direction in [(True, "in")] * 3 + [(False, "in"), (True, "out")]:
        AccessLog.objects.create(
            at=MORNING, person=w.grid_worker, admitted=admitted, direction=direction
        )
    post = FrontlinePost.objects.create(
        name="一号楼隔离宿舍", kind="quarantine", unit=w.med, set_up_on=DAY - dt.timedelta(5)
    )
    FrontlinePost.objects.create(
        name="东门",
        kind="gate",
        unit=w.university,
        set_up_on=DAY - dt.timedelta(9),
        dissolved_on=DAY - dt.timedelta(1),
    )
    for person in (w.secretary, w.grid_worker):
        PostMember.objects.create(post=post, person=person, from_on=DAY - dt.timedelta(5))
    for state in ("done", "on", "planned", "cancelled"):
        DutyShift.objects.create(
            unit=w.med,
            post=post,
            person=w.secretary,
            starts_at=MORNING,
            ends_at=MORNING + dt.timedelta(hours=8),
            state=state,
        )
    for hours, state in (
        (Decimal("3.5"), "done"),
        (Decimal("2"), "done"),
        (Decimal(4), "assigned"),
    ):
        VanguardRecord.objects.create(
            kind="task",
            party_org=w.med_branch,
            person=w.student,
            title="楼层消杀",
            hours=hours,
            state=state,
            assigned_at=MORNING - dt.timedelta(days=1),
            completed_at=MORNING if state == "done" else None,
        )
    ExemplaryStory.objects.create(
        title=STORY,
        body="……",
        branch=w.med_branch,
        state="published",
        submitted_at=MORNING - dt.timedelta(days=2),
        published_at=MORNING,
    )
    ExemplaryStory.objects.create(
        title="尚在审核的事迹", body="……", branch=w.med_branch, submitted_at=MORNING
    )
    return w


def test_the_figures_are_the_days_own(day_facts, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        b = briefing_figures(day=DAY, now=EVENING)
    f = b.checkins
    assert (f.expected, f.checked_in, f.missing, f.abnormal, f.isolated) == (8, 7, 1, 1, 1)
    assert f.coverage_pct == "87.5%"
    assert [(c.unit.name, c.figures.expected) for c in b.units] == [
        ("医学院", 7),
        ("计算机学院", 1),
    ]
    assert (b.alerts_raised, b.alerts_open, b.alerts_overdue) == (1, 2, 1)
    assert b.reports_expected == 6 and [u.name for u in b.reports_missing] == ["计算机学院"]
    assert (b.suspected_new, b.confirmed_new) == (1, 0)
    assert (b.isolations_started, b.isolations_released) == (1, 0)
    assert (b.returns_approved, b.returns_due, b.gate_in, b.gate_refused) == (1, 1, 3, 1)
    assert (b.posts_open, b.people_at_posts) == (1, 2)
    assert (b.shifts_planned, b.shifts_held) == (3, 2)
    assert (b.vanguard_done, b.vanguard_hours) == (2, Decimal("5.5"))
    assert [s.title for s in b.stories] == [STORY]
    assert b.issue == 22  # the campaign began on 20 January


def test_an_alert_closed_later_was_open_at_the_end_of_the_day(day_facts):
    Alert.objects.filter(person=day_facts.student).update(
        state=AlertState.CLOSED, closed_at=EVENING + dt.timedelta(days=1)
    )
    b = briefing_figures(day=DAY, now=EVENING + dt.timedelta(days=2))
    assert (b.alerts_open, b.alerts_overdue) == (2, 1)


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_briefing_docx_opens_and_contains_the_days_figures(day_facts):
    document = docx.Document(io.BytesIO(briefing_docx(day=DAY, now=EVENING)))
    text = _text(document)
    b = briefing_figures(day=DAY, now=EVENING)
    for _heading, sentences in briefing_sections(b):
        for sentence in sentences:
            assert sentence in text
    assert "87.5%" in text and "5.5" in text and f"《{STORY}》" in text
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[1] == ["医学院", "7", "6", "85.7%", "1", "1"]
    assert rows[2] == ["计算机学院", "1", "1", "100.0%", "0", "0"]
    # Laid out as an official document: A4, 仿宋_GB2312, a red header.
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert document.styles["Normal"].font.name == "仿宋_GB2312"
    header = document.paragraphs[0].runs[0]
    assert header.font.color.rgb == RGBColor(0xE6, 0x00, 0x12) and header.font.bold
    assert "22" in document.paragraphs[1].text  # the issue's number


def test_a_day_without_a_campaign_or_facts_is_still_a_document(world):
    document = docx.Document(io.BytesIO(briefing_docx(day=DAY, now=EVENING)))
    assert document.paragraphs and not document.tables


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "org_officer"])
def test_the_leading_group_and_the_department_read_the_briefing(day_facts, client_as, who):
    page = client_as(getattr(day_facts, who)).get("/party/briefing/?day=2020-02-10")
    assert page.status_code == 200
    text = page.content.decode()
    assert "87.5%" in text and "计算机学院" in text and STORY in text
    assert "/party/briefing/docx/?day=2020-02-10" in text
    assert client_as(getattr(day_facts, who)).get("/party/briefing/").status_code == 200


@pytest.mark.parametrize(
    "who", ["secretary", "committee_secretary", "college_leader", "student", "inspector"]
)
def test_the_briefing_is_not_found_for_other_roles(day_facts, client_as, who):
    client = client_as(getattr(day_facts, who))
    assert client.get("/party/briefing/?day=2020-02-10").status_code == 404
    assert client.get("/party/briefing/docx/?day=2020-02-10").status_code == 404


@pytest.mark.parametrize("day", ["2999-01-01", "yesterday", "2020-02-30"])
def test_a_day_to_come_or_not_a_day_is_not_found(day_facts, client_as, day):
    assert client_as(day_facts.leader).get(f"/party/briefing/?day={day}").status_code == 404


def test_the_download_is_the_days_docx(day_facts, client_as):
    answer = client_as(day_facts.org_officer).get("/party/briefing/docx/?day=2020-02-10")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "2020-02-10" in answer["Content-Disposition"]
    document = docx.Document(io.BytesIO(b"".join(answer.streaming_content)))
    assert "87.5%" in _text(document)


# --- the evening message -----------------------------------------------------------------------


def test_at_nine_in_the_evening_the_leading_group_and_the_department_are_told_once(day_facts):
    with time_machine.travel(EVENING, tick=False):
        tasks.briefing_daily.call_local()
        tasks.briefing_daily.call_local()
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == ["briefing:2020-02-10:email:T4001", "briefing:2020-02-10:email:T9002"]
    body = Notification.objects.first().body
    assert "/party/briefing/?day=2020-02-10" in body and "87.5%" in body


def test_the_task_runs_at_21_00_shanghai_time():
    task = tasks.briefing_daily.task_class()
    assert task.validate_datetime(dt.datetime(2020, 2, 10, 13, 0))  # UTC
    assert not task.validate_datetime(dt.datetime(2020, 2, 10, 21, 0))


def test_nobody_to_tell_queues_nothing(world):
    Position.objects.filter(person=world.org_officer).delete()
    assert briefing_send(day=DAY, now=EVENING) == 0
    assert not Notification.objects.exists()
