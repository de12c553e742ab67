"""POST/GET /api/v1/checkins with a bearer token: answers, refusals, and nothing half-written."""

import json

import pytest
import time_machine
from django.test import Client

from bastion.alerts.models import Alert
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.checkins.tests.conftest import GOOD, MORNING

URL = "/api/v1/checkins"


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def post(client: Client, body) -> tuple[int, dict]:
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(URL, data, content_type="application/json")
    return response.status_code, response.json()


def rows() -> tuple[int, int, int]:
    return CheckIn.objects.count(), CheckInRevision.objects.count(), Alert.objects.count()


def test_a_check_in_answers_201_with_the_record(world, campaign, bearer):
    status, body = post(bearer(world.student), {**GOOD, "client_id": "a1"})
    assert status == 201
    assert body["person"] == "2020001" and body["day"] == "2020-02-10"
    assert body["status"] == "green" and body["revision"] == 1 and body["is_late"] is False
    assert {"uid", "reason", "submitted_at"} <= set(body)


def test_a_retry_answers_200_with_the_same_record_and_writes_nothing(world, campaign, bearer):
    client = bearer(world.student)
    _status, first = post(client, {**GOOD, "client_id": "a1"})
    before = rows()
    status, again = post(client, {**GOOD, "client_id": "a1", "temperature": 39})
    assert status == 200 and again == first
    assert rows() == before


def test_a_fever_answers_red_with_the_reason(world, campaign, bearer):
    status, body = post(bearer(world.student), {**GOOD, "temperature": 38.4})
    assert status == 201 and body["status"] == "red" and "38.4" in body["reason"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**GOOD, "temperature": 33.5}, 400),
        ({**GOOD, "temperature": 45}, 400),
        ({**GOOD, "symptoms": ["sneezing"]}, 400),
        ({**GOOD, "location": "999999"}, 400),
        ({**GOOD, "temperature": "warm"}, 422),
        ({**GOOD, "symptoms": "cough"}, 422),
        ({k: v for k, v in GOOD.items() if k != "location"}, 422),
        ('{"temperature": 36.5, "location": ', 400),
        ("[1, 2]", 422),
    ],
    ids=[
        "cold",
        "hot",
        "symptom",
        "division",
        "not-a-number",
        "symptoms-not-a-list",
        "no-location",
        "malformed-json",
        "not-an-object",
    ],
)
def test_bad_input_answers_4xx_and_writes_nothing(world, campaign, bearer, body, expected):
    before = rows()
    status, answer = post(bearer(world.student), body)
    assert status == expected
    assert answer["detail"]
    assert rows() == before


def test_a_bad_value_is_explained_in_chinese(world, campaign, bearer):
    _status, answer = post(bearer(world.student), {**GOOD, "temperature": 45})
    assert "34" in answer["detail"] and "体温" in answer["detail"]


def test_without_a_campaign_the_answer_is_400(world, bearer):
    status, answer = post(bearer(world.student), GOOD)
    assert status == 400 and "防控" in answer["detail"]
    assert rows() == (0, 0, 0)


def test_the_grid_worker_checks_in_for_a_person_of_the_grid(world, campaign, bearer):
    status, body = post(bearer(world.grid_worker), {**GOOD, "person": "2020001"})
    assert status == 201 and body["person"] == "2020001" and body["is_proxy"] is True


@pytest.mark.parametrize(
    ("actor", "number"),
    [("other_student", "2020001"), ("student", "2020101"), ("other_counselor", "2020001")],
)
def test_a_person_out_of_reach_answers_404(world, campaign, bearer, other_counselor, actor, number):
    person = other_counselor if actor == "other_counselor" else getattr(world, actor)
    before = rows()
    status, _answer = post(bearer(person), {**GOOD, "person": number})
    assert status == 404
    assert rows() == before


def test_an_unknown_person_answers_the_same_404(world, campaign, bearer):
    status, _answer = post(bearer(world.counselor), {**GOOD, "person": "nobody"})
    assert status == 404


def test_without_a_token_the_answer_is_401(world, campaign):
    assert Client().post(URL, GOOD, content_type="application/json").status_code == 401


def test_today_answers_the_own_record_or_404(world, campaign, bearer):
    client = bearer(world.student)
    assert client.get(f"{URL}/today").status_code == 404
    post(client, GOOD)
    response = client.get(f"{URL}/today")
    assert response.status_code == 200 and response.json()["person"] == "2020001"


def test_the_list_is_scoped(world, campaign, bearer):
    post(bearer(world.student), GOOD)
    post(bearer(world.other_student), GOOD)
    mine = bearer(world.counselor).get(URL).json()
    assert mine["count"] == 1 and mine["items"][0]["person"] == "2020001"
    everyone = bearer(world.org_officer).get(URL, {"day": "2020-02-10"}).json()
    assert everyone["count"] == 2
    assert bearer(world.other_student).get(URL, {"person": "2020001"}).json()["count"] == 0


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(
    world, campaign, bearer, django_assert_max_num_queries
):
    for person in (world.student, world.grid_worker, world.other_student):
        post(bearer(person), GOOD)
    client = bearer(world.org_officer)
    with django_assert_max_num_queries(8):
        assert client.get(URL).json()["count"] == 3


def test_a_check_in_costs_a_fixed_small_number_of_queries(
    world, campaign, bearer, settings, django_assert_max_num_queries
):
    """The hot path, 8 statements: token, its last use (both batched in production),
    campaign and key areas (cached in production), savepoint, one INSERT that also checks
    earlier uses of the client id and the person's open alerts, hot facts and the audit
    trail's entry (in the INSERT on PostgreSQL, one more statement on SQLite), release."""
    from django.db import connection

    settings.BASTION_COUNTS_COALESCE_SECONDS = 0
    client = bearer(world.student)
    with django_assert_max_num_queries(8 if connection.vendor == "postgresql" else 9):
        status, _body = post(client, {**GOOD, "client_id": "q1"})
    assert status == 201
