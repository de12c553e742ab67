"""The queue on the phone, the alert page, one's own alerts, the chase, and the API."""

import json

import pytest
import time_machine

from bastion.alerts.models import Alert, AlertState, Reminder
from bastion.alerts.tests.conftest import at, check_in
from bastion.notify.models import Notification
from bastion.org.models import HealthStatus


@pytest.fixture(autouse=True)
def _nine_thirty():
    with time_machine.travel(at(9, 30), tick=False):
        yield


@pytest.fixture
def alert(world, campaign) -> Alert:
    check_in(world.student, when=at(8, 30), temperature="38.2")
    return Alert.objects.get(person=world.student, kind="fever")


def test_the_grid_workers_queue_shows_the_alert_and_the_missing_people(world, alert, client_as):
    page = client_as(world.grid_worker).get("/alerts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "李明" in html and "发热" in html and f"/alerts/{alert.uid}/acknowledge/" in html
    assert 'id="missing"' in html  # 李明, the only other one of the grid, checked in


def test_the_counselor_sees_the_alert_only_once_escalated(world, alert, client_as):
    assert "发热" not in client_as(world.counselor).get("/alerts/").content.decode()
    alert.escalated_to.add(world.counselor)
    assert "发热" in client_as(world.counselor).get("/alerts/").content.decode()


def test_a_student_is_sent_to_their_own_alerts(world, alert, client_as):
    client = client_as(world.student)
    assert client.get("/alerts/").url == "/alerts/mine/"
    mine = client.get("/alerts/mine/").content.decode()
    assert "发热" in mine and "刘洋" in mine


def test_the_alert_page_shows_its_history_in_scope_only(world, alert, client_as):
    page = client_as(world.counselor).get(f"/alerts/{alert.uid}/")
    assert page.status_code == 200 and "发热" in page.content.decode()
    assert client_as(world.other_student).get(f"/alerts/{alert.uid}/").status_code == 404
    assert client_as(world.lab_head).get(f"/alerts/{alert.uid}/").status_code == 404


def test_acknowledge_and_close_in_place_with_htmx(world, alert, client_as):
    client = client_as(world.grid_worker)
    hx = {"HTTP_HX_REQUEST": "true"}
    done = client.post(f"/alerts/{alert.uid}/acknowledge/", {"note": ""}, **hx)
    assert done.status_code == 200 and f'id="alert-{alert.uid}"' in done.content.decode()
    refused = client.post(f"/alerts/{alert.uid}/close/", {"note": ""}, **hx)
    assert refused.status_code == 422 and "处理情况" in refused.content.decode()
    closed = client.post(f"/alerts/{alert.uid}/close/", {"note": "复测正常"}, **hx)
    assert closed.status_code == 200
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED
    world.student.refresh_from_db()
    assert world.student.health_status == HealthStatus.GREEN


def test_out_of_reach_posts_answer_404_and_change_nothing(world, alert, client_as):
    for who in (world.other_student, world.student, world.lab_head):
        answer = client_as(who).post(f"/alerts/{alert.uid}/close/", {"note": "x"})
        assert answer.status_code == 404
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_one_tap_chase_reminds_each_missing_person_once_a_minute(
    world, campaign, client_as, emails
):
    client = client_as(world.grid_worker)
    assert client.post("/alerts/chase/").status_code == 302
    client.post("/alerts/chase/")  # a double tap
    rows = Notification.objects.filter(key__startswith="chase:")
    assert list(rows.values_list("recipient__number", flat=True)) == [world.student.number]
    chase = Reminder.objects.get(slot__startswith="chase:")
    assert chase.sent_by.person == world.grid_worker and chase.people == 1
    assert client_as(world.student).post("/alerts/chase/").status_code == 404


# --- API ----------------------------------------------------------------------------------------


def test_api_lists_alerts_in_scope(world, alert, client_as):
    body = client_as(world.counselor).get("/api/v1/alerts?state=open").json()
    assert body["count"] == 1 and body["items"][0]["uid"] == str(alert.uid)
    assert body["items"][0]["owner"] == world.grid_worker.number
    assert client_as(world.counselor).get("/api/v1/alerts?mine=1").json()["count"] == 0
    assert client_as(world.grid_worker).get("/api/v1/alerts?mine=1").json()["count"] == 1
    assert client_as(world.other_student).get("/api/v1/alerts").json()["count"] == 0


def test_api_reads_one_alert_or_404(world, alert, client_as):
    assert client_as(world.counselor).get(f"/api/v1/alerts/{alert.uid}").status_code == 200
    assert client_as(world.other_student).get(f"/api/v1/alerts/{alert.uid}").status_code == 404
    assert client_as(world.counselor).get("/api/v1/alerts/not-a-uid").status_code == 404


def test_api_acknowledge_then_close(world, alert, client_as):
    client = client_as(world.grid_worker)
    url = f"/api/v1/alerts/{alert.uid}"
    first = client.post(f"{url}/acknowledge")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "acknowledged"
    again = client.post(f"{url}/acknowledge")
    assert again.status_code == 409 and "已被确认" in again.json()["detail"]
    empty = client.post(f"{url}/close", json.dumps({"note": " "}), content_type="application/json")
    assert empty.status_code == 400 and "处理情况" in empty.json()["detail"]
    done = client.post(f"{url}/close", {"note": "已送医"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["note"] == "已送医"


def test_api_close_out_of_reach_is_404(world, alert, client_as):
    answer = client_as(world.other_student).post(
        f"/api/v1/alerts/{alert.uid}/close", {"note": "x"}, content_type="application/json"
    )
    assert answer.status_code == 404
