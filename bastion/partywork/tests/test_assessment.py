"""Cadre assessment (R15), commendation and accountability (R16), discipline inspection (R17).

周伟, the college leader of 医学院, is the cadre assessed; his college has one daily report
(on time), one alert (acknowledged after two hours, closed after three), one case, a plan, and
he held one eight-hour shift. The Organization Department and the leading group assess; a
college leader sees nothing of it. Discipline cases exist for discipline inspection alone.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bastion.accounts.models import User
from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.campus.plans import plan_version_add
from bastion.checkins.models import CheckIn
from bastion.checkins.services import checkin_submit
from bastion.lib.days import at
from bastion.org.models import Position
from bastion.partywork.assessment import (
    DEFAULT_CRITERIA,
    AssessmentRefused,
    assessment_record,
    cadre_evidence,
    cadre_units,
    is_cadre,
    rubric_current,
    rubric_update,
)
from bastion.partywork.discipline import (
    DisciplineRefused,
    commendation_record,
    discipline_case_close,
    discipline_case_open,
)
from bastion.partywork.models import (
    AssessmentRubric,
    CadreAssessment,
    Commendation,
    DisciplinaryAction,
    DisciplineCase,
    DutyShift,
    ShiftState,
)
from bastion.reports.counts import unit_day_counts_refresh
from bastion.reports.services import daily_report_submit
from bastion.tracing.models import Case

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 2, 10)  # the campaign's 22nd day (it started on 2020-01-20)
NOON = at(DAY, dt.time(12, 0))
ALL_FIVES = {c["code"]: "5" for c in DEFAULT_CRITERIA}


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


@pytest.fixture
def med_facts(party):
    """What Bastion holds on 医学院 by noon: the facts the evidence is computed from."""
    w = party
    daily_report_submit(
        actor=user(w.college_leader),
        unit=w.med,
        day=DAY,
        is_zero=False,
        now=at(DAY, dt.time(10, 0)),
    )
    checkin_submit(
        actor=user(w.student),
        person=w.student,
        campaign=w.campaign,
        temperature="36.5",
        location="110108",
        on_campus=True,
        now=at(DAY, dt.time(8, 0)),
    )
    unit_day_counts_refresh(campaign=w.campaign, day=DAY)
    Alert.objects.create(
        campaign=w.campaign,
        person=w.grid_worker,
        kind="fever",
        severity="red",
        summary="体温37.8℃",
        day=DAY,
        raised_at=at(DAY, dt.time(7, 0)),
        acknowledged_at=at(DAY, dt.time(9, 0)),
        closed_at=at(DAY, dt.time(10, 0)),
        state=AlertState.CLOSED,
    )
    Alert.objects.create(  # of another college: not his
        campaign=w.campaign,
        person=w.other_student,
        kind="fever",
        severity="red",
        summary="体温38.1℃",
        day=DAY,
        raised_at=at(DAY, dt.time(7, 0)),
    )
    Case.objects.create(
        campaign=w.campaign,
        person=w.staff,
        discovered_at=at(DAY - dt.timedelta(days=1), dt.time(10, 0)),
        reported_at=at(DAY - dt.timedelta(days=1), dt.time(12, 0)),
        isolated_at=at(DAY - dt.timedelta(days=1), dt.time(16, 0)),
        status_changed_at=at(DAY - dt.timedelta(days=1), dt.time(10, 0)),
    )
    DutyShift.objects.create(
        unit=w.med,
        person=w.college_leader,
        starts_at=at(DAY - dt.timedelta(days=1), dt.time(8, 0)),
        ends_at=at(DAY - dt.timedelta(days=1), dt.time(16, 0)),
        state=ShiftState.DONE,
    )
    DutyShift.objects.create(  # someone else's shift
        unit=w.med,
        person=w.counselor,
        starts_at=at(DAY - dt.timedelta(days=1), dt.time(8, 0)),
        ends_at=at(DAY - dt.timedelta(days=1), dt.time(16, 0)),
        state=ShiftState.DONE,
    )
    plan_version_add(
        actor=user(w.college_leader),
        unit=w.med,
        campaign=w.campaign,
        title="医学院疫情防控工作预案",
        vacation_on=dt.date(2020, 1, 20),
        travel_return_on=dt.date(2020, 2, 15),
        semester_starts_on=dt.date(2020, 3, 1),
        summary="一、组织领导",
        now=at(DAY, dt.time(9, 0)),
    )
    return w


# --- who is a cadre, which units -------------------------------------------------------------


def test_cadres_are_the_holders_of_the_five_leading_positions(party):
    w = party
    for person in (w.college_leader, w.secretary, w.counselor, w.lab_head, w.leader):
        assert is_cadre(person, DAY), person.name
    for person in (w.student, w.grid_worker, w.org_officer, w.inspector, w.staff):
        assert not is_cadre(person, DAY), person.name
    Position.objects.filter(person=w.lab_head).update(ends_on=DAY - dt.timedelta(days=1))
    assert not is_cadre(w.lab_head, DAY)


def test_a_party_secretary_leads_the_units_his_organization_leads(party):
    w = party
    assert cadre_units(cadre=w.committee_secretary, day=DAY) == [w.med]
    assert cadre_units(cadre=w.secretary, day=DAY) == [w.med_dept]
    assert cadre_units(cadre=w.college_leader, day=DAY) == [w.med]
    assert cadre_units(cadre=w.counselor, day=DAY) == [w.med_class]


# --- the evidence ----------------------------------------------------------------------------


def test_the_evidence_is_computed_from_the_cadres_units(med_facts, django_assert_max_num_queries):
    w = med_facts
    with django_assert_max_num_queries(12):
        ev = cadre_evidence(cadre=w.college_leader, today=DAY)
    assert [u["code"] for u in ev["units"]] == ["MED"]
    assert ev["reports"]["units"] == 1  # the college reports; its department, class, lab do not
    assert (ev["reports"]["expected"], ev["reports"]["received"]) == (22, 1)
    assert ev["reports"]["on_time"] == 1
    assert ev["reports"]["completeness"] == ev["reports"]["timeliness"] == 4.5
    assert ev["alerts"]["count"] == 1 and ev["alerts"]["open"] == 0
    assert ev["alerts"]["ack_median_hours"] == 2.0
    assert ev["alerts"]["close_median_hours"] == 3.0
    people = ev["coverage"]["expected"]
    assert people == 8 and ev["coverage"]["checked_in"] == 1
    assert ev["coverage"]["pct"] == 12.5
    assert ev["four_earlies"] == {
        "cases": 1,
        "report_median_hours": 2.0,
        "isolate_median_hours": 6.0,
        "treat_median_hours": None,
    }
    assert ev["duty"] == {"done": 1, "hours": 8.0, "missed": 0, "planned": 0}
    assert ev["plans"] == [
        {
            "code": "MED",
            "name": "医学院",
            "current": True,
            "version": 1,
            "uploaded_on": "2020-02-10",
        }
    ]


def test_a_unit_without_a_plan_shows_it_lacks_one(party):
    ev = cadre_evidence(cadre=party.counselor, today=DAY)
    assert [(p["code"], p["current"]) for p in ev["plans"]] == [("MED-C1", False)]
    assert ev["reports"]["units"] == 0 and ev["reports"]["completeness"] is None


# --- the pages -------------------------------------------------------------------------------


def test_the_org_department_opens_a_cadres_page_with_the_rubric_and_the_evidence(
    med_facts, client_as
):
    w = med_facts
    response = client_as(w.org_officer).get(
        reverse("partywork:cadre", args=[w.college_leader.number])
    )
    assert response.status_code == 200
    page = response.content.decode()
    for criterion in DEFAULT_CRITERIA:
        assert criterion["label"] in page
        assert f'name="rating_{criterion["code"]}"' in page
    assert "靠前指挥" in page
    assert 'id="evidence"' in page and "医学院" in page
    ev = response.context["ev"]
    assert ev["reports"]["completeness"] == 4.5 and ev["duty"]["done"] == 1
    assert ev["alerts"]["ack_median_hours"] == 2.0


def test_the_cadre_list_shows_cadres_and_not_others(party, client_as):
    w = party
    response = client_as(w.org_officer).get(reverse("partywork:cadres"))
    assert response.status_code == 200
    names = {person.name for person, _positions in response.context["rows"]}
    assert {"周伟", "陈静", "孙丽", "冯涛", "何平", "高峰"} <= names
    assert not names & {"李明", "吴敏", "韩刚", "赵强"}


@pytest.mark.parametrize(
    "who", ["college_leader", "committee_secretary", "counselor", "inspector", "student"]
)
def test_assessment_pages_are_404_to_everyone_but_the_assessors(party, client_as, who):
    w = party
    other = w.counselor if who == "college_leader" else w.college_leader
    assessment = assessment_record(
        actor=user(w.org_officer), cadre=other, ratings=ALL_FIVES, notes="", now=NOON
    )
    client = client_as(getattr(w, who))
    for url in (
        reverse("partywork:cadres"),
        reverse("partywork:cadre", args=[other.number]),
        reverse("partywork:cadre", args=[getattr(w, who).number]),
        reverse("partywork:rubric"),
        reverse("partywork:assessment", args=[assessment.uid]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("partywork:cadre", args=[other.number]), {"rating_timely": "1"})
    assert response.status_code == 404
    assert CadreAssessment.objects.count() == 1


def test_the_leading_group_records_an_assessment_with_its_evidence(med_facts, client_as):
    w = med_facts
    form = {f"rating_{code}": value for code, value in ALL_FIVES.items()}
    form["rating_opinion"] = "3"
    form["notes"] = "坚守岗位，靠前指挥。\n舆情应对稍慢。"
    response = client_as(w.leader).post(
        reverse("partywork:cadre", args=[w.college_leader.number]), form
    )
    assessment = CadreAssessment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("partywork:assessment", args=[assessment.uid])
    assert assessment.cadre == w.college_leader and assessment.assessor == user(w.leader)
    assert assessment.ratings["opinion"] == 3 and assessment.ratings["timely"] == 5
    assert assessment.notes.splitlines() == ["坚守岗位，靠前指挥。", "舆情应对稍慢。"]
    assert assessment.evidence["reports"]["received"] == 1
    assert assessment.evidence["duty"]["hours"] == 8.0
    detail = client_as(w.org_officer).get(response.url)
    assert detail.status_code == 200 and detail.context["score"] == 4.7
    cadre_page = client_as(w.org_officer).get(
        reverse("partywork:cadre", args=[w.college_leader.number])
    )
    assert [a.uid for a in cadre_page.context["past"]] == [assessment.uid]


def test_assessing_someone_who_is_not_a_cadre_is_refused_and_nothing_written(party, client_as):
    w = party
    with pytest.raises(AssessmentRefused) as caught:
        assessment_record(actor=user(w.org_officer), cadre=w.staff, ratings=ALL_FIVES, now=NOON)
    assert caught.value.status == 400 and "赵强" in caught.value.message
    form = {f"rating_{code}": value for code, value in ALL_FIVES.items()}
    response = client_as(w.org_officer).post(
        reverse("partywork:cadre", args=[w.student.number]), form
    )
    assert response.status_code == 400
    assert CadreAssessment.objects.count() == 0


def test_a_criterion_not_rated_or_out_of_range_is_refused(party):
    w = party
    for ratings in (
        {**ALL_FIVES, "timely": ""},
        {**ALL_FIVES, "timely": "6"},
        {**ALL_FIVES, "timely": "x"},
        {**ALL_FIVES, "unknown": "3"},
    ):
        with pytest.raises(AssessmentRefused) as caught:
            assessment_record(
                actor=user(w.org_officer), cadre=w.college_leader, ratings=ratings, now=NOON
            )
        assert caught.value.status == 400
    assert CadreAssessment.objects.count() == 0


def test_nobody_assesses_themselves_and_a_college_leader_assesses_nobody(party):
    w = party
    with pytest.raises(AssessmentRefused) as caught:
        assessment_record(actor=user(w.leader), cadre=w.leader, ratings=ALL_FIVES, now=NOON)
    assert caught.value.status == 403
    with pytest.raises(AssessmentRefused) as caught:
        assessment_record(
            actor=user(w.college_leader), cadre=w.counselor, ratings=ALL_FIVES, now=NOON
        )
    assert caught.value.status == 403
    assert CadreAssessment.objects.count() == 0


# --- the rubric ------------------------------------------------------------------------------


def test_the_rubric_is_the_seeds_criteria_until_the_university_edits_it(party, client_as):
    w = party
    first = rubric_current()
    assert [c["code"] for c in first.criteria] == [c["code"] for c in DEFAULT_CRITERIA]
    assert rubric_current() == first
    done = assessment_record(
        actor=user(w.org_officer), cadre=w.college_leader, ratings=ALL_FIVES, now=NOON
    )
    criteria = [dict(c) for c in first.criteria[:2]] + [{"label": "带头值班值守", "weight": "2"}]
    response = client_as(w.org_officer).post(
        reverse("partywork:rubric"),
        {
            "code": [c.get("code", "") for c in criteria] + [""],
            "label": [c["label"] for c in criteria] + [""],
            "weight": [str(c["weight"]) for c in criteria] + ["1"],
        },
    )
    assert response.status_code == 302
    second = rubric_current()
    assert second.pk != first.pk
    assert [c["label"] for c in second.criteria][-1] == "带头值班值守"
    assert second.criteria[-1]["weight"] == 2 and second.criteria[-1]["code"]
    first.refresh_from_db()
    assert not first.is_active
    done.refresh_from_db()
    assert done.rubric == first  # rated by the criteria of its day
    ratings = {c["code"]: 4 for c in second.criteria}
    again = assessment_record(
        actor=user(w.org_officer), cadre=w.college_leader, ratings=ratings, now=NOON
    )
    assert again.rubric == second


def test_a_rubric_edit_is_refused_when_empty_or_by_a_college_leader(party):
    w = party
    rubric_current()
    with pytest.raises(AssessmentRefused) as caught:
        rubric_update(actor=user(w.org_officer), criteria=[{"label": "", "weight": 1}])
    assert caught.value.status == 400
    with pytest.raises(AssessmentRefused) as caught:
        rubric_update(actor=user(w.org_officer), criteria=[{"label": "担当", "weight": 0}])
    assert caught.value.status == 400
    with pytest.raises(AssessmentRefused) as caught:
        rubric_update(actor=user(w.college_leader), criteria=[{"label": "担当", "weight": 1}])
    assert caught.value.status == 403
    assert AssessmentRubric.objects.count() == 1


# --- commendation and accountability ---------------------------------------------------------


def test_the_org_department_records_a_commendation_and_a_talk(party, client_as):
    w = party
    client = client_as(w.org_officer)
    url = reverse("partywork:commendations")
    response = client.post(
        url,
        {
            "what": "commendation",
            "kind": "commendation",
            "person": w.counselor.number,
            "citation": "坚守一线三十天",
            "on": "2020-02-10",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "what": "action",
            "kind": "talk",
            "person": w.lab_head.number,
            "reason": "实验室人员排查不到位",
            "on": "2020-02-10",
        },
    )
    assert response.status_code == 302
    commendation = Commendation.objects.get()
    assert commendation.person == w.counselor and commendation.recorded_by == user(w.org_officer)
    action = DisciplinaryAction.objects.get()
    assert (action.person, action.kind) == (w.lab_head, "talk")
    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["commendations"]) == [commendation]
    assert list(page.context["actions"]) == [action]


def test_commendations_of_a_party_organization_and_bad_input(party, client_as):
    w = party
    done = commendation_record(
        actor=user(w.leader),
        kind="commendation",
        party_org=w.med_branch,
        citation="战斗堡垒",
        awarded_on=DAY,
        now=NOON,
    )
    assert done.party_org == w.med_branch and done.person is None
    for extra in (
        {},  # nobody named
        {"person": w.counselor, "party_org": w.med_branch},  # both
    ):
        with pytest.raises(DisciplineRefused) as caught:
            commendation_record(
                actor=user(w.leader),
                kind="commendation",
                citation="x",
                awarded_on=DAY,
                now=NOON,
                **extra,
            )
        assert caught.value.status == 400
    with pytest.raises(DisciplineRefused) as caught:
        commendation_record(
            actor=user(w.leader),
            kind="commendation",
            person=w.counselor,
            citation="x",
            awarded_on=DAY + dt.timedelta(days=1),
            now=NOON,
        )
    assert caught.value.status == 400
    response = client_as(w.org_officer).post(
        reverse("partywork:commendations"),
        {"what": "action", "kind": "talk", "person": "NOBODY", "reason": "x", "on": "2020-02-10"},
    )
    assert response.status_code == 400
    assert Commendation.objects.count() == 1 and DisciplinaryAction.objects.count() == 0


@pytest.mark.parametrize("who", ["college_leader", "inspector", "student", "committee_secretary"])
def test_commendations_are_404_and_refused_to_those_without_the_right(party, client_as, who):
    w = party
    actor = getattr(w, who)
    assert client_as(actor).get(reverse("partywork:commendations")).status_code == 404
    with pytest.raises(DisciplineRefused) as caught:
        commendation_record(
            actor=user(actor),
            kind="commendation",
            person=w.counselor,
            citation="x",
            awarded_on=DAY,
            now=NOON,
        )
    assert caught.value.status == 403
    assert Commendation.objects.count() == 0


# --- discipline inspection -------------------------------------------------------------------


@pytest.fixture
def edited_checkin(party) -> CheckIn:
    """李明 checked in at 37.6 ℃, then changed it to 36.5 ℃ an hour later."""
    w = party
    for hour, temperature in ((7, "37.6"), (8, "36.5")):
        result = checkin_submit(
            actor=user(w.student),
            person=w.student,
            campaign=w.campaign,
            temperature=temperature,
            location="110108",
            on_campus=True,
            now=at(DAY, dt.time(hour, 0)),
        )
    return result.checkin


def test_the_inspector_opens_a_case_with_the_edited_checkin_and_its_history(
    party, edited_checkin, client_as
):
    w = party
    alert = Alert.objects.get(person=w.student)  # raised by the 37.6 ℃, closed by the 36.5 ℃
    client = client_as(w.inspector)
    page = client.get(reverse("partywork:discipline_open"), {"person": w.student.number})
    assert page.status_code == 200
    assert f"checkin:{edited_checkin.uid}" in {r.ref for r in page.context["records"]}
    refs = [f"checkin:{edited_checkin.uid}", f"alert:{alert.uid}"]
    response = client.post(
        reverse("partywork:discipline_open"),
        {
            "person": w.student.number,
            "kind": "falsification",
            "summary": "打卡体温被修改",
            "ref": refs,
        },
    )
    case = DisciplineCase.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("partywork:discipline_case", args=[case.uid])
    assert case.opened_by == user(w.inspector) and case.is_open
    checkin = next(e for e in case.evidence if e["kind"] == "checkin")
    temperatures = [v["values"]["temperature"] for v in checkin["versions"]]
    assert temperatures == ["37.6", "36.5"]
    assert [v["revision"] for v in checkin["versions"]] == [1, 2]
    assert checkin["versions"][0]["values"]["submitted_by"] == "李明（2020001）"
    captured = next(e for e in case.evidence if e["kind"] == "alert")
    assert captured["events"][0]["action"] == AlertEvent.Action.RAISED
    detail = client.get(response.url)
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "37.6" in page and "36.5" in page and "<mark>" in page
    closed = client.post(
        reverse("partywork:discipline_close", args=[case.uid]), {"conclusion": "批评教育"}
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    assert not case.is_open and case.conclusion == "批评教育" and case.closed_at == NOON
    with pytest.raises(DisciplineRefused) as caught:
        discipline_case_close(actor=user(w.inspector), case=case, conclusion="again", now=NOON)
    assert caught.value.status == 409


@pytest.mark.parametrize(
    "who", ["org_officer", "leader", "college_leader", "committee_secretary", "student"]
)
def test_discipline_cases_are_404_to_everyone_but_the_inspector(party, client_as, who):
    w = party
    case = discipline_case_open(
        actor=user(w.inspector),
        person=w.college_leader,
        kind="dereliction",
        summary="值班脱岗",
        now=NOON,
    )
    client = client_as(getattr(w, who))
    for url in (
        reverse("partywork:discipline_cases"),
        reverse("partywork:discipline_open"),
        reverse("partywork:discipline_case", args=[case.uid]),
    ):
        assert client.get(url).status_code == 404, url
    close = client.post(reverse("partywork:discipline_close", args=[case.uid]), {"conclusion": "x"})
    assert close.status_code == 404
    opened = client.post(
        reverse("partywork:discipline_open"),
        {"person": w.counselor.number, "kind": "rumours", "summary": "x"},
    )
    assert opened.status_code == 404
    case.refresh_from_db()
    assert case.is_open and DisciplineCase.objects.count() == 1


@pytest.mark.parametrize("who", ["org_officer", "leader", "college_leader", "secretary"])
def test_opening_a_case_by_anyone_else_is_refused_and_nothing_written(party, who):
    w = party
    with pytest.raises(DisciplineRefused) as caught:
        discipline_case_open(
            actor=user(getattr(w, who)),
            person=w.student,
            kind="rumours",
            summary="在群里传播谣言",
            now=NOON,
        )
    assert caught.value.status == 403
    assert DisciplineCase.objects.count() == 0


def test_evidence_must_be_the_persons_own_records(party, edited_checkin):
    w = party
    for refs in (
        [f"checkin:{edited_checkin.uid}"],  # 李明's, not 刘洋's
        ["checkin:not-a-uid"],
        [f"trip:{edited_checkin.uid}"],
    ):
        with pytest.raises(DisciplineRefused) as caught:
            discipline_case_open(
                actor=user(w.inspector),
                person=w.grid_worker,
                kind="falsification",
                summary="x",
                evidence_refs=refs,
                now=NOON,
            )
        assert caught.value.status == 400
    assert DisciplineCase.objects.count() == 0


def test_the_inspector_lists_only_cases_and_a_daily_report_can_be_evidence(party, client_as):
    w = party
    report = daily_report_submit(
        actor=user(w.college_leader),
        unit=w.med,
        day=DAY,
        is_zero=False,
        now=at(DAY, dt.time(10, 0)),
    ).report
    case = discipline_case_open(
        actor=user(w.inspector),
        person=w.college_leader,
        kind="poor_implementation",
        summary="日报数字与实际不符",
        evidence_refs=[{"kind": "daily_report", "uid": str(report.uid)}],
        now=NOON,
    )
    assert case.evidence[0]["unit"]["code"] == "MED"
    assert case.evidence[0]["values"]["is_late"] is False
    listing = client_as(w.inspector).get(reverse("partywork:discipline_cases"))
    assert listing.status_code == 200 and list(listing.context["cases"]) == [case]
    detail = client_as(w.inspector).get(reverse("partywork:discipline_case", args=[case.uid]))
    assert detail.status_code == 200 and "医学院" in detail.content.decode()
