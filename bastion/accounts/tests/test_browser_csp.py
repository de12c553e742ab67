"""Under the Content-Security-Policy, the pages still work in Debian's Chromium: charts draw
(their tooltips too), the API docs load, the admin works, and nothing is refused (the
`browser` fixture fails a test on any violation the console reports)."""

import datetime as dt

import pytest

from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import build_world, log_in
from bastion.lib.days import business_day
from bastion.reports.counts import unit_day_counts_refresh


@pytest.mark.browser
def test_pages_charts_api_docs_and_admin_work_with_nothing_refused(browser, live_server):
    build_world()
    today = business_day()
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(2))
    for back in (2, 1, 0):
        unit_day_counts_refresh(campaign=campaign, day=today - dt.timedelta(back))
    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, base, "T3001")  # the college leader
    for path in ("/", "/checkin/", "/alerts/", "/org/units/", "/account/tokens/"):
        page.goto(f"{base}{path}")
        assert page.locator("main").count() == 1, path
    page.goto(f"{base}/dashboard/")
    page.wait_for_selector("#trend canvas", timeout=10_000)
    box = page.locator("#trend").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the tooltip
    page.wait_for_timeout(300)

    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector("#swagger-ui .swagger-ui", timeout=15_000)  # drawn by its script

    admin = browser.new_context().new_page()
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(admin, base, "T4001")  # the Organization Department: the scoped admin
    admin.goto(f"{base}/admin/accounts/user/")
    assert "2020001" in admin.inner_text("#result_list")
    admin.goto(f"{base}/admin/accounts/user/{_pk('2020001')}/change/")
    assert admin.locator("#user_form").count() == 1
    assert errors == []


def _pk(number: str) -> int:
    from bastion.accounts.models import User

    return User.objects.get(username=number).pk
