"""Single sign-on with the university's CAS, against a CAS server stand-in on loopback: the
login page → the CAS → back with a ticket → the ticket checked over HTTP → logged in."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from bastion.accounts.models import User
from bastion.accounts.testing import CasStandIn
from bastion.notify.testing import free_port


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def at_the_cas(url: str) -> str:
    """What the CAS answers a browser sent to it: where it sends the browser next."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        opener.open(url, timeout=5)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer
        return answer.headers["Location"]
    raise AssertionError("the CAS did not redirect")


@pytest.fixture
def cas(settings):
    with CasStandIn(user="2020001") as server:
        settings.CAS_SERVER_URL = server.url
        yield server


def test_the_login_page_offers_single_sign_on_only_when_it_is_configured(world, settings):
    settings.CAS_SERVER_URL = None
    page = Client().get(reverse("login")).content.decode()
    assert 'id="cas-login"' not in page
    assert Client().get(reverse("cas_login")).status_code == 404
    settings.CAS_SERVER_URL = "https://cas.example.edu.cn/cas/"
    page = Client().get(reverse("login") + "?next=/checkin/").content.decode()
    assert 'id="cas-login"' in page and "统一身份认证" in page
    assert 'href="/cas/login/?next=/checkin/"' in page


def test_a_person_logs_in_through_the_cas_and_lands_where_they_were_going(world, cas):
    client = Client()
    to_cas = client.get("/cas/login/?next=/checkin/")
    assert to_cas.status_code == 302 and to_cas.url.startswith(cas.url + "login?service=")
    service = parse_qs(urlsplit(to_cas.url).query)["service"][0]
    assert service == "http://testserver/cas/login/?next=%2Fcheckin%2F"
    back = at_the_cas(to_cas.url)  # the CAS logs 2020001 in and sends the browser back
    assert back.startswith(service + "&ticket=ST-")
    landed = client.get(back)
    assert landed.status_code == 302 and landed.url == "/checkin/"
    assert client.session[SESSION_KEY] == str(User.objects.get(username="2020001").pk)
    assert cas.validations == [{"ticket": back.split("ticket=")[1], "service": service, "ok": True}]


def test_a_ticket_is_good_once(world, cas):
    client = Client()
    back = at_the_cas(client.get("/cas/login/").url)
    assert client.get(back).status_code == 302
    again = Client().get(back)  # replayed by someone who saw the URL
    assert again.status_code == 403 and SESSION_KEY not in again.wsgi_request.session


def test_a_forged_ticket_is_refused_with_a_page_that_says_so(world, cas):
    response = Client().get("/cas/login/?ticket=ST-forged")
    assert response.status_code == 403
    assert "统一身份认证未能确认此次登录" in response.content.decode()
    assert cas.validations[0]["ok"] is False
    assert SESSION_KEY not in response.wsgi_request.session


def test_a_number_with_no_account_here_is_refused_and_not_created(world, cas):
    cas.user = "2020999"
    client = Client()
    response = client.get(at_the_cas(client.get("/cas/login/").url))
    assert response.status_code == 403
    page = response.content.decode()
    assert "2020999" in page and "没有有效的堡垒账号" in page
    assert not User.objects.filter(username="2020999").exists()


def test_a_deactivated_account_is_refused(world, cas):
    User.objects.filter(username="2020001").update(is_active=False)
    client = Client()
    response = client.get(at_the_cas(client.get("/cas/login/").url))
    assert response.status_code == 403


def test_an_account_that_must_change_its_password_is_not_sent_to_change_it(world, cas):
    """Its password here is not the one it logs in with."""
    User.objects.filter(username="2020001").update(must_change_password=True)
    client = Client()
    client.get(at_the_cas(client.get("/cas/login/").url))
    assert client.get(reverse("tokens")).status_code == 200


def test_logging_out_also_logs_out_at_the_cas(world, cas):
    client = Client()
    client.get(at_the_cas(client.get("/cas/login/").url))
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url.startswith(cas.url + "logout?service=")
    assert at_the_cas(response.url) == "http://testserver/"
    assert cas.logouts == ["http://testserver/"]
    assert client.get(reverse("tokens")).status_code == 302  # logged out here too


def test_a_cas_that_does_not_answer_is_said_so(world, settings):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"
    response = Client().get("/cas/login/?ticket=ST-1")
    assert response.status_code == 503
    assert "统一身份认证没有响应" in response.content.decode()


def test_a_password_login_is_not_sent_to_the_cas_on_logout(world, cas):
    from bastion.conftest import PASSWORD

    client = Client()
    client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    response = client.post(reverse("logout"))
    assert response.url == reverse("login") and cas.logouts == []


def test_a_logout_at_the_cas_ends_the_bastion_session_too(world, cas):
    client = Client()
    back = at_the_cas(client.get("/cas/login/").url)
    client.get(back)
    ticket = back.split("ticket=")[1]
    assert client.get(reverse("tokens")).status_code == 200
    server = Client(enforce_csrf_checks=True)  # the CAS server has no CSRF token of ours
    response = server.post("/cas/login/", {"logoutRequest": cas.logout_request(ticket)})
    assert response.status_code == 302
    assert client.get(reverse("tokens")).status_code == 302
    assert Client().post("/cas/login/", {"logoutRequest": "<not-saml"}).status_code == 400
