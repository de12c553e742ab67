"""Trips (行程): reported by the person or registered by a screener; refused whole when wrong."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import IntegrityError, transaction

from bastion.lib.days import at
from bastion.tracing.models import Trip

DAY = dt.date(2020, 2, 10)
URL = "/api/v1/trips"
WUHAN_HOME = {
    "origin": "420106",  # 武汉市武昌区
    "destination": "110108",  # 北京市海淀区
    "departs_on": "2020-01-20",
    "arrives_on": "2020-01-20",
    "transport": "train",
    "number": "g 507",
    "purpose": "返京",
}


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(at(DAY, dt.time(9, 0)), tick=False):
        yield


def post(client, body) -> tuple[int, dict]:
    answer = client.post(URL, json.dumps(body), content_type="application/json")
    return answer.status_code, answer.json()


def test_a_student_reports_a_trip_in_the_normal_form(world, campaign, bearer):
    status, body = post(bearer(world.student), {**WUHAN_HOME, "client_id": "t1"})
    assert status == 201
    assert body["person"] == "2020001" and body["source"] == "self"
    assert body["number"] == "G507"
    assert body["origin_name"] == "湖北省武汉市武昌区"
    trip = Trip.objects.get()
    assert trip.campaign == campaign and trip.registered_by.person == world.student


def test_a_retry_with_the_same_client_id_answers_the_same_trip(world, campaign, bearer):
    client = bearer(world.student)
    _, first = post(client, {**WUHAN_HOME, "client_id": "t1"})
    status, again = post(client, {**WUHAN_HOME, "client_id": "t1", "purpose": "changed"})
    assert status == 200 and again["uid"] == first["uid"] and again["purpose"] == "返京"
    assert Trip.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"arrives_on": "2020-01-19"}, "到达日期不能早于出发日期"),
        ({"origin": "999999"}, "出发地的行政区划代码 999999 不存在"),
        ({"number": "X99999"}, "X99999 不是车次"),
        ({"transport": "flight", "number": "12345"}, "12345 不是航班号"),
        ({"arrives_on": "2020-02-11", "departs_on": "2020-02-11"}, "到达日期在将来"),
    ],
)
def test_a_bad_trip_is_refused_in_chinese_and_nothing_is_written(
    world, campaign, bearer, change, says
):
    status, body = post(bearer(world.student), {**WUHAN_HOME, **change})
    assert (status, Trip.objects.count()) == (400, 0)
    assert says in body["detail"]


def test_an_unknown_transport_is_refused(world, campaign):
    from bastion.accounts.models import User
    from bastion.tracing.services import TripRefused, trip_record

    with pytest.raises(TripRefused) as refused:
        trip_record(
            actor=User.objects.get(person=world.student),
            person=world.student,
            **{**WUHAN_HOME, "transport": "rocket"},
        )
    assert "rocket" in refused.value.message and refused.value.status == 400
    assert Trip.objects.count() == 0


def test_a_grid_worker_registers_a_trip_of_one_of_their_people(world, campaign, bearer):
    status, body = post(bearer(world.grid_worker), {**WUHAN_HOME, "person": "2020001"})
    assert status == 201 and body["source"] == "screener" and body["person"] == "2020001"


def test_a_trip_for_someone_out_of_reach_answers_not_found(world, campaign, bearer):
    for actor, number in (
        (world.grid_worker, world.other_student.number),
        (world.other_student, "2020001"),
        (world.college_leader, "2020001"),  # sees the student, but does not screen
    ):
        status, body = post(bearer(actor), {**WUHAN_HOME, "person": number})
        assert (status, body["detail"]) == (404, "未找到，或不在你的查看范围内。"), actor
    assert Trip.objects.count() == 0


def test_the_list_holds_the_trips_in_reach(world, campaign, bearer):
    post(bearer(world.student), WUHAN_HOME)
    post(bearer(world.other_student), WUHAN_HOME)
    mine = bearer(world.student).get(URL).json()
    assert [t["person"] for t in mine["items"]] == ["2020001"]
    counselor = bearer(world.counselor).get(URL).json()
    assert {t["person"] for t in counselor["items"]} == {"2020001"}
    org = bearer(world.org_officer).get(URL + "?person=" + world.other_student.number).json()
    assert [t["person"] for t in org["items"]] == [world.other_student.number]


def test_the_database_refuses_a_trip_that_ends_before_it_starts(world, campaign):
    with pytest.raises(IntegrityError), transaction.atomic():
        Trip.objects.create(
            person=world.student,
            origin="420106",
            destination="110108",
            departs_on=DAY,
            arrives_on=DAY - dt.timedelta(days=1),
            transport="car",
            source="self",
            registered_at=at(DAY, dt.time(9, 0)),
        )


# --- the trips page ------------------------------------------------------------------------------


def _form(**extra) -> dict:
    data = {
        "from_province": "420000",
        "from_city": "420100",
        "from_county": "420106",
        "to_province": "110000",
        "to_city": "110100",
        "to_county": "110108",
        "departs_on": "2020-01-20",
        "arrives_on": "2020-01-20",
        "transport": "train",
        "number": "g 1234",
        "purpose": "返校",
        "client_id": "page-1",
    }
    return data | extra


def test_a_student_reports_a_trip_on_the_page_and_sees_it_listed(world, campaign, client_as):
    client = client_as(world.student)
    assert client.get("/tracing/trips/").status_code == 200
    answer = client.post("/tracing/trips/", _form())
    assert answer.status_code == 302
    trip = Trip.objects.get(person=world.student)
    assert (trip.origin, trip.destination, trip.number) == ("420106", "110108", "G1234")
    assert trip.source == "self"
    client.post("/tracing/trips/", _form())  # a double tap writes nothing
    assert Trip.objects.filter(person=world.student).count() == 1
    page = client.get("/tracing/trips/")
    assert "湖北省武汉市武昌区" in page.content.decode()


def test_the_page_shows_a_refusal_and_writes_nothing(world, campaign, client_as):
    page = client_as(world.student).post(
        "/tracing/trips/", _form(arrives_on="2020-01-19", client_id="page-2")
    )
    assert page.status_code == 200
    assert "到达日期不能早于出发日期。" in page.content.decode()
    assert not Trip.objects.exists()


def test_a_counselor_registers_a_trip_for_a_student_and_not_for_a_stranger(
    world, campaign, client_as
):
    client = client_as(world.counselor)
    answer = client.post(f"/tracing/trips/?person={world.student.number}", _form())
    assert answer.status_code == 302
    assert Trip.objects.get(person=world.student).source == "screener"
    assert client.get(f"/tracing/trips/?person={world.other_student.number}").status_code == 404
    assert (
        client_as(world.student)
        .get(f"/tracing/trips/?person={world.grid_worker.number}")
        .status_code
        == 404
    )
