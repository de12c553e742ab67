"""Gate passes: signed, good for a minute, coloured by health and approvals; the gate admits
or refuses with the reason and logs every attempt."""

import base64
import datetime as dt
import json

import pytest

from bastion.accounts.models import User
from bastion.alerts.models import Alert
from bastion.campus.gate import EARLY_RETURN, gate_check, pass_issue, standing
from bastion.campus.models import AccessLog, ReturnApplication, ReturnState, Stay
from bastion.campus.passes import Colour, PassRefused, pass_read, public_jwk
from bastion.campus.returns import return_apply, returns_approve_clear
from bastion.campus.tests.conftest import NOON, TODAY, clean_days
from bastion.tracing.models import Isolation, IsolationState

pytestmark = pytest.mark.django_db


def user(person):
    return User.objects.get(person=person)


@pytest.fixture
def returned(world, campaign, plan):
    """The student, approved to return today."""
    clean_days(world.student, campaign)
    return_apply(
        actor=user(world.student),
        person=world.student,
        campaign=campaign,
        planned_on=TODAY,
        origin="110108",
        transport="train",
        now=NOON,
    )
    returns_approve_clear(actor=user(world.counselor), campaign=campaign, now=NOON)
    return world.student


def check(keeper, code, now=NOON, direction="in"):
    return gate_check(actor=user(keeper), code=code, direction=direction, gate="北门", now=now)


def test_a_live_pass_admits_and_is_logged(returned, gate_keeper):
    code = pass_issue(person=returned, now=NOON)
    answer = check(gate_keeper, code)
    assert answer.admitted and answer.name == returned.name
    log = AccessLog.objects.get()
    assert log.admitted and log.person == returned and log.gate == "北门"
    assert ReturnApplication.objects.get(person=returned).arrived_at == NOON


def test_the_same_image_a_minute_later_is_refused(returned, gate_keeper):
    code = pass_issue(person=returned, now=NOON)
    answer = check(gate_keeper, code, now=NOON + dt.timedelta(seconds=70))
    assert not answer.admitted and ("expired" in answer.reason or "过期" in answer.reason)
    assert AccessLog.objects.filter(admitted=False).count() == 1


def test_a_pass_used_once_is_refused_the_second_time(returned, gate_keeper):
    code = pass_issue(person=returned, now=NOON)
    assert check(gate_keeper, code).admitted
    again = check(gate_keeper, code, now=NOON + dt.timedelta(seconds=5))
    assert not again.admitted
    assert AccessLog.objects.count() == 2


def test_an_altered_pass_is_refused(returned, gate_keeper):
    code = pass_issue(person=returned, now=NOON)
    prefix, payload, signature = code.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["number"] = "2020002"  # someone else's number on a genuine signature
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    answer = check(gate_keeper, f"{prefix}.{forged}.{signature}")
    assert not answer.admitted
    assert "signature" in answer.reason or "签名" in answer.reason
    log = AccessLog.objects.get()
    assert not log.admitted and log.person is None


def test_a_grey_pass_recoloured_green_is_refused(world, campaign, plan, gate_keeper):
    code = pass_issue(person=world.student, now=NOON)  # grey: no approved return
    prefix, payload, signature = code.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    green = raw.replace('"colour":"grey"', '"colour":"green"')
    assert green != raw
    edited = base64.urlsafe_b64encode(green.encode()).rstrip(b"=").decode()
    assert not check(gate_keeper, f"{prefix}.{edited}.{signature}").admitted


def test_an_isolated_person_is_refused_even_with_a_green_pass(returned, gate_keeper, campaign):
    code = pass_issue(person=returned, now=NOON)
    Isolation.objects.create(
        campaign=campaign,
        person=returned,
        state=IsolationState.ACTIVE,
        reason="密接",
        proposed_at=NOON,
        starts_on=TODAY,
    )
    answer = check(gate_keeper, code)
    assert not answer.admitted and answer.colour == Colour.RED
    assert AccessLog.objects.get().reason == answer.reason


def test_a_pass_of_an_isolated_person_is_red(returned, campaign):
    Isolation.objects.create(
        campaign=campaign,
        person=returned,
        state=IsolationState.ACTIVE,
        reason="密接",
        proposed_at=NOON,
        starts_on=TODAY,
    )
    assert standing(person=returned, now=NOON).colour == Colour.RED


