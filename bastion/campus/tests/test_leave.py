"""Leave to go out of campus: applied for by the person (or their counselor), decided by the
counselor for a student and by a unit leader for staff, never by oneself; refused in the past,
overlapping, too long or under isolation; marked out and back at the gate; one not back in
time alerts their owner once, and coming back closes it."""

import datetime as dt

import pytest
import time_machine

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.scoping import scope_of
from bastion.alerts.models import Alert
from bastion.campus import tasks
from bastion.campus.leave import (
    LeaveRefused,
    leave_apply,
    leave_current,
    leave_decide,
    leave_for,
    leave_mark_back,
    leave_mark_out,
    leave_withdraw,
    leaves_overdue_raise,
    leaves_to_decide,
    leaves_visible,
)
from bastion.campus.models import LeaveApplication
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.org.services import position_assign
from bastion.tracing.isolation import isolation_start

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))
OUT = NOW + dt.timedelta(hours=1)
BACK = NOW + dt.timedelta(hours=6)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def apply(world, campaign, person=None, actor=None, **extra) -> LeaveApplication:
    person = person or world.student
    extra.setdefault("reason", "去医院复诊")
    extra.setdefault("destination", "省人民医院")
    extra.setdefault("leaves_at", OUT)
    extra.setdefault("returns_by", BACK)
    return leave_apply(
        actor=user(actor or person), person=person, campaign=campaign, now=NOW, **extra
    )


def refused(call, *args, **kwargs) -> LeaveRefused:
    with pytest.raises(LeaveRefused) as caught:
        call(*args, **kwargs)
    return caught.value


def approved(world, campaign, **extra) -> LeaveApplication:
    leave = apply(world, campaign, **extra)
    return leave_decide(actor=user(world.counselor), leave=leave, approve=True, now=NOW)


# --- applying -----------------------------------------------------------------------------------


def test_a_student_applies_and_it_awaits_approval(world, campaign):
    leave = apply(world, campaign, division="110108")
    assert (leave.state, leave.person, leave.campaign) == ("pending", world.student, campaign)
    assert (leave.leaves_at, leave.returns_by, leave.submitted_at) == (OUT, BACK, NOW)
    assert leave.division == "110108"


def test_text_times_without_a_zone_are_shanghai_times(world, campaign):
    leave = apply(world, campaign, leaves_at="2020-02-10T10:00", returns_by="2020-02-10 15:00")
    assert (leave.leaves_at, leave.returns_by) == (OUT, BACK)


def test_an_application_in_the_past_is_refused(world, campaign):
    error = refused(apply, world, campaign, leaves_at=NOW - dt.timedelta(hours=1))
    assert error.status == 400 and ("passed" in error.message or "已过" in error.message)
    assert not LeaveApplication.objects.exists()
    # A form sent a few minutes after the time it names is not "in the past".
    assert apply(world, campaign, leaves_at=NOW - dt.timedelta(minutes=5)).state == "pending"


@pytest.mark.parametrize(
    "extra",
    [
        {"returns_by": OUT},
        {"returns_by": OUT - dt.timedelta(hours=1)},
        {"returns_by": OUT + dt.timedelta(days=30, minutes=1)},
        {"division": "999999"},
        {"reason": "  "},
        {"destination": ""},
        {"leaves_at": "tomorrow"},
        {"reason": "x" * 201},
    ],
)
def test_bad_input_is_refused_and_nothing_written(world, campaign, extra):
    assert refused(apply, world, campaign, **extra).status == 400
    assert not LeaveApplication.objects.exists()


def test_a_leave_overlapping_another_open_one_is_refused(world, campaign):
    first = apply(world, campaign)
    error = refused(
        apply,
        world,
        campaign,
        leaves_at=BACK - dt.timedelta(hours=1),
        returns_by=BACK + dt.timedelta(hours=2),
    )
    assert error.status == 409 and "10:00" in error.message
    # Back to back is no overlap, and another person's leave never is.
    apply(world, campaign, leaves_at=BACK, returns_by=BACK + dt.timedelta(hours=2))
    apply(world, campaign, person=world.grid_worker)
    # A rejected or withdrawn leave frees its time.
    leave_withdraw(actor=user(world.student), leave=first, now=NOW)
    apply(world, campaign, returns_by=BACK - dt.timedelta(hours=1))
    assert LeaveApplication.objects.count() == 4


def test_a_person_under_isolation_may_not_apply(world, campaign):
    isolation_start(actor=user(world.counselor), person=world.student, reason="从武汉返回")
    error = refused(apply, world, campaign)
    assert error.status == 400 and "李明" in error.message
    assert not LeaveApplication.objects.exists()


