"""The dashboard in Debian's Chromium: the ECharts trend draws, served locally, no script error."""

import datetime as dt

import pytest

from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import build_world, log_in
from bastion.lib.days import business_day
from bastion.reports.counts import unit_day_counts_refresh


@pytest.mark.browser
def test_a_college_leader_sees_the_trend_chart_and_drills_down(browser, live_server):
    build_world()
    today = business_day()
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(2))
    for back in (2, 1, 0):
        unit_day_counts_refresh(campaign=campaign, day=today - dt.timedelta(back))
    base = live_server.url
    errors: list[str] = []
    outside: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(base) else None,
    )
    log_in(page, base, "T3001")
    page.goto(f"{base}/dashboard/")
    page.wait_for_selector("#trend canvas", timeout=10_000)
    assert "医学院" in page.inner_text("h1")
    page.click("text=临床医学系")
    page.wait_for_selector("#trend canvas", timeout=10_000)
    assert "临床医学系" in page.inner_text("h1")
    assert errors == []
    assert outside == []