def test_a_student_before_the_approved_day_is_refused_and_flagged(
    world, campaign, plan, gate_keeper
):
    clean_days(world.student, campaign)
    return_apply(
        actor=user(world.student),
        person=world.student,
        campaign=campaign,
        planned_on=TODAY + dt.timedelta(days=3),
        origin="110108",
        transport="train",
        now=NOON,
    )
    returns_approve_clear(actor=user(world.counselor), campaign=campaign, now=NOON)
    answer = check(gate_keeper, pass_issue(person=world.student, now=NOON))
    assert not answer.admitted and answer.colour == Colour.GREY
    assert "2020-03-08" in answer.reason
    alert = Alert.objects.get(person=world.student, kind=EARLY_RETURN)
    assert alert.owner == world.grid_worker


def test_a_student_who_stayed_may_enter(world, campaign, plan, gate_keeper):
    Stay.objects.create(campaign=campaign, person=world.student, added_at=NOON)
    assert check(gate_keeper, pass_issue(person=world.student, now=NOON)).admitted


def test_staff_may_come_meanwhile_students_without_approval_may_not(world, plan, gate_keeper):
    assert check(gate_keeper, pass_issue(person=world.staff, now=NOON)).admitted
    answer = check(gate_keeper, pass_issue(person=world.other_student, now=NOON))
    assert not answer.admitted and answer.colour == Colour.GREY


def test_going_out_a_student_needs_an_approved_leave(returned, gate_keeper):
    answer = check(gate_keeper, pass_issue(person=returned, now=NOON), direction="out")
    assert not answer.admitted


def test_someone_without_the_gate_duty_cannot_check(returned, world):
    with pytest.raises(PassRefused) as refused:
        gate_check(actor=user(world.counselor), code="x", direction="in", now=NOON)
    assert refused.value.status == 403


def test_a_pass_signed_by_another_key_is_refused(returned, settings):
    code = pass_issue(person=returned, now=NOON)
    settings.SECRET_KEY = "another university's secret key, not ours at all"
    with pytest.raises(PassRefused):
        pass_read(code, now=NOON)


def test_the_public_key_is_a_p256_jwk():
    jwk = public_jwk()
    assert jwk["kty"] == "EC" and jwk["crv"] == "P-256" and len(jwk["kid"]) == 8


def test_the_pass_page_shows_a_qr_code_and_refreshes(returned, client_as, at_noon):
    client = client_as(returned)
    page = client.get("/campus/pass/").content.decode()
    assert "<svg" in page and returned.name in page
    data = client.get("/campus/pass/code.json").json()
    assert data["code"].startswith("BP1.") and data["colour"] == Colour.GREEN


def test_the_gate_page_is_for_gate_keepers_only(gate_keeper, world, client_as):
    assert client_as(gate_keeper).get("/campus/gate/").status_code == 200
    assert client_as(world.student).get("/campus/gate/").status_code == 404


def test_the_gate_check_endpoint_answers_json_and_logs(returned, gate_keeper, client_as, at_noon):
    client = client_as(gate_keeper)
    code = pass_issue(person=returned)
    answer = client.post(
        "/campus/gate/check/",
        {"code": code, "direction": "in", "gate": "南门"},
        content_type="application/json",
    ).json()
    assert answer["admitted"] is True and answer["name"] == returned.name
    bad = client.post("/campus/gate/check/", "nonsense", content_type="application/json")
    assert bad.status_code == 400


def test_the_access_log_shows_a_gate_keeper_their_own_checks(
    returned, gate_keeper, client_as, at_noon
):
    check(gate_keeper, pass_issue(person=returned))
    page = client_as(gate_keeper).get("/campus/gate/log/").content.decode()
    assert returned.name in page


def test_an_approved_applicant_sees_their_status(returned):
    assert ReturnApplication.objects.get(person=returned).state == ReturnState.APPROVED


def test_a_visitor_is_admitted_by_their_code_within_their_window_only(world, plan, gate_keeper):
    from bastion.campus.places import visitor_code, visitor_register

    visitor = visitor_register(
        actor=user(gate_keeper),
        host_number=world.staff.number,
        name="周立",
        phone="13700000009",
        id_number="",
        organization="维修公司",
        purpose="检修实验室通风",
        valid_from=NOON,
        valid_until=NOON + dt.timedelta(hours=3),
        now=NOON,
    )
    code = visitor_code(visitor)
    assert check(gate_keeper, code).admitted
    late = check(gate_keeper, code, now=NOON + dt.timedelta(hours=4))
    assert not late.admitted and late.reason
    assert list(AccessLog.objects.values_list("visitor", "admitted")) == [
        (visitor.pk, True),
        (visitor.pk, False),
    ]
