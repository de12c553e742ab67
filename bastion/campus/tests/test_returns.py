"""Return to campus: applications sorted by the conditions, the clear ones approved in one
action, the held ones reviewed one by one by the counselor and then the college."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.campus.models import ReturnApplication, ReturnReview, ReturnState
from bastion.campus.returns import (
    ReturnRefused,
    applications_sort,
    return_apply,
    return_review,
    returns_approve_clear,
)
from bastion.campus.tests.conftest import NOON, TODAY, clean_days
from bastion.tracing.models import Trip

pytestmark = pytest.mark.django_db


def user(person):
    return User.objects.get(person=person)


def apply(world, campaign, person, **extra):
    values = {
        "planned_on": TODAY + dt.timedelta(days=2),
        "origin": "110108",
        "transport": "train",
        "number": "g 1234",
        "now": NOON,
    }
    values.update(extra)
    return return_apply(actor=user(person), person=person, campaign=campaign, **values)


def back_from_hubei(person, day=TODAY - dt.timedelta(days=3)):
    Trip.objects.create(
        person=person,
        origin="420102",
        destination="110108",
        departs_on=day,
        arrives_on=day,
        transport="train",
        source="self",
        registered_at=NOON,
    )


def test_a_student_with_fourteen_clean_days_is_clear_and_approved_in_bulk(world, campaign, plan):
    clean_days(world.student, campaign)
    application = apply(world, campaign, world.student)
    assert application.unmet == [] and application.number == "G1234"
    approved, held = returns_approve_clear(actor=user(world.counselor), campaign=campaign, now=NOON)
    application.refresh_from_db()
    assert (approved, held) == (1, 0)
    assert application.state == ReturnState.APPROVED
    assert application.scheduled_on == TODAY + dt.timedelta(days=2)
    assert application.reviews.get().stage == ReturnReview.Stage.BULK


def test_one_back_from_a_key_area_is_held_with_the_reason(world, campaign, plan):
    clean_days(world.student, campaign)
    back_from_hubei(world.student)
    application = apply(world, campaign, world.student)
    assert [u["code"] for u in application.unmet] == ["key_area"]
    assert "湖北省" in application.unmet_reasons[0]
    approved, held = returns_approve_clear(actor=user(world.counselor), campaign=campaign, now=NOON)
    application.refresh_from_db()
    assert (approved, held) == (0, 1) and application.state == ReturnState.PENDING


def test_too_few_days_of_check_in_hold_the_application(world, campaign, plan):
    clean_days(world.student, campaign, days=5)
    application = apply(world, campaign, world.student)
    assert [u["code"] for u in application.unmet] == ["checkin_days"]
    assert "5" in application.unmet_reasons[0] and "14" in application.unmet_reasons[0]


def test_a_fever_within_the_window_holds_the_application(world, campaign, plan):
    clean_days(world.student, campaign)
    from bastion.checkins.models import CheckIn

    CheckIn.objects.filter(person=world.student, day=TODAY - dt.timedelta(days=4)).update(
        status="red"
    )
    application = apply(world, campaign, world.student)
    assert [u["code"] for u in application.unmet] == ["checkin_days"]


def test_before_the_semester_start_is_held_not_refused(world, campaign, plan):
    clean_days(world.student, campaign)
    application = apply(
        world,
        campaign,
        world.student,
        planned_on=dt.date(2020, 3, 1),
        now=NOON - dt.timedelta(days=10),
    )
    assert "before_start" in [u["code"] for u in application.unmet]


def test_a_held_one_goes_to_the_counselor_then_the_college_with_reasons(world, campaign, plan):
    clean_days(world.student, campaign)
    back_from_hubei(world.student)
    application = apply(world, campaign, world.student)
    with pytest.raises(ReturnRefused):
        return_review(actor=user(world.counselor), application=application, approve=True, now=NOON)
    application = return_review(
        actor=user(world.counselor),
        application=application,
        approve=True,
        note="已在京隔离期满，社区证明",
        now=NOON,
    )
    assert application.state == ReturnState.COUNSELOR_APPROVED
    with pytest.raises(ReturnRefused) as refused:
        return_review(
            actor=user(world.counselor), application=application, approve=True, note="x", now=NOON
        )
    assert refused.value.status == 403
    application = return_review(
        actor=user(world.college_leader),
        application=application,
        approve=True,
        note="同意",
        now=NOON,
    )
    assert application.state == ReturnState.APPROVED and application.scheduled_on is not None
    assert [r.stage for r in application.reviews.all()] == ["counselor", "college"]


def test_a_rejection_says_why(world, campaign, plan):
    clean_days(world.student, campaign, days=3)
    application = apply(world, campaign, world.student)
    with pytest.raises(ReturnRefused):
        return_review(actor=user(world.counselor), application=application, approve=False, now=NOON)
    application = return_review(
        actor=user(world.counselor),
        application=application,
        approve=False,
        note="请继续每日打卡满14天后再申请",
        now=NOON,
    )
    assert application.state == ReturnState.REJECTED
    assert application.decided_note.startswith("请继续")


def test_out_of_reach_is_not_found(world, campaign, plan):
    clean_days(world.other_student, campaign)
    application = apply(world, campaign, world.other_student)
    with pytest.raises(ReturnRefused) as refused:
        return_review(actor=user(world.counselor), application=application, approve=True, now=NOON)
    assert refused.value.status == 404
    approved, _held = returns_approve_clear(
        actor=user(world.counselor), campaign=campaign, now=NOON
    )
    assert approved == 0


def test_a_student_may_not_approve_and_the_attempt_is_logged(world, campaign, plan, caplog):
    with pytest.raises(ReturnRefused) as refused:
        returns_approve_clear(actor=user(world.student), campaign=campaign, now=NOON)
    assert refused.value.status == 403
    assert world.student.number in caplog.text


def test_bad_applications_are_refused_and_write_nothing(world, campaign, plan):
    with pytest.raises(ReturnRefused, match="2020-03-04"):
        apply(world, campaign, world.student, planned_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(ReturnRefused, match="999999"):
        apply(world, campaign, world.student, origin="999999")
    apply(world, campaign, world.student)
    with pytest.raises(ReturnRefused):
        apply(world, campaign, world.student, planned_on=TODAY + dt.timedelta(days=5))
    assert ReturnApplication.objects.count() == 1


def test_a_retry_with_the_same_client_id_answers_the_same_application(world, campaign, plan):
    first = apply(world, campaign, world.student, client_id="abc")
    again = apply(world, campaign, world.student, client_id="abc")
    assert first.pk == again.pk and ReturnApplication.objects.count() == 1


def test_returns_are_spread_over_days_by_the_college_capacity(world, campaign, plan):
    plan.college_daily_capacity = 1
    plan.save()
    for person in (world.student, world.grid_worker):
        clean_days(person, campaign)
        apply(world, campaign, person)
    returns_approve_clear(actor=user(world.counselor), campaign=campaign, now=NOON)
    days = sorted(ReturnApplication.objects.values_list("scheduled_on", flat=True))
    assert days == [TODAY + dt.timedelta(days=2), TODAY + dt.timedelta(days=3)]


def test_sorting_again_follows_new_facts(world, campaign, plan):
    clean_days(world.student, campaign)
    application = apply(world, campaign, world.student)
    back_from_hubei(world.student)
    clear, held = applications_sort(campaign=campaign, now=NOON)
    application.refresh_from_db()
    assert (clear, held) == (0, 1) and application.unmet[0]["code"] == "key_area"


def test_the_review_page_lists_clear_and_held_and_approves_in_bulk(
    world, campaign, plan, client_as, at_noon
):
    clean_days(world.student, campaign)
    clean_days(world.grid_worker, campaign)
    back_from_hubei(world.grid_worker)
    apply(world, campaign, world.student)
    apply(world, campaign, world.grid_worker)
    client = client_as(world.counselor)
    page = client.get("/campus/returns/?tab=held").content.decode()
    assert (world.grid_worker.name in page and "重点地区" in page) or "key area" in page
    response = client.post("/campus/returns/approve-clear/", follow=True)
    assert response.status_code == 200
    assert ReturnApplication.objects.get(person=world.student).state == ReturnState.APPROVED
    assert ReturnApplication.objects.get(person=world.grid_worker).state == ReturnState.PENDING


def test_the_review_page_is_not_for_students(world, campaign, plan, client_as):
    assert client_as(world.student).get("/campus/returns/").status_code == 404


def test_a_student_applies_on_the_page(world, campaign, plan, client_as, at_noon):
    clean_days(world.student, campaign)
    client = client_as(world.student)
    response = client.post(
        "/campus/",
        {
            "planned_on": "2020-03-07",
            "origin_province": "110000",
            "origin_city": "110100",
            "origin_county": "110108",
            "transport": "train",
            "number": "G1",
            "route": "",
            "client_id": "x1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert ReturnApplication.objects.get(person=world.student).unmet == []
