"""One browser test: Debian's Chromium, driven by Playwright, logs in as two people."""

import pytest

from bastion.conftest import build_world, log_in


@pytest.mark.browser
def test_a_student_and_a_college_leader_each_see_their_own(browser, live_server):
    build_world()
    base = live_server.url
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
