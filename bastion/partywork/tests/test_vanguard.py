"""Vanguard records, member development and work reports: a branch gives its members tasks
and they complete them; members pledge the five take-the-leads; the branch observes its
activists; each committee's work report is drafted from its own records, edited, submitted,
and flagged when missing. Each in reach, out of reach and with the wrong role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bastion.accounts.models import User
from bastion.alerts.models import Alert
from bastion.checkins.models import CheckIn
from bastion.org.models import Person, PersonKind, PoliticalStatus
from bastion.partywork import development as dev
from bastion.partywork import vanguard as vg
from bastion.partywork import workreports as wr
from bastion.partywork.models import (
    ActivistObservation,
    CareCase,
    Commendation,
    DutyShift,
    ExemplaryStory,
    FrontlinePost,
    PostMember,
    ShiftState,
    StoryState,
    VanguardKind,
    VanguardRecord,
    VanguardState,
    WorkReport,
    WorkReportState,
)
from bastion.partywork.tests.conftest import NOON

pytestmark = pytest.mark.django_db

TODAY = NOON.date()


def user(person) -> User:
    return User.objects.get(person=person)


def person(world, number, name, *, status, branch=None, unit=None) -> Person:
    someone = Person.objects.create(
        number=number,
        name=name,
        kind=PersonKind.STUDENT,
        unit=unit or world.med_class,
        political_status=status,
        party_branch=branch,
    )
    User.objects.create(username=number, person=someone, must_change_password=False)
    return someone


@pytest.fixture
def activist(party):
    """张华, an activist of the 临床医学系 branch, in 李明's class."""
    return person(
        party, "2020003", "张华", status=PoliticalStatus.ACTIVIST, branch=party.med_branch
    )


@pytest.fixture
def cs_member(party):
    """钱磊, a Party member of the 计算机 branch."""
    return person(
        party,
        "2020102",
        "钱磊",
        status=PoliticalStatus.MEMBER,
        branch=party.cs_branch,
        unit=party.cs_class,
    )


def assign(world, actor=None, member=None, org=None, **extra) -> VanguardRecord:
    values = {"title": "值守一号楼入口，测温登记", "detail": "每日 8:00-12:00", "now": NOON}
    values.update(extra)
    return vg.task_assign(
        actor=user(actor or world.secretary),
        party_org=org or world.med_branch,
        person=member or world.student,
        **values,
    )


# --- tasks ------------------------------------------------------------------------------------


def test_a_branch_secretary_assigns_a_task_to_a_member_of_the_branch(party):
    record = assign(party, due_on="2020-02-12")
    assert record.kind == VanguardKind.TASK and record.state == VanguardState.ASSIGNED
    assert record.person == party.student and record.party_org == party.med_branch
    assert record.assigned_by == user(party.secretary) and record.due_on == dt.date(2020, 2, 12)


def test_a_task_for_someone_who_is_not_a_party_member_is_refused(party, activist):
    for outsider in (party.staff, activist):
        with pytest.raises(vg.VanguardRefused) as refused:
            assign(party, member=outsider)
        assert refused.value.status == 400
    assert not VanguardRecord.objects.exists()


def test_a_member_of_another_branch_is_refused(party, cs_member):
    with pytest.raises(vg.VanguardRefused) as refused:
        assign(party, actor=party.org_officer, member=cs_member)
    assert refused.value.status == 400 and cs_member.name in refused.value.message
    assert not VanguardRecord.objects.exists()


def test_a_branch_out_of_reach_is_not_found(party, cs_member):
    with pytest.raises(vg.VanguardRefused) as refused:
        assign(party, org=party.cs_branch, member=cs_member)
    assert refused.value.status == 404


def test_those_in_reach_without_the_duty_may_not_assign(party):
    for actor in (party.college_leader, party.counselor, party.grid_worker):
        with pytest.raises(vg.VanguardRefused) as refused:
            assign(party, actor=actor)
        assert refused.value.status == 403
    assert not VanguardRecord.objects.exists()