def test_a_retry_with_the_same_client_id_answers_the_same_leave(world, campaign):
    first = apply(world, campaign, client_id="phone-1")
    again = apply(world, campaign, client_id="phone-1", destination="别处")
    assert again.pk == first.pk and again.destination == "省人民医院"
    assert LeaveApplication.objects.count() == 1


def test_nothing_to_apply_for_without_a_running_campaign(world):
    error = refused(
        leave_apply,
        actor=user(world.student),
        person=world.student,
        campaign=None,
        reason="复诊",
        destination="医院",
        leaves_at=OUT,
        returns_by=BACK,
    )
    assert error.status == 400


def test_the_counselor_applies_for_a_student_in_reach_only(world, campaign):
    leave = apply(world, campaign, actor=world.counselor)
    assert leave.person == world.student
    theirs = refused(apply, world, campaign, person=world.other_student, actor=world.counselor)
    assert theirs.status == 404
    # A grid worker reaches the student but may not approve leave: no proxy.
    assert refused(apply, world, campaign, actor=world.grid_worker).status == 404


# --- deciding -------------------------------------------------------------------------------------


def test_the_counselor_approves_a_students_leave_and_the_student_is_told(world, campaign):
    leave = apply(world, campaign)
    leave = leave_decide(actor=user(world.counselor), leave=leave, approve=True, now=NOW)
    leave.refresh_from_db()
    assert (leave.state, leave.decided_by, leave.decided_at) == (
        "approved",
        user(world.counselor),
        NOW,
    )
    told = Notification.objects.get(recipient=world.student)
    assert "省人民医院" in told.subject and "陈静" in told.body


def test_a_rejection_says_why_and_the_student_is_told(world, campaign):
    leave = apply(world, campaign)
    actor = user(world.counselor)
    assert refused(leave_decide, actor=actor, leave=leave, approve=False, note=" ").status == 400
    leave_decide(actor=actor, leave=leave, approve=False, note="疫情期间非必要不外出", now=NOW)
    leave.refresh_from_db()
    assert (leave.state, leave.decided_note) == ("rejected", "疫情期间非必要不外出")
    assert "疫情期间非必要不外出" in Notification.objects.get(recipient=world.student).body


def test_only_a_pending_leave_is_decided(world, campaign):
    leave = approved(world, campaign)
    error = refused(
        leave_decide, actor=user(world.college_leader), leave=leave, approve=False, note="不"
    )
    assert error.status == 409
    leave.refresh_from_db()
    assert leave.state == "approved"


def test_nobody_decides_their_own_leave(world, campaign):
    leave = apply(world, campaign, person=world.college_leader)
    error = refused(leave_decide, actor=user(world.college_leader), leave=leave, approve=True)
    assert error.status == 403 and error.message
    leave.refresh_from_db()
    assert leave.state == "pending" and leave.decided_by is None
    assert leave not in leaves_to_decide(actor=user(world.college_leader))


def test_a_leave_out_of_reach_is_not_found(world, campaign):
    leave = apply(world, campaign, person=world.other_student)
    actor = user(world.counselor)
    assert refused(leave_decide, actor=actor, leave=leave, approve=True).status == 404
    assert refused(leave_for, actor, leave.uid).status == 404
    assert refused(leave_for, actor, "not-a-uid").status == 404
    leave.refresh_from_db()
    assert leave.state == "pending"


def test_one_who_sees_a_leave_without_the_right_may_not_decide_it(world, campaign):
    leave = apply(world, campaign)
    # The grid worker reaches the student, but does not approve leave.
    assert leave_for(user(world.grid_worker), leave.uid) == leave
    error = refused(leave_decide, actor=user(world.grid_worker), leave=leave, approve=True)
    assert error.status == 403
    leave.refresh_from_db()
    assert leave.state == "pending"


def test_a_staff_members_leave_is_decided_by_a_leader_of_their_unit(world, campaign):
    leave = apply(world, campaign, person=world.staff)
    assert list(leaves_to_decide(actor=user(world.lab_head))) == [leave]
    assert list(leaves_to_decide(actor=user(world.college_leader))) == [leave]
    leave_decide(actor=user(world.lab_head), leave=leave, approve=True, now=NOW)
    leave.refresh_from_db()
    assert leave.state == "approved"


