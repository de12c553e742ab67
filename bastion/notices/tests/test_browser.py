"""Notices in Debian's Chromium: the counselor 陈静 publishes a notice requiring
acknowledgement to the class MED-C1; the student 李明 reads and acknowledges it on his phone;
the counselor sees that 刘洋 has not and chases him with one tap."""

import pytest

from bastion.conftest import build_world, log_in
from bastion.notices.models import Notice, Receipt


@pytest.mark.browser
def test_a_notice_is_acknowledged_on_a_phone_and_the_rest_are_chased(browser, live_server):
    world = build_world()
    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    log_in(page, base, world.counselor.number)
    page.goto(f"{base}/notices/new/")
    page.select_option("#id_kind", "official")
    page.fill("#id_title", "关于返校前14天健康监测的通知")
    page.fill("#id_body", "请各位同学返校前连续14天每日打卡。\n如有发热，立即报告辅导员。")
    page.check("#id_requires_ack")
    page.check("#unit-MED-C1")
    with page.expect_navigation():
        page.click("#publish")
    notice = Notice.objects.get()
    assert {r.person.name for r in Receipt.objects.filter(notice=notice)} == {"李明", "刘洋"}
    page.context.clear_cookies()

    log_in(page, base, world.student.number)
    page.goto(f"{base}/notices/")
    assert "关于返校前14天健康监测的通知" in page.inner_text("#my-notices")
    with page.expect_navigation():
        page.click(f"#n-{notice.uid} a")
    assert "连续14天" in page.inner_text("#notice")
    with page.expect_navigation():
        page.click("#acknowledge")
    assert page.is_visible("#acknowledged")
    page.screenshot(path="var/screens/notices-acknowledged.png", full_page=True)
    page.context.clear_cookies()

    log_in(page, base, world.counselor.number)
    page.goto(f"{base}/notices/{notice.uid}/receipts/")
    pending = page.inner_text("#pending")
    assert "刘洋" in pending and "李明" not in pending
    with page.expect_navigation():
        page.click("#chase-all")
    page.screenshot(path="var/screens/notices-receipts.png", full_page=True)
    assert Receipt.objects.get(notice=notice, person=world.grid_worker).chased == 1
    assert Receipt.objects.get(notice=notice, person=world.student).chased == 0
    assert errors == []