def test_the_organization_department_assigns_in_any_branch(party, cs_member):
    record = assign(party, actor=party.org_officer, org=party.cs_branch, member=cs_member)
    assert record.party_org == party.cs_branch


def test_a_committee_gives_tasks_to_the_members_of_its_branches(party):
    record = assign(party, actor=party.committee_secretary, org=party.med_committee)
    assert record.person == party.student


def test_a_member_at_a_post_of_a_temporary_organization_belongs_to_it(party, cs_member):
    from bastion.org.services import party_org_add

    temporary = party_org_add(
        parent=party.med_committee,
        code="MED-T1",
        name="发热门诊临时党支部",
        kind="temporary",
        post="发热门诊",
        started_on=dt.date(2020, 2, 1),
    )
    post = FrontlinePost.objects.create(
        name="发热门诊",
        kind="fever_clinic",
        unit=party.med,
        party_org=temporary,
        set_up_on=dt.date(2020, 2, 1),
    )
    PostMember.objects.create(post=post, person=cs_member, from_on=dt.date(2020, 2, 1))
    record = assign(party, actor=party.committee_secretary, org=temporary, member=cs_member)
    assert record.party_org == temporary
    assert vg.member_record(person=cs_member).posts[0].post == post


def test_a_task_needs_words_and_a_due_day_still_to_come(party):
    with pytest.raises(vg.VanguardRefused):
        assign(party, title="  ")
    with pytest.raises(vg.VanguardRefused):
        assign(party, due_on="2020-02-09")
    with pytest.raises(vg.VanguardRefused):
        assign(party, due_on="明天")
    assert not VanguardRecord.objects.exists()


def test_the_member_completes_their_task_with_its_outcome_and_hours(party):
    record = assign(party)
    done = vg.task_complete(
        actor=user(party.student), record=record, outcome="测温 312 人次", hours="2.5", now=NOON
    )
    assert done.state == VanguardState.DONE and done.hours == Decimal("2.5")
    assert done.completed_at == NOON and done.outcome == "测温 312 人次"


def test_the_secretary_may_record_the_completion_for_the_member(party):
    record = assign(party)
    done = vg.task_complete(
        actor=user(party.secretary), record=record, outcome="已完成", hours=3, now=NOON
    )
    assert done.state == VanguardState.DONE


def test_nobody_else_completes_a_members_task(party):
    record = assign(party)
    with pytest.raises(vg.VanguardRefused) as refused:
        vg.task_complete(
            actor=user(party.grid_worker), record=record, outcome="x", hours=1, now=NOON
        )
    assert refused.value.status == 403
    with pytest.raises(vg.VanguardRefused) as refused:
        vg.task_complete(
            actor=user(party.other_student), record=record, outcome="x", hours=1, now=NOON
        )
    assert refused.value.status == 404
    record.refresh_from_db()
    assert record.state == VanguardState.ASSIGNED


def test_a_completion_needs_an_outcome_and_sensible_hours_and_happens_once(party):
    record = assign(party)
    actor = user(party.student)
    for outcome, hours in (("", 1), ("好", "-1"), ("好", "abc"), ("好", "5000")):
        with pytest.raises(vg.VanguardRefused):
            vg.task_complete(actor=actor, record=record, outcome=outcome, hours=hours, now=NOON)
    vg.task_complete(actor=actor, record=record, outcome="好", hours="1", now=NOON)
    with pytest.raises(vg.VanguardRefused):
        vg.task_complete(actor=actor, record=record, outcome="又一次", hours="1", now=NOON)


def test_whoever_assigned_it_cancels_a_task_and_the_member_may_not(party):
    record = assign(party)
    with pytest.raises(vg.VanguardRefused) as refused:
        vg.task_cancel(actor=user(party.student), record=record, now=NOON)
    assert refused.value.status == 403
    cancelled = vg.task_cancel(
        actor=user(party.secretary), record=record, reason="改派他人", now=NOON
    )
    assert cancelled.state == VanguardState.CANCELLED and cancelled.outcome == "改派他人"


# --- pledges and services ---------------------------------------------------------------------


