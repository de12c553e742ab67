"""The check-in page /checkin/ and the proxy page /checkin/for/<number>/."""

import datetime as dt

import pytest
import time_machine

from bastion.alerts.models import Alert
from bastion.checkins.models import CheckIn
from bastion.checkins.tests.conftest import MORNING

FORM = {
    "temperature": "36.5",
    "province": "110000",
    "city": "110100",
    "county": "110108",
    "on_campus": "1",
    "key_area_contact": "0",
    "case_contact": "0",
    "client_id": "page-1",
}


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(MORNING, tick=False):
        yield


def test_the_page_shows_the_form_prefilled_with_the_home_region(world, campaign, client_as):
    response = client_as(world.student).get("/checkin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'inputmode="decimal"' in html and 'step="0.1"' in html
    assert "干咳" in html  # the campaign's symptoms
    assert '<option value="420000" selected>' in html  # 李明's home region is in Hubei
    assert '<option value="420102" selected>' in html
    assert "same-as-yesterday" not in html  # nothing to copy yet


def test_submitting_the_form_checks_in_and_confirms(world, campaign, client_as):
    client = client_as(world.student)
    response = client.post("/checkin/", FORM, follow=True)
    html = response.content.decode()
    checkin = CheckIn.objects.get(person=world.student)
    assert checkin.location == "110108" and checkin.on_campus and not checkin.is_proxy
    assert 'id="confirmation"' in html and "status-green" in html
    assert "北京市海淀区" in html


def test_a_double_tap_makes_one_check_in(world, campaign, client_as):
    client = client_as(world.student)
    client.post("/checkin/", FORM)
    client.post("/checkin/", FORM)
    assert CheckIn.objects.get(person=world.student).revision == 1


def test_a_fever_on_the_page_says_who_will_call(world, campaign, client_as):
    response = client_as(world.student).post(
        "/checkin/", {**FORM, "temperature": "38.1"}, follow=True
    )
    html = response.content.decode()
    assert "status-red" in html and "刘洋" in html
    assert Alert.objects.get(person=world.student).owner == world.grid_worker


def test_a_bad_temperature_is_explained_and_nothing_written(world, campaign, client_as):
    response = client_as(world.student).post("/checkin/", {**FORM, "temperature": "45"})
    assert response.status_code == 200
    assert "34" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_the_change_option_shows_the_form_again(world, campaign, client_as):
    client = client_as(world.student)
    client.post("/checkin/", FORM)
    html = client.get("/checkin/").content.decode()
    assert "?edit=1" in html and 'id="submit"' not in html
    assert 'id="submit"' in client.get("/checkin/?edit=1").content.decode()


def test_same_as_yesterday_is_one_tap(world, campaign, client_as):
    client = client_as(world.student)
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        client.post("/checkin/", FORM)
    assert "same-as-yesterday" in client.get("/checkin/").content.decode()
    response = client.post("/checkin/", {"action": "same", "client_id": "s1"}, follow=True)
    assert 'id="confirmation"' in response.content.decode()
    assert CheckIn.objects.filter(person=world.student).count() == 2


def test_exception_reporting_says_so(world, campaign, client_as):
    campaign.exception_reporting = True
    campaign.save()
    html = client_as(world.student).get("/checkin/").content.decode()
    assert "只报异常" in html and "3" in html


def test_without_a_campaign_the_page_says_so(world, client_as):
    response = client_as(world.student).get("/checkin/")
    assert response.status_code == 200 and 'id="submit"' not in response.content.decode()


def test_the_page_needs_a_login(world, campaign, client):
    assert client.get("/checkin/").status_code == 302


@pytest.mark.parametrize("proxy", ["grid_worker", "counselor"])
def test_the_proxy_page_checks_in_on_behalf(world, campaign, client_as, proxy):
    client = client_as(getattr(world, proxy))
    page = client.get("/checkin/for/2020001/")
    assert page.status_code == 200 and "李明" in page.content.decode()
    client.post("/checkin/for/2020001/", FORM)
    checkin = CheckIn.objects.get(person=world.student)
    assert checkin.is_proxy and checkin.submitted_by.person == getattr(world, proxy)


@pytest.mark.parametrize(
    ("actor", "number"),
    [
        ("other_student", "2020001"),  # a student may not proxy at all
        ("college_leader", "2020001"),  # sees 李明, but has no proxy right
        ("grid_worker", "2020101"),  # 王芳 is not on 刘洋's floor
        ("other_counselor", "2020001"),  # the counselor of another class
    ],
)
def test_the_proxy_page_is_404_out_of_reach_or_role(
    world, campaign, client_as, other_counselor, actor, number
):
    person = other_counselor if actor == "other_counselor" else getattr(world, actor)
    client = client_as(person)
    assert client.get(f"/checkin/for/{number}/").status_code == 404
    assert client.post(f"/checkin/for/{number}/", FORM).status_code == 404
    assert CheckIn.objects.count() == 0


def test_a_grid_worker_finds_the_proxy_page_by_number(world, campaign, client_as):
    client = client_as(world.grid_worker)
    assert 'name="number"' in client.get("/checkin/").content.decode()
    response = client.get("/checkin/for/", {"number": "2020001"})
    assert response.status_code == 302 and response.url == "/checkin/for/2020001/"


def test_a_student_has_no_proxy_box(world, campaign, client_as):
    client = client_as(world.student)
    assert 'name="number"' not in client.get("/checkin/").content.decode()
    assert client.get("/checkin/for/", {"number": "2020002"}).status_code == 404
