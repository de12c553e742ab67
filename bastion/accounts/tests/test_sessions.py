"""Sessions and CSRF: safe cookies, a new key at login, an end after idle hours, logout
everywhere on a password change, and a CSRF token on every form and session API write."""

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bastion.accounts.models import User
from bastion.accounts.services import token_issue
from bastion.conftest import PASSWORD


def logged_in(number: str = "2020001", **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.get(reverse("login"))  # as a browser does: the page, with its CSRF cookie
    form = {"username": number, "password": PASSWORD}
    form["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    response = client.post(reverse("login"), form)
    assert response.status_code == 302
    return client


def test_the_session_cookie_is_http_only_same_site_and_ends_with_the_browser(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # a session cookie: browser close


def test_logging_in_gives_a_new_session_key(world):
    client = Client()
    before = client.session  # an anonymous session, as a fixation attack would plant
    before["seen"] = True
    before.save()
    client.cookies["sessionid"] = before.session_key
    client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    assert client.cookies["sessionid"].value != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_a_session_in_use_is_renewed_and_an_idle_one_ends_after_eight_hours(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = logged_in()
    with time_machine.travel(start + dt.timedelta(hours=7), tick=False):
        response = client.get(reverse("tokens"))
        assert response.status_code == 200  # in use within the hours: renewed
    with time_machine.travel(start + dt.timedelta(hours=7 + 7), tick=False):
        assert client.get(reverse("tokens")).status_code == 200  # 7 idle hours: still there
    with time_machine.travel(start + dt.timedelta(hours=14 + 9), tick=False):
        response = client.get(reverse("tokens"))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_password_change_logs_out_every_other_session_but_this_one(world):
    phone, office = logged_in(), logged_in()
    response = office.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-Mima-2020",
            "new_password2": "Xin-Mima-2020",
        },
    )
    assert response.status_code == 302
    assert office.get(reverse("tokens")).status_code == 200
    response = phone.get(reverse("tokens"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_form_posted_without_its_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    assert response.status_code == 403


def test_the_session_api_needs_the_csrf_token_and_a_bearer_token_does_not(world):
    user = User.objects.get(username="2020001")
    token, _raw = token_issue(user=user)
    url = f"/api/v1/me/tokens/{token.uid}/revoke"
    browser = logged_in(enforce_csrf_checks=True)
    assert browser.post(url).status_code == 403  # a forged cross-site request
    browser.get(reverse("tokens"))  # a page: the CSRF cookie is set
    csrf = browser.cookies["csrftoken"].value
    assert browser.post(url, headers={"X-CSRFToken": csrf}).status_code == 200
    other, raw_other = token_issue(user=user)
    machine = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw_other}"})
    assert machine.get("/api/v1/me/tokens").status_code == 200
    assert machine.post(f"/api/v1/me/tokens/{other.uid}/revoke").status_code == 200


def test_no_page_is_exempt_from_csrf_but_the_api_and_the_cas_ticket_return():
    """The bearer-token API checks CSRF itself for session callers (ninja's django_auth); the
    CAS server posts its single-logout requests to the ticket return."""
    exempt = [
        route
        for route, callback in _routes(get_resolver())
        if getattr(callback, "csrf_exempt", False)
    ]
    assert exempt, "no route found at all?"
    assert [r for r in exempt if not r.startswith(("api/v1/", "cas/login/"))] == []


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_the_pages_right_after_a_login_write_nothing_to_the_session(world, client_as):
    """The renewal is a write every five minutes of use, not one per page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.student)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get(reverse("tokens")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