def test_a_member_pledges_one_of_the_five_take_the_leads_once(party):
    pledge = vg.pledge_make(actor=user(party.student), pledge="knowledge", detail="不信谣不传谣")
    assert pledge.kind == VanguardKind.PLEDGE and pledge.party_org == party.med_branch
    assert pledge.title and pledge.state == VanguardState.ASSIGNED
    with pytest.raises(vg.VanguardRefused):
        vg.pledge_make(actor=user(party.student), pledge="knowledge")
    with pytest.raises(vg.VanguardRefused):
        vg.pledge_make(actor=user(party.student), pledge="sixth")
    vg.task_cancel(actor=user(party.student), record=pledge)
    assert vg.pledge_make(actor=user(party.student), pledge="knowledge").pk != pledge.pk


def test_the_five_take_the_leads_are_five():
    assert len(vg.PLEDGES) == 5


def test_only_members_pledge(party):
    with pytest.raises(vg.VanguardRefused):
        vg.pledge_make(actor=user(party.other_student), pledge="study")
    assert not VanguardRecord.objects.exists()


def test_an_activists_volunteer_service_is_recorded_done_with_its_hours(party, activist):
    record = vg.vanguard_record(
        actor=user(party.secretary),
        party_org=party.med_branch,
        person=activist,
        kind=VanguardKind.VOLUNTEER,
        title="物资搬运",
        team="青年志愿者突击队",
        hours="4",
        now=NOON,
    )
    assert record.state == VanguardState.DONE and record.hours == Decimal(4)
    under_way = vg.vanguard_record(
        actor=user(party.secretary),
        party_org=party.med_branch,
        person=party.student,
        kind=VanguardKind.COMMANDO,
        title="隔离楼保障突击队",
        now=NOON,
    )
    assert under_way.state == VanguardState.ASSIGNED


def test_a_service_of_someone_of_the_masses_or_of_an_unknown_kind_is_refused(party):
    for who, kind in ((party.staff, VanguardKind.VOLUNTEER), (party.student, VanguardKind.TASK)):
        with pytest.raises(vg.VanguardRefused):
            vg.vanguard_record(
                actor=user(party.secretary),
                party_org=party.med_branch,
                person=who,
                kind=kind,
                title="x",
                now=NOON,
            )
    assert not VanguardRecord.objects.exists()


# --- records ------------------------------------------------------------------------------------


def test_a_members_record_counts_tasks_services_pledges_hours_and_posts(party):
    done = assign(party)
    vg.task_complete(actor=user(party.student), record=done, outcome="好", hours="2.5", now=NOON)
    assign(party, title="宿舍楼消杀")
    cancelled = assign(party, title="取消的")
    vg.task_cancel(actor=user(party.secretary), record=cancelled, now=NOON)
    vg.pledge_make(actor=user(party.student), pledge="study")
    vg.vanguard_record(
        actor=user(party.secretary),
        party_org=party.med_branch,
        person=party.student,
        kind=VanguardKind.PIONEER_POST,
        title="党员先锋岗",
        hours=6,
        now=NOON,
    )
    record = vg.member_record(person=party.student)
    assert (record.tasks, record.tasks_done, record.tasks_open) == (2, 1, 1)
    assert (record.services, record.pledges, record.hours) == (1, 1, Decimal("8.5"))
    assert len(record.records) == 5 and record.posts == []


def test_the_branch_record_gives_each_member_and_the_totals(party):
    done = assign(party)
    vg.task_complete(actor=user(party.student), record=done, outcome="好", hours="2", now=NOON)
    assign(party, member=party.grid_worker)
    record = vg.branch_record(party_org=party.med_branch, scope=scope(party.secretary), day=TODAY)
    rows = {r.person.number: r for r in record.rows}
    # The branch's members: 李明 (probationary), 刘洋, 陈静, 孙丽.
    assert set(rows) == {"2020001", "2020002", "T2001", "T2002"}
    assert (rows["2020001"].tasks_done, rows["2020001"].hours) == (1, Decimal(2))
    assert (rows["2020002"].tasks, rows["2020002"].tasks_open) == (1, 1)
    assert record.totals["tasks"] == 2 and record.totals["hours"] == Decimal(2)