def test_a_counselor_reaching_staff_may_not_decide_their_leave(world, campaign):
    position_assign(
        person=world.counselor, role=Role.COUNSELOR, over=world.med, starts_on=dt.date(2020, 1, 20)
    )
    leave = apply(world, campaign, person=world.staff)
    counselor = user(world.counselor)
    assert leave_for(counselor, leave.uid) == leave
    assert leave not in leaves_to_decide(actor=counselor)
    error = refused(leave_decide, actor=counselor, leave=leave, approve=True)
    assert error.status == 403 and ("staff" in error.message or "教职工" in error.message)
    leave.refresh_from_db()
    assert leave.state == "pending"


def test_a_leave_past_its_time_back_can_only_be_rejected(world, campaign):
    leave = apply(world, campaign)
    later = BACK + dt.timedelta(minutes=1)
    error = refused(leave_decide, actor=user(world.counselor), leave=leave, approve=True, now=later)
    assert error.status == 409


def test_the_applicant_withdraws_before_going_out_only(world, campaign):
    pending = apply(world, campaign)
    assert refused(leave_withdraw, actor=user(world.counselor), leave=pending).status == 403
    assert leave_withdraw(actor=user(world.student), leave=pending).state == "withdrawn"
    ok = approved(world, campaign)
    assert leave_withdraw(actor=user(world.student), leave=ok).state == "withdrawn"
    gone = approved(world, campaign)
    leave_mark_out(person=world.student, at=OUT)
    assert refused(leave_withdraw, actor=user(world.student), leave=gone).status == 409
    assert refused(leave_withdraw, actor=user(world.other_student), leave=gone).status == 404


def test_the_applicant_sees_their_own_leave_and_the_others_only_theirs(world, campaign):
    mine = apply(world, campaign)
    theirs = apply(world, campaign, person=world.other_student)
    assert list(leaves_visible(scope=scope_of(user(world.student)))) == [mine]
    assert list(leaves_visible(scope=scope_of(user(world.counselor)))) == [mine]
    assert set(leaves_visible(scope=scope_of(user(world.org_officer)))) == {mine, theirs}


# --- at the gate ----------------------------------------------------------------------------------


def test_the_gate_lets_out_on_the_current_approved_leave_and_in_again(world, campaign):
    assert leave_current(person=world.student, at=OUT) is None
    leave = approved(world, campaign)
    assert leave_current(person=world.student, at=NOW) is None  # two hours early
    assert leave_current(person=world.student, at=OUT - dt.timedelta(minutes=20)) == leave
    assert leave_current(person=world.student, at=BACK) is None
    gone = leave_mark_out(person=world.student, at=OUT)
    assert (gone.pk, gone.state, gone.out_at) == (leave.pk, "out", OUT)
    assert leave_mark_out(person=world.student, at=OUT) is None  # out already
    back = leave_mark_back(person=world.student, at=BACK - dt.timedelta(hours=1))
    assert (back.pk, back.state) == (leave.pk, "back")
    leave.refresh_from_db()
    assert leave.back_at == BACK - dt.timedelta(hours=1)
    assert leave_mark_back(person=world.student, at=BACK) is None


def test_no_exit_on_a_pending_leave(world, campaign):
    apply(world, campaign)
    assert leave_mark_out(person=world.student, at=OUT) is None
    assert leave_mark_back(person=world.student, at=BACK) is None


# --- overdue --------------------------------------------------------------------------------------


def test_one_not_back_in_time_alerts_their_owner_once_and_coming_back_closes_it(
    world, campaign, plan
):
    approved(world, campaign)
    leave_mark_out(person=world.student, at=OUT)
    within_grace = BACK + dt.timedelta(minutes=plan.leave_grace_minutes - 1)
    assert leaves_overdue_raise(now=within_grace) == 0
    late = BACK + dt.timedelta(minutes=plan.leave_grace_minutes + 1)
    assert leaves_overdue_raise(now=late) == 1
    assert leaves_overdue_raise(now=late + dt.timedelta(minutes=5)) == 0
    alert = Alert.objects.get(kind="leave_overdue")
    assert (alert.person, alert.severity, alert.state) == (world.student, "yellow", "open")
    assert alert.owner == world.grid_worker  # the student's usual owner
    assert "15:00" in alert.summary and "省人民医院" in alert.summary
    world.student.refresh_from_db()
    assert world.student.health_status == "green"  # late is not ill

    leave = leave_mark_back(person=world.student, at=late + dt.timedelta(minutes=10))
    assert leave.state == "back"
    alert.refresh_from_db()
    assert alert.state == "closed" and alert.closed_at == late + dt.timedelta(minutes=10)
    assert leaves_overdue_raise(now=late + dt.timedelta(hours=1)) == 0


