"""In Chromium: a first login reads the privacy notice and agrees; declining logs out; my data
shows what one gave and downloads it."""

import json

import pytest

from bastion.accounts.models import User
from bastion.conftest import PASSWORD, build_world
from bastion.privacy.models import ConsentRecord


def first_login(page, base: str, number: str) -> None:
    """Log in as a person whose account has never agreed to anything."""
    user = User.objects.get(username=number)
    user.privacy_notice_version = ""
    user.save(update_fields=["privacy_notice_version"])
    ConsentRecord.objects.filter(user=user).delete()
    page.goto(f"{base}/org/units/")  # where they were going: the login page, then the notice
    page.fill("input[name=username]", number)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.browser
def test_a_first_login_reads_the_notice_agrees_and_goes_on(browser, live_server):
    build_world()
    base = live_server.url
    page = browser.new_page()
    first_login(page, base, "T2001")
    assert "/privacy/" in page.url
    assert page.locator("#privacy-notice").is_visible()
    with page.expect_navigation():
        page.click("button[name=decision][value=agree]")
    assert page.url.endswith("/org/units/")
    assert ConsentRecord.objects.get(user__username="T2001").agreed

    with page.expect_navigation():
        page.click("header a[href='/me/data/']")
    assert "陈静" in page.inner_text("#record")
    with page.expect_download() as download:
        page.click("#download")
    document = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert document["account"] == "T2001" and document["consents"][0]["agreed"] is True


@pytest.mark.browser
def test_declining_logs_out_and_says_what_happens_now(browser, live_server):
    build_world()
    base = live_server.url
    page = browser.new_page()
    first_login(page, base, "2020001")
    with page.expect_navigation():
        page.click("button[name=decision][value=decline]")
    assert page.url.endswith("/privacy/declined/")
    assert page.locator("#declined").is_visible()
    page.goto(f"{base}/")
    assert "/login/" in page.url
    assert not ConsentRecord.objects.get(user__username="2020001").agreed