def test_the_branch_record_lists_only_the_members_in_the_readers_reach(party):
    record = vg.branch_record(party_org=party.med_branch, scope=scope(party.counselor), day=TODAY)
    # The counselor reaches her class (李明, 刘洋) and herself, not the secretary.
    assert {r.person.number for r in record.rows} == {"2020001", "2020002", "T2001"}


def test_the_branch_record_takes_the_same_queries_for_few_members_or_many(party):
    reader = scope(party.secretary)
    with CaptureQueriesContext(connection) as few:
        vg.branch_record(party_org=party.med_branch, scope=reader, day=TODAY)
    for k in range(6):
        member = person(
            party, f"20209{k}", f"党员{k}", status=PoliticalStatus.MEMBER, branch=party.med_branch
        )
        assign(party, member=member)
    with CaptureQueriesContext(connection) as many:
        record = vg.branch_record(party_org=party.med_branch, scope=reader, day=TODAY)
    assert len(record.rows) == 10 and len(many) == len(few)


def scope(person_):
    from bastion.accounts.scoping import scope_of

    return scope_of(user(person_))


# --- member development -----------------------------------------------------------------------


def observe(world, person_, actor=None, branch=None, **extra):
    values = {
        "observed_on": "2020-02-09",
        "performance": "主动报名值守隔离楼，连续三天测温登记",
        "rating": "5",
        "now": NOON,
    }
    values.update(extra)
    return dev.observation_add(
        actor=user(actor or world.secretary),
        person=person_,
        branch=branch or world.med_branch,
        **values,
    )


def test_the_branch_observes_its_activist(party, activist):
    observation = observe(party, activist)
    assert observation.rating == 5 and observation.observed_on == dt.date(2020, 2, 9)
    assert observation.observer == user(party.secretary)


def test_an_observation_of_someone_who_is_not_an_activist_or_applicant_is_refused(party):
    for who in (party.student, party.staff):
        with pytest.raises(dev.DevelopmentRefused) as refused:
            observe(party, who, actor=party.org_officer)
        assert refused.value.status == 400
    assert not ActivistObservation.objects.exists()


def test_an_activist_of_another_branch_is_refused_or_out_of_reach(party):
    with pytest.raises(dev.DevelopmentRefused) as refused:
        observe(party, party.other_student)
    assert refused.value.status == 404
    with pytest.raises(dev.DevelopmentRefused) as refused:
        observe(party, party.other_student, actor=party.org_officer)
    assert refused.value.status == 400
    assert not ActivistObservation.objects.exists()


def test_observing_needs_the_duty(party, activist):
    with pytest.raises(dev.DevelopmentRefused) as refused:
        observe(party, activist, actor=party.counselor)
    assert refused.value.status == 403


def test_an_observation_needs_a_past_day_words_and_a_rating_of_one_to_five(party, activist):
    for bad in (
        {"observed_on": "2020-02-11"},
        {"performance": ""},
        {"rating": "6"},
        {"rating": ""},
    ):
        with pytest.raises(dev.DevelopmentRefused):
            observe(party, activist, **bad)
    assert not ActivistObservation.objects.exists()