def test_nobody_is_overdue_who_never_went_out_or_without_a_campaign(world, campaign):
    approved(world, campaign)
    assert leaves_overdue_raise(now=BACK + dt.timedelta(hours=2)) == 0
    campaign.is_active = False
    campaign.save(update_fields=["is_active"])
    assert leaves_overdue_raise(now=BACK + dt.timedelta(hours=2)) == 0


def test_the_grace_defaults_to_half_an_hour_without_a_plan(world, campaign):
    approved(world, campaign)
    leave_mark_out(person=world.student, at=OUT)
    assert leaves_overdue_raise(now=BACK + dt.timedelta(minutes=29)) == 0
    assert leaves_overdue_raise(now=BACK + dt.timedelta(minutes=31)) == 1


def test_the_overdue_tick_runs_every_five_minutes(world, campaign):
    approved(world, campaign)
    leave_mark_out(person=world.student, at=OUT)
    task = tasks.leaves_overdue_tick.task_class()
    assert task.validate_datetime(dt.datetime(2020, 2, 10, 7, 5))
    assert not task.validate_datetime(dt.datetime(2020, 2, 10, 7, 3))
    with time_machine.travel(BACK + dt.timedelta(hours=1), tick=False):
        assert tasks.leaves_overdue_tick.call_local() == 1
    assert Alert.objects.filter(kind="leave_overdue", person=world.student).count() == 1


# --- pages ----------------------------------------------------------------------------------------

FORM = {
    "reason": "去医院复诊",
    "destination": "省人民医院",
    "province": "110000",
    "city": "110100",
    "county": "110108",
    "leaves_at": "2020-02-10T10:00",
    "returns_by": "2020-02-10T15:00",
    "client_id": "form-1",
}


