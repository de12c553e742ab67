"""A task in Debian's Chromium: the branch secretary 孙丽 assigns a task to the member 李明 on
the branch page; 李明 completes it on his phone with its outcome and hours; it appears on his
record and on the branch's record."""

from decimal import Decimal

import pytest

from bastion.conftest import build_world, log_in
from bastion.partywork.models import VanguardRecord, VanguardState

TITLE = "一号楼入口值守，测温登记"


@pytest.mark.browser
def test_a_task_assigned_by_the_secretary_is_completed_by_the_member_and_recorded(
    browser, live_server
):
    world = build_world()
    base = live_server.url
    errors: list[str] = []

    desk = browser.new_page(viewport={"width": 1200, "height": 900})
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(desk, base, world.secretary.number)
    desk.goto(f"{base}/party/branches/{world.med_branch.code}/")
    desk.select_option("#id_person", world.student.number)
    desk.fill("#id_title", TITLE)
    desk.fill("#id_detail", "2月11日至13日 8:00-12:00")
    with desk.expect_navigation():
        desk.click("#assign-form button[type=submit]")
    assert TITLE in desk.inner_text("#branch-open")
    record = VanguardRecord.objects.get()
    assert record.person == world.student and record.state == VanguardState.ASSIGNED

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(phone, base, world.student.number)
    phone.goto(f"{base}/party/tasks/")
    task = f"#task-{record.uid}"
    assert TITLE in phone.inner_text(task)
    phone.fill(
        f"{task} textarea[name=outcome]", "三天共测温登记 936 人次，发现发热 1 人已按程序上报"
    )
    phone.fill(f"{task} input[name=hours]", "12.5")
    phone.screenshot(path="var/screens/vanguard-my-tasks.png", full_page=True)
    with phone.expect_navigation():
        phone.click(f"{task} button[type=submit]")
    assert TITLE in phone.inner_text("#done-tasks")
    assert phone.query_selector(task) is None

    record.refresh_from_db()
    assert record.state == VanguardState.DONE and record.hours == Decimal("12.5")

    phone.goto(f"{base}/party/members/{world.student.number}/")
    mine = phone.inner_text("#member-records")
    assert TITLE in mine and "12.5" in mine
    assert phone.inner_text("#fig-done") == "1" and phone.inner_text("#fig-hours") == "12.5"

    desk.goto(f"{base}/party/branches/{world.med_branch.code}/")
    row = desk.inner_text(f"#branch-record tr[data-number='{world.student.number}']")
    cells = row.split("\t")
    # Member, tasks, done, under way, services, pledges, hours, posts.
    assert cells[0].startswith(world.student.name)
    assert cells[1:4] == ["1", "1", "0"] and cells[6] == "12.5"
    assert TITLE not in desk.inner_text("#branch-open")
    desk.screenshot(path="var/screens/vanguard-branch.png", full_page=True)
    assert errors == []
