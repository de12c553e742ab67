"""The dashboard in Debian's Chromium: the ECharts trend draws, served locally, no script error."""

import datetime as dt
import os
from pathlib import Path

import pytest

from bastion.conftest import PASSWORD, build_world

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.mark.browser
def test_a_college_leader_sees_the_trend_chart_and_drills_down(transactional_db, live_server):
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium: browser test skipped")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    from playwright.sync_api import sync_playwright

    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.lib.days import business_day
    from bastion.reports.counts import unit_day_counts_refresh

    build_world()
    today = business_day()
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(2))
    for back in (2, 1, 0):
        unit_day_counts_refresh(campaign=campaign, day=today - dt.timedelta(back))
    base = live_server.url
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(base) else None,
            )
            page.goto(f"{base}/login/")
            page.fill("input[name=username]", "T3001")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
            page.goto(f"{base}/dashboard/")
            page.wait_for_selector("#trend canvas", timeout=10_000)
            assert "医学院" in page.inner_text("h1")
            page.click("text=临床医学系")
            page.wait_for_selector("#trend canvas", timeout=10_000)
            assert "临床医学系" in page.inner_text("h1")
        finally:
            browser.close()
    assert errors == []
    assert outside == []