def test_a_candidates_view_gathers_observations_records_duty_alerts_and_check_ins(party, activist):
    observe(party, activist, rating="4")
    observe(party, activist, rating="5", observed_on="2020-02-10")
    vg.vanguard_record(
        actor=user(party.secretary),
        party_org=party.med_branch,
        person=activist,
        kind=VanguardKind.VOLUNTEER,
        title="物资搬运",
        hours=3,
        now=NOON,
    )
    start = NOON - dt.timedelta(days=2, hours=4)
    DutyShift.objects.create(
        unit=party.med_class,
        person=activist,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        state=ShiftState.DONE,
    )
    DutyShift.objects.create(
        unit=party.med_class,
        person=activist,
        starts_at=start + dt.timedelta(days=5),
        ends_at=start + dt.timedelta(days=5, hours=8),
        state=ShiftState.PLANNED,
    )
    for k in range(10):
        CheckIn.objects.create(
            campaign=party.campaign,
            person=activist,
            day=TODAY - dt.timedelta(days=k),
            submitted_at=NOON - dt.timedelta(days=k),
            temperature=Decimal("36.5"),
            location="110108",
            on_campus=True,
        )
    Alert.objects.create(
        campaign=party.campaign,
        person=activist,
        kind="fever",
        severity="red",
        summary="体温 37.8",
        day=TODAY - dt.timedelta(days=3),
        raised_at=NOON - dt.timedelta(days=3),
    )
    view = dev.candidate_view(person=activist, now=NOON)
    assert len(view.observations) == 2 and view.rating == 4.5
    assert view.record.services == 1 and view.record.hours == Decimal(3)
    assert (view.shifts_held, view.duty_hours, len(view.shifts)) == (1, Decimal("8.0"), 2)
    assert len(view.alerts) == 1
    # The campaign started on 20 January: the window is its 22 days, not 30.
    assert (view.window_from, view.window_days, view.checkin_days) == (
        dt.date(2020, 1, 20),
        22,
        10,
    )
    assert view.checkin_rate == 45


def test_the_candidates_list_gives_each_activist_their_observations(party, activist):
    observe(party, activist, rating="3")
    rows = dev.candidates(branch=party.med_branch, scope=scope(party.secretary))
    assert [(r.person.number, r.observations, r.rating) for r in rows] == [("2020003", 1, 3.0)]


# --- work reports -------------------------------------------------------------------------------

START, END = dt.date(2020, 2, 3), dt.date(2020, 2, 9)
DUE = dt.datetime(2020, 2, 11, 17, 0, tzinfo=NOON.tzinfo)
IN_PERIOD = dt.datetime(2020, 2, 5, 9, 0, tzinfo=NOON.tzinfo)


def draft(world, org=None, now=NOON):
    report, _created = wr.work_report_draft(
        party_org=org or world.med_committee,
        period_start=START,
        period_end=END,
        due_at=DUE,
        now=now,
    )
    return report


def test_the_draft_counts_the_committees_own_records(party, cs_member):
    task = assign(party, now=IN_PERIOD)
    vg.task_complete(
        actor=user(party.student), record=task, outcome="好", hours="2.5", now=IN_PERIOD
    )
    assign(party, actor=party.org_officer, org=party.cs_branch, member=cs_member, now=IN_PERIOD)
    DutyShift.objects.create(
        unit=party.med_class,
        person=party.grid_worker,
        starts_at=IN_PERIOD,
        ends_at=IN_PERIOD + dt.timedelta(hours=8),
        state=ShiftState.DONE,
    )
    DutyShift.objects.create(
        unit=party.med_lab,
        person=party.staff,  # not a member: not among the members on duty
        starts_at=IN_PERIOD,
        ends_at=IN_PERIOD + dt.timedelta(hours=8),
        state=ShiftState.DONE,
    )
    ExemplaryStory.objects.create(
        title="逆行者",
        body="……",
        branch=party.med_branch,
        state=StoryState.PUBLISHED,
        submitted_at=IN_PERIOD,
        published_at=IN_PERIOD,
    )
    ExemplaryStory.objects.create(
        title="未发布",
        body="……",
        branch=party.med_branch,
        submitted_at=IN_PERIOD,
    )
    Commendation.objects.create(
        kind="commendation",
        person=party.student,
        citation="表现突出",
        awarded_on=dt.date(2020, 2, 6),
        recorded_at=IN_PERIOD,
    )
    CareCase.objects.create(person=party.staff, difficulty="子女无人照看", registered_at=IN_PERIOD)
    report = draft(party)
    f = report.figures
    assert (f["members"], f["probationary"], f["branches"]) == (4, 1, 1)
    assert (f["members_on_duty"], f["duty_shifts"], f["duty_hours"]) == (1, 1, 8.0)
    assert (f["tasks_done"], f["vanguard_hours"]) == (1, 2.5)
    assert (f["stories_published"], f["commendations"]) == (1, 1)
    assert (f["care_cases"], f["care_resolved"]) == (1, 0)
    assert report.state == WorkReportState.DRAFT and report.due_at == DUE
    assert party.med_committee.name in report.body and "2020" in report.body
    cs = draft(party, org=party.cs_committee).figures
    assert (cs["members"], cs["tasks_done"], cs["stories_published"]) == (1, 0, 0)


