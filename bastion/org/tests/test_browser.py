"""One browser test: Debian's Chromium, driven by Playwright, logs in as two people."""

import os
from pathlib import Path

import pytest

from bastion.conftest import PASSWORD, build_world

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def log_in(page, base: str, number: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", number)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


@pytest.mark.browser
def test_a_student_and_a_college_leader_each_see_their_own(transactional_db, live_server):
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium not found at /usr/bin/chromium: browser test skipped "
            "(apt-get install -y chromium)"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in
    # one unless told that this test knows what it does.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    build_world()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            student = browser.new_page()
            log_in(student, base, "2020001")
            assert "李明" in student.content()
            student.goto(f"{base}/org/people/")
            text = student.inner_text("main")
            assert "李明" in text and "刘洋" not in text and "王芳" not in text
            student.goto(f"{base}/org/people/2020101/")
            assert "王芳" not in student.inner_text("body")

            leader = browser.new_context().new_page()
            log_in(leader, base, "T3001")
            assert "周伟" in leader.content()
            leader.goto(f"{base}/org/units/")
            assert "医学院" in leader.inner_text("main")
            assert "计算机学院" not in leader.inner_text("main")
            leader.goto(f"{base}/org/people/")
            text = leader.inner_text("main")
            assert "李明" in text and "赵强" in text and "王芳" not in text
        finally:
            browser.close()