def test_my_leave_page_shows_the_form_and_my_applications(world, campaign, client_as):
    apply(world, campaign)
    page = client_as(world.student).get("/campus/leave/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="datetime-local"' in html and "省人民医院" in html
    assert 'action="/campus/leave/' in html  # the withdraw button


def test_a_student_applies_from_the_page(world, campaign, client_as):
    client = client_as(world.student)
    answer = client.post("/campus/leave/", FORM)
    assert answer.status_code == 302
    leave = LeaveApplication.objects.get()
    assert (leave.person, leave.division, leave.leaves_at) == (world.student, "110108", OUT)
    client.post("/campus/leave/", FORM)  # the same form sent twice
    assert LeaveApplication.objects.count() == 1


def test_the_page_shows_a_refusal_beside_the_form(world, campaign, client_as):
    answer = client_as(world.student).post(
        "/campus/leave/", FORM | {"leaves_at": "2020-02-10T07:00", "client_id": "form-2"}
    )
    assert answer.status_code == 400
    assert 'role="alert"' in answer.content.decode()
    assert not LeaveApplication.objects.exists()


def test_the_counselor_applies_for_a_student_in_reach_from_the_page(world, campaign, client_as):
    client = client_as(world.counselor)
    assert client.get("/campus/leave/?person=2020001").status_code == 200
    assert client.post("/campus/leave/?person=2020001", FORM).status_code == 302
    assert LeaveApplication.objects.get().person == world.student
    assert client.get("/campus/leave/?person=2020101").status_code == 404  # out of reach
    grid = client_as(world.grid_worker)
    assert grid.get("/campus/leave/?person=2020001").status_code == 404  # wrong role


def test_the_applicant_withdraws_from_the_page(world, campaign, client_as):
    leave = apply(world, campaign)
    answer = client_as(world.student).post(f"/campus/leave/{leave.uid}/withdraw/")
    assert answer.status_code == 302
    leave.refresh_from_db()
    assert leave.state == "withdrawn"
    other = apply(world, campaign, person=world.other_student)
    assert client_as(world.student).post(f"/campus/leave/{other.uid}/withdraw/").status_code == 404


def test_the_queue_lists_the_pending_leave_in_reach(world, campaign, client_as):
    apply(world, campaign)
    apply(world, campaign, person=world.other_student, destination="福建")
    page = client_as(world.counselor).get("/campus/leave/queue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "李明" in html and "王芳" not in html


def test_the_queue_is_not_there_for_those_who_do_not_approve_leave(world, campaign, client_as):
    apply(world, campaign)
    for person in (world.student, world.grid_worker, world.org_officer):
        assert client_as(person).get("/campus/leave/queue/").status_code == 404


def test_the_queue_highlights_those_out_and_overdue(world, campaign, client_as):
    approved(world, campaign)
    leave_mark_out(person=world.student, at=OUT)
    with time_machine.travel(BACK + dt.timedelta(hours=1), tick=False):
        html = client_as(world.counselor).get("/campus/leave/queue/").content.decode()
    assert 'class="overdue"' in html and "李明" in html


def test_the_counselor_approves_and_rejects_from_the_queue(world, campaign, client_as):
    leave = apply(world, campaign)
    client = client_as(world.counselor)
    answer = client.post(f"/campus/leave/{leave.uid}/decide/", {"decision": "reject"})
    assert answer.status_code == 400 and 'role="alert"' in answer.content.decode()
    answer = client.post(f"/campus/leave/{leave.uid}/decide/", {"decision": "approve"})
    assert answer.status_code == 302
    leave.refresh_from_db()
    assert leave.state == "approved"


def test_deciding_from_the_page_out_of_reach_or_without_the_right(world, campaign, client_as):
    theirs = apply(world, campaign, person=world.other_student)
    answer = client_as(world.counselor).post(
        f"/campus/leave/{theirs.uid}/decide/", {"decision": "approve"}
    )
    assert answer.status_code == 404
    own = apply(world, campaign, person=world.college_leader)
    answer = client_as(world.college_leader).post(
        f"/campus/leave/{own.uid}/decide/", {"decision": "approve"}
    )
    assert answer.status_code == 403
    mine = apply(world, campaign)
    answer = client_as(world.grid_worker).post(
        f"/campus/leave/{mine.uid}/decide/", {"decision": "approve"}
    )
    assert answer.status_code == 404
    assert set(LeaveApplication.objects.values_list("state", flat=True)) == {"pending"}


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api():
    """The API under /api/v1/."""
    return "/api/v1"


BODY = {
    "reason": "去医院复诊",
    "destination": "省人民医院",
    "division": "110108",
    "leaves_at": "2020-02-10T10:00:00+08:00",
    "returns_by": "2020-02-10T15:00:00+08:00",
    "client_id": "app-1",
}


def test_the_api_applies_and_answers_a_retry(world, campaign, bearer, api):
    client = bearer(world.student)
    first = client.post(f"{api}/leave", BODY, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["state"] == "pending" and first.json()["person"] == "2020001"
    again = client.post(f"{api}/leave", BODY, content_type="application/json")
    assert again.status_code == 200 and again.json()["uid"] == first.json()["uid"]
    assert LeaveApplication.objects.count() == 1


def test_the_api_refuses_bad_input_with_the_reason(world, campaign, bearer, api):
    client = bearer(world.student)
    past = BODY | {"leaves_at": "2020-02-10T08:00:00+08:00", "client_id": ""}
    answer = client.post(f"{api}/leave", past, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["detail"]
    apply(world, campaign)
    answer = client.post(f"{api}/leave", BODY | {"client_id": ""}, content_type="application/json")
    assert answer.status_code == 409
    answer = client.post(
        f"{api}/leave", BODY | {"person": "2020101"}, content_type="application/json"
    )
    assert answer.status_code == 404


def test_the_api_lists_mine_and_those_in_reach(world, campaign, bearer, api, gate_keeper):
    mine = apply(world, campaign)
    apply(world, campaign, person=world.other_student)
    listed = bearer(world.student).get(f"{api}/leave").json()
    assert [item["uid"] for item in listed["items"]] == [str(mine.uid)]
    listed = bearer(world.counselor).get(f"{api}/leave?to_decide=true").json()
    assert [item["uid"] for item in listed["items"]] == [str(mine.uid)]
    assert bearer(gate_keeper).get(f"{api}/leave").json()["count"] == 0
    assert bearer(world.student).get(f"{api}/leave?state=nonsense").status_code == 400


def test_the_api_decides_in_reach_only_and_never_ones_own(world, campaign, bearer, api):
    leave = apply(world, campaign)
    url = f"{api}/leave/{leave.uid}/decision"

    def decide(person, approve: bool = True):
        body = {"approve": approve}
        return bearer(person).post(url, body, content_type="application/json")

    assert decide(world.other_student).status_code == 404
    assert decide(world.student).status_code == 403
    assert decide(world.grid_worker).status_code == 403
    assert decide(world.counselor, approve=False).status_code == 400
    answer = decide(world.counselor)
    assert answer.status_code == 200 and answer.json()["state"] == "approved"
    assert answer.json()["decided_by"] == "T2001"
    assert decide(world.counselor).status_code == 409


def test_the_api_withdraws_ones_own(world, campaign, bearer, api):
    leave = apply(world, campaign)
    url = f"{api}/leave/{leave.uid}/withdraw"
    assert bearer(world.counselor).post(url).status_code == 403
    answer = bearer(world.student).post(url)
    assert answer.status_code == 200 and answer.json()["state"] == "withdrawn"