def test_drafting_again_refreshes_the_figures_and_keeps_the_committees_words(party):
    report = draft(party)
    first_body = report.body
    assign(party, member=party.grid_worker)
    again = draft(party, now=NOON + dt.timedelta(days=1))
    assert again.pk == report.pk and again.body != first_body  # untouched: drafted anew
    wr.work_report_edit(
        actor=user(party.committee_secretary), report=again, body="我们的做法……", now=NOON
    )
    kept = draft(party)
    assert kept.body == "我们的做法……"
    wr.work_report_submit(actor=user(party.committee_secretary), report=kept, body="定稿", now=NOON)
    submitted = draft(party, now=NOON + dt.timedelta(days=2))
    assert submitted.body == "定稿" and submitted.state == WorkReportState.SUBMITTED
    assert WorkReport.objects.count() == 1


def test_every_secondary_committee_gets_one_draft_however_often_it_is_asked(party):
    for _k in range(2):
        reports = wr.work_reports_draft_all(
            period_start=START, period_end=END, due_at=DUE, now=NOON
        )
    assert sorted(r.party_org.code for r in reports) == ["CS-PC", "MED-PC"]
    assert WorkReport.objects.count() == 2


def test_a_period_that_ends_before_it_starts_or_a_naive_deadline_is_refused(party):
    with pytest.raises(wr.WorkReportRefused):
        wr.work_report_draft(
            party_org=party.med_committee, period_start=END, period_end=START, due_at=DUE
        )
    with pytest.raises(wr.WorkReportRefused):
        wr.work_report_draft(
            party_org=party.med_committee,
            period_start=START,
            period_end=END,
            due_at=dt.datetime(2020, 2, 11, 17, 0),
        )
    assert not WorkReport.objects.exists()


def test_the_committees_secretary_submits_its_report(party):
    report = draft(party)
    submitted = wr.work_report_submit(
        actor=user(party.committee_secretary), report=report, body="本周情况……", now=NOON
    )
    assert submitted.state == WorkReportState.SUBMITTED and submitted.body == "本周情况……"
    assert submitted.submitted_by == user(party.committee_secretary)
    assert submitted.submitted_at == NOON and not wr.is_late(submitted, now=NOON)


def test_nobody_but_the_committees_secretary_submits_it(party):
    report = draft(party)
    for actor, status in (
        (party.college_leader, 403),  # reads it: the college's units
        (party.org_officer, 403),  # reads every report
        (party.secretary, 404),  # a branch secretary does not see the committee's
        (party.student, 404),
    ):
        with pytest.raises(wr.WorkReportRefused) as refused:
            wr.work_report_submit(actor=user(actor), report=report, body="x", now=NOON)
        assert refused.value.status == status
    report.refresh_from_db()
    assert report.state == WorkReportState.DRAFT


def test_an_empty_report_is_not_submitted(party):
    report = draft(party)
    with pytest.raises(wr.WorkReportRefused):
        wr.work_report_submit(
            actor=user(party.committee_secretary), report=report, body="  ", now=NOON
        )


def test_reports_not_submitted_past_their_deadline_are_missing(party):
    wr.work_reports_draft_all(period_start=START, period_end=END, due_at=DUE, now=NOON)
    med = WorkReport.objects.get(party_org=party.med_committee)
    wr.work_report_submit(actor=user(party.committee_secretary), report=med, body="好", now=NOON)
    assert wr.work_reports_missing(period_end=END, now=DUE - dt.timedelta(minutes=1)) == []
    missing = wr.work_reports_missing(period_end=END, now=DUE + dt.timedelta(minutes=1))
    assert [m.party_org.code for m in missing] == ["CS-PC"]


