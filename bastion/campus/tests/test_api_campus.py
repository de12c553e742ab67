"""The campus API: apply, list, decide, approve in bulk; the pass; the gate's check and key."""

import datetime as dt

import pytest

from bastion.campus.models import AccessLog, ReturnApplication, ReturnState
from bastion.campus.tests.conftest import TODAY, clean_days

pytestmark = pytest.mark.django_db

BODY = {
    "planned_on": (TODAY + dt.timedelta(days=2)).isoformat(),
    "origin": "110108",
    "transport": "train",
    "number": "G1",
    "client_id": "app-1",
}


def test_a_student_applies_and_a_counselor_approves_the_clear_ones(
    world, campaign, plan, bearer, at_noon
):
    clean_days(world.student, campaign)
    created = bearer(world.student).post("/api/v1/returns", BODY, content_type="application/json")
    assert created.status_code == 201 and created.json()["unmet"] == []
    bulk = bearer(world.counselor).post("/api/v1/returns/approve-clear")
    assert bulk.json() == {"approved": 1, "held": 0}
    mine = bearer(world.student).get("/api/v1/returns").json()["items"]
    assert mine[0]["state"] == "approved" and mine[0]["scheduled_on"] == BODY["planned_on"]


def test_a_held_application_says_why_and_needs_a_reason(world, campaign, plan, bearer, at_noon):
    created = bearer(world.student).post("/api/v1/returns", BODY, content_type="application/json")
    unmet = created.json()["unmet"]
    assert [u["code"] for u in unmet] == ["checkin_days"] and unmet[0]["reason"]
    uid = created.json()["uid"]
    counselor = bearer(world.counselor)
    refused = counselor.post(
        f"/api/v1/returns/{uid}/decision", {"approve": True}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["detail"]
    passed = counselor.post(
        f"/api/v1/returns/{uid}/decision",
        {"approve": True, "note": "特殊需要：实验室值守"},
        content_type="application/json",
    )
    assert passed.json()["state"] == ReturnState.COUNSELOR_APPROVED


def test_out_of_reach_is_not_found(world, campaign, plan, bearer, at_noon):
    created = bearer(world.other_student).post(
        "/api/v1/returns", BODY, content_type="application/json"
    )
    uid = created.json()["uid"]
    answer = bearer(world.counselor).post(
        f"/api/v1/returns/{uid}/decision",
        {"approve": False, "note": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert bearer(world.counselor).get("/api/v1/returns").json()["count"] == 0


def test_bad_input_is_a_400_and_writes_nothing(world, campaign, plan, bearer, at_noon):
    bad = bearer(world.student).post(
        "/api/v1/returns", {**BODY, "origin": "999999"}, content_type="application/json"
    )
    assert bad.status_code == 400 and ReturnApplication.objects.count() == 0


def test_a_gate_device_checks_a_pass_and_reads_the_key(
    world, campaign, plan, bearer, gate_keeper, at_noon
):
    from bastion.campus.models import Stay

    Stay.objects.create(campaign=campaign, person=world.student, added_at=at_noon)
    code = bearer(world.student).get("/api/v1/pass").json()["code"]
    key = bearer(gate_keeper).get("/api/v1/gate/key").json()
    assert key["crv"] == "P-256"
    answer = (
        bearer(gate_keeper)
        .post("/api/v1/gate/check", {"code": code, "gate": "东门"}, content_type="application/json")
        .json()
    )
    assert answer["admitted"] is True and answer["name"] == world.student.name
    assert AccessLog.objects.get().gate == "东门"
    refused = bearer(world.student).post(
        "/api/v1/gate/check", {"code": code}, content_type="application/json"
    )
    assert refused.status_code == 403
