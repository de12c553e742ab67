"""Login throttling: wrong passwords counted per account and per address, in the database."""

import datetime as dt
import logging

import time_machine
from django.contrib.auth.signals import user_login_failed
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.models import LoginFailure, LoginLockout
from bastion.conftest import PASSWORD
from bastion.lib.net import client_address

WRONG = "Wrong-Password-1"


def attempt(number: str, password: str, address: str = "203.0.113.7", *, url: str = "/login/"):
    """A login from a fresh browser (no cookie, no state but the database's)."""
    client = Client(REMOTE_ADDR=address)
    return client, client.post(url, {"username": number, "password": password})


def test_five_wrong_passwords_lock_the_account_and_say_in_chinese_when_to_try_again(world):
    with time_machine.travel(timezone.make_aware(dt.datetime(2020, 2, 3, 9, 0)), tick=False):
        for _ in range(4):
            _client, response = attempt("2020001", WRONG)
            assert "请输入一个正确的" in response.content.decode()
        _client, response = attempt("2020001", WRONG)
        page = response.content.decode()
        assert "该账号登录失败次数过多" in page and "09:15" in page
        _client, response = attempt("2020001", PASSWORD)  # the right one, too late
        assert response.status_code == 200 and "09:15" in response.content.decode()
    lockout = LoginLockout.objects.get()
    assert (lockout.kind, lockout.key, lockout.failures) == ("account", "2020001", 5)
    assert lockout.address == "203.0.113.7" and lockout.via == "login"


def test_after_the_cooling_time_the_right_password_works_again(world):
    start = timezone.make_aware(dt.datetime(2020, 2, 3, 9, 0))
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            attempt("2020001", WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert attempt("2020001", PASSWORD)[1].status_code == 200  # still locked
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        client, response = attempt("2020001", PASSWORD)
        assert response.status_code == 302
        assert client.get(reverse("home")).wsgi_request.user.person == world.student


def test_a_right_password_forgives_the_accounts_failures(world):
    for _ in range(4):
        attempt("2020001", WRONG)
    assert attempt("2020001", PASSWORD)[1].status_code == 302
    for _ in range(4):
        attempt("2020001", WRONG)
    assert attempt("2020001", PASSWORD)[1].status_code == 302
    assert not LoginLockout.objects.exists()


def test_a_locked_account_is_refused_without_trying_the_password(world):
    for _ in range(5):
        attempt("2020001", WRONG)
    tried = []
    user_login_failed.connect(receiver := lambda **kwargs: tried.append(kwargs))
    try:
        _client, response = attempt("2020001", "Another-Guess-2")
    finally:
        user_login_failed.disconnect(receiver)
    assert "该账号登录失败次数过多" in response.content.decode()
    assert tried == []  # authenticate() was never called


def test_the_lock_holds_for_every_browser_and_address_as_it_is_in_the_database(world):
    for _ in range(5):
        attempt("2020001", WRONG, address="203.0.113.7")
    _client, response = attempt("2020001", PASSWORD, address="198.51.100.9")
    assert "该账号登录失败次数过多" in response.content.decode()
    assert attempt("2020002", PASSWORD, address="198.51.100.9")[1].status_code == 302


def test_one_address_trying_many_accounts_is_paused_but_others_are_not(world, settings):
    settings.BASTION_LOGIN_FAILURES_PER_ADDRESS = 3
    for number in ("2020001", "2020002", "T1001"):
        attempt(number, WRONG, address="203.0.113.7")
    _client, response = attempt("T2001", PASSWORD, address="203.0.113.7")
    assert "您所在网络的登录失败次数过多" in response.content.decode()
    assert attempt("T2001", PASSWORD, address="198.51.100.9")[1].status_code == 302
    assert LoginLockout.objects.get().kind == "address"


def test_the_admin_login_is_throttled_as_the_login_page_is(world):
    for _ in range(5):
        attempt("T4001", WRONG, url="/admin/login/")
    _client, response = attempt("T4001", PASSWORD, url="/admin/login/")
    assert "该账号登录失败次数过多" in response.content.decode()
    assert LoginLockout.objects.get().via == "admin"
    assert "该账号登录失败次数过多" in attempt("T4001", PASSWORD)[1].content.decode()


def test_a_lockout_is_logged_for_the_audit(world, caplog):
    with caplog.at_level(logging.WARNING, logger="bastion.security"):
        for _ in range(5):
            attempt("2020001", WRONG)
    assert "login lockout: account 2020001 after 5 failed logins" in caplog.text


def test_an_administrator_may_end_a_lockout_early_and_the_row_stays(world, client_as):
    from bastion.accounts.lockouts import login_lockouts_end

    for _ in range(5):
        attempt("2020001", WRONG)
    assert login_lockouts_end(lockouts=LoginLockout.objects.all()) == 1
    assert attempt("2020001", PASSWORD)[1].status_code == 302
    assert LoginLockout.objects.count() == 1


def test_old_failures_are_swept_and_do_not_count(world):
    start = timezone.make_aware(dt.datetime(2020, 2, 3, 9, 0))
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            attempt("2020001", WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=20), tick=False):
        attempt("2020001", WRONG)
        assert LoginFailure.objects.filter(kind="account").count() == 1
        assert not LoginLockout.objects.exists()


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
    )
    settings.BASTION_PROXY_COUNT = 0  # a laptop
    assert client_address(request) == "127.0.0.1"  # no proxy: the header is not believed
    settings.BASTION_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"  # not the client's own claim, 10.9.9.9
    settings.BASTION_PROXY_COUNT = 2
    assert client_address(request) == "10.9.9.9"
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="not-an-ip")) is None