def test_a_committee_with_no_report_at_all_is_missing_once_due(party):
    draft(party)
    missing = wr.work_reports_missing(period_end=END, now=DUE + dt.timedelta(hours=1))
    assert {(m.party_org.code, m.report is None) for m in missing} == {
        ("MED-PC", False),
        ("CS-PC", True),
    }


# --- pages ------------------------------------------------------------------------------------


def test_the_branch_page_offers_the_secretary_the_form_and_the_record(party, client_as):
    assign(party)
    page = client_as(party.secretary).get("/party/branches/MED-B1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="assign-form"' in text and 'id="branch-record"' in text and "李明" in text


def test_the_branch_page_is_out_of_reach_for_others(party, client_as):
    assert client_as(party.secretary).get("/party/branches/CS-B1/").status_code == 404
    assert client_as(party.student).get("/party/branches/MED-B1/").status_code == 404
    assert client_as(party.secretary).get("/party/branches/NOPE/").status_code == 404


def test_a_reader_without_the_duty_sees_the_record_but_cannot_assign(party, client_as):
    client = client_as(party.counselor)
    page = client.get("/party/branches/MED-B1/")
    assert page.status_code == 200 and 'id="assign-form"' not in page.content.decode()
    posted = client.post("/party/branches/MED-B1/assign/", {"person": "2020001", "title": "值守"})
    assert posted.status_code == 403 and not VanguardRecord.objects.exists()


def test_a_task_is_assigned_on_the_page_and_a_non_member_is_refused_there(party, client_as):
    client = client_as(party.secretary)
    posted = client.post(
        "/party/branches/MED-B1/assign/",
        {"person": "2020001", "title": "值守一号楼", "detail": "", "due_on": ""},
    )
    assert posted.status_code == 302
    assert VanguardRecord.objects.get().person == party.student
    refused = client.post(
        "/party/branches/MED-B1/assign/", {"person": "T1001", "title": "值守一号楼"}
    )
    assert refused.status_code == 400 and VanguardRecord.objects.count() == 1
    assert "值守一号楼" in refused.content.decode()  # what was typed is kept


def test_a_member_completes_a_task_from_their_tasks_page(party, client_as):
    record = assign(party)
    client = client_as(party.student)
    page = client.get("/party/tasks/")
    assert page.status_code == 200 and record.title in page.content.decode()
    done = client.post(
        f"/party/tasks/{record.uid}/complete/", {"outcome": "测温 312 人次", "hours": "2"}
    )
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.state == VanguardState.DONE and record.hours == Decimal(2)


def test_a_refused_completion_keeps_what_the_member_typed(party, client_as):
    record = assign(party)
    page = client_as(party.student).post(
        f"/party/tasks/{record.uid}/complete/", {"outcome": "测温 312 人次", "hours": "-3"}
    )
    assert page.status_code == 400 and "测温 312 人次" in page.content.decode()


def test_anothers_task_cannot_be_completed_from_the_page(party, client_as):
    record = assign(party)
    out = client_as(party.other_student).post(
        f"/party/tasks/{record.uid}/complete/", {"outcome": "x", "hours": "1"}
    )
    assert out.status_code == 404
    wrong = client_as(party.grid_worker).post(
        f"/party/tasks/{record.uid}/complete/", {"outcome": "x", "hours": "1"}
    )
    assert wrong.status_code == 403
    record.refresh_from_db()
    assert record.state == VanguardState.ASSIGNED


def test_a_member_pledges_on_the_tasks_page(party, client_as):
    client = client_as(party.student)
    assert client.post("/party/tasks/pledge/", {"pledge": "measures"}).status_code == 302
    assert VanguardRecord.objects.get().kind == VanguardKind.PLEDGE
    assert client.post("/party/tasks/pledge/", {"pledge": "measures"}).status_code == 400


def test_a_members_record_page_is_theirs_and_their_secretarys(party, client_as):
    record = assign(party)
    vg.task_complete(actor=user(party.student), record=record, outcome="好", hours=2, now=NOON)
    own = client_as(party.student).get("/party/members/2020001/")
    assert own.status_code == 200 and record.title in own.content.decode()
    assert client_as(party.secretary).get("/party/members/2020001/").status_code == 200
    assert client_as(party.other_student).get("/party/members/2020001/").status_code == 404


def test_the_candidates_pages_are_for_the_branch_and_the_party_centre(party, activist, client_as):
    assert client_as(party.secretary).get("/party/candidates/MED-B1/").status_code == 200
    assert client_as(party.org_officer).get("/party/candidates/CS-B1/").status_code == 200
    assert client_as(party.counselor).get("/party/candidates/MED-B1/").status_code == 403
    assert client_as(party.secretary).get("/party/candidates/CS-B1/").status_code == 404
    assert client_as(party.student).get("/party/candidates/MED-B1/").status_code == 404


def test_an_observation_is_added_on_the_candidates_page(party, activist, client_as):
    client = client_as(party.secretary)
    page = client.get("/party/candidates/MED-B1/2020003/")
    assert page.status_code == 200 and 'id="observe-form"' in page.content.decode()
    posted = client.post(
        "/party/candidates/MED-B1/2020003/",
        {"observed_on": "2020-02-09", "performance": "主动值守", "rating": "4"},
    )
    assert posted.status_code == 302 and ActivistObservation.objects.get().rating == 4
    # A member is no candidate: there is no such page.
    assert client.get("/party/candidates/MED-B1/2020001/").status_code == 404


def test_the_reports_list_flags_the_missing_ones_for_the_organization_department(party, client_as):
    wr.work_reports_draft_all(period_start=START, period_end=END, due_at=DUE, now=NOON)
    page = client_as(party.org_officer).get("/party/reports/")
    text = page.content.decode()
    assert page.status_code == 200 and "医学院党委" in text and "计算机学院党委" in text
    assert text.count('class="vg-missing"') == 2  # the deadline of 2020 has long passed
    mine = client_as(party.committee_secretary).get("/party/reports/").content.decode()
    assert "医学院党委" in mine and "计算机学院党委" not in mine
    assert client_as(party.student).get("/party/reports/").status_code == 404


def test_only_the_organization_department_asks_for_the_reports(party, client_as):
    form = {"period_start": "2020-02-03", "period_end": "2020-02-09", "due_day": "2020-02-11"}
    refused = client_as(party.committee_secretary).post("/party/reports/draft/", form)
    assert refused.status_code == 403 and not WorkReport.objects.exists()
    asked = client_as(party.org_officer).post("/party/reports/draft/", form)
    assert asked.status_code == 302 and WorkReport.objects.count() == 2


def test_the_committees_secretary_edits_and_submits_the_report_on_its_page(party, client_as):
    report = draft(party)
    client = client_as(party.committee_secretary)
    page = client.get(f"/party/reports/{report.uid}/")
    assert page.status_code == 200 and 'id="report-form"' in page.content.decode()
    saved = client.post(f"/party/reports/{report.uid}/", {"action": "save", "body": "草稿"})
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.body == "草稿" and report.state == WorkReportState.DRAFT
    sent = client.post(f"/party/reports/{report.uid}/", {"action": "submit", "body": "定稿"})
    assert sent.status_code == 302
    report.refresh_from_db()
    assert report.state == WorkReportState.SUBMITTED and report.body == "定稿"


def test_a_report_is_read_in_reach_and_written_only_by_its_secretary(party, client_as):
    report = draft(party)
    leader = client_as(party.college_leader)
    page = leader.get(f"/party/reports/{report.uid}/")
    assert page.status_code == 200 and 'id="report-form"' not in page.content.decode()
    assert (
        leader.post(f"/party/reports/{report.uid}/", {"action": "submit", "body": "x"}).status_code
        == 403
    )
    assert client_as(party.org_officer).get(f"/party/reports/{report.uid}/").status_code == 200
    cs = draft(party, org=party.cs_committee)
    assert client_as(party.committee_secretary).get(f"/party/reports/{cs.uid}/").status_code == 404
    report.refresh_from_db()
    assert report.state == WorkReportState.DRAFT
