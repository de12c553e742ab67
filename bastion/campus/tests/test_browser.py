"""Campus in Debian's Chromium: two students apply to return from their phones; the one with
fourteen clean days is approved in one bulk action, the one setting out from a key area is
held with the reason shown. Then the gate: a live pass admits; an old one, an altered one and
an isolated person's are refused with reasons, each logged."""

import datetime as dt

import pytest

from bastion.campaigns.services import campaign_create_from_preset
from bastion.campus.models import AccessLog, ReturnApplication, ReturnState, SemesterPlan
from bastion.campus.passes import pass_sign
from bastion.campus.tests.conftest import clean_days
from bastion.conftest import SINCE, build_world, log_in, wait_until
from bastion.lib.days import business_day
from bastion.org.models import Person, PersonKind
from bastion.tracing.models import Isolation, IsolationState


def _apply(page, base, world, person, day):
    log_in(page, base, person.number)
    page.goto(f"{base}/campus/")
    page.fill("#id_planned_on", day.isoformat())
    page.select_option("#id_transport", "train")
    page.fill("#id_number", "G72")
    with page.expect_navigation():
        page.click("#return-form button[type=submit]")
    text = page.inner_text("#my-returns")
    page.context.clear_cookies()
    return text


@pytest.mark.browser
def test_a_clean_student_is_approved_in_bulk_and_one_from_a_key_area_is_held(browser, live_server):
    from bastion.accounts.models import User
    from bastion.accounts.roles import Role
    from bastion.org.services import position_assign

    world = build_world()
    today = business_day()
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(30))
    SemesterPlan.objects.create(
        campaign=campaign,
        vacation_starts_on=today - dt.timedelta(40),
        travel_return_on=today - dt.timedelta(10),
        semester_starts_on=today - dt.timedelta(1),
    )
    # 刘洋 (home: Beijing) and 李明 (home: Wuhan, in the key area Hubei): 14 clean days each.
    for person in (world.grid_worker, world.student):
        clean_days(person, campaign, last=today - dt.timedelta(1))
    keeper = Person.objects.create(
        number="T8001", name="孙强", kind=PersonKind.STAFF, unit=world.university
    )
    keeper_user = User(username=keeper.number, person=keeper, must_change_password=False)
    keeper_user.set_password("Bastion-2020!")
    keeper_user.save()
    position_assign(person=keeper, role=Role.GATE_KEEPER, over=world.university, starts_on=SINCE)

    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    tomorrow = today + dt.timedelta(1)
    clear = _apply(page, base, world, world.grid_worker, tomorrow)
    assert "满足全部条件" in clear or "Meets every condition" in clear
    held = _apply(page, base, world, world.student, tomorrow)
    assert "湖北省" in held  # the reason, in the applicant's own list

    log_in(page, base, world.counselor.number)
    page.goto(f"{base}/campus/returns/")
    assert "刘洋" in page.inner_text("#returns") and "李明" not in page.inner_text("#returns")
    with page.expect_navigation():
        page.click("#approve-clear")
    page.goto(f"{base}/campus/returns/?tab=held")
    held_row = page.inner_text("#returns")
    assert "李明" in held_row and "湖北省" in held_row
    assert ReturnApplication.objects.get(person=world.grid_worker).state == ReturnState.APPROVED
    assert ReturnApplication.objects.get(person=world.student).state == ReturnState.PENDING
    page.screenshot(path="var/screens/campus-review.png", full_page=True)
    page.context.clear_cookies()

    # 刘洋's pass on his phone, read by the gate keeper's tablet.
    ReturnApplication.objects.filter(person=world.grid_worker).update(scheduled_on=today)
    log_in(page, base, world.grid_worker.number)
    page.goto(f"{base}/campus/pass/")
    assert "colour-green" in page.get_attribute("#pass", "class")
    page.screenshot(path="var/screens/campus-pass.png")
    code = page.input_value("#pass-code")
    page.context.clear_cookies()

    gate = browser.new_page(viewport={"width": 800, "height": 1000})
    gate.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(gate, base, keeper.number)
    gate.goto(f"{base}/campus/gate/")

    def show(code: str) -> tuple[str, str]:
        gate.fill("#gate-code", code)
        gate.press("#gate-code", "Enter")
        wait_until(
            gate,
            "document.getElementById('gate-result').className.match(/admit|refuse/) && "
            "!document.getElementById('gate-verdict').textContent.includes('…')",
        )
        gate.wait_for_timeout(300)  # the server's answer follows the offline one
        return gate.get_attribute("#gate-result", "class"), gate.inner_text("#gate-result")

    verdict, _text = show(code)
    assert "admit" in verdict
    gate.screenshot(path="var/screens/campus-gate-admit.png")
    # The same image a minute later: a pass that expired.
    old = pass_sign(
        number=world.grid_worker.number,
        name=world.grid_worker.name,
        colour="green",
        reason="",
        now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2),
    )
    verdict, text = show(old)
    assert "refuse" in verdict and ("过期" in text or "expired" in text)
    # An altered one: the last characters of the signature changed.
    verdict, text = show(code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB"))
    assert "refuse" in verdict
    gate.screenshot(path="var/screens/campus-gate-refuse.png")
    # An isolated person's pass, green when issued a moment before the isolation began.
    fresh = pass_sign(
        number=world.staff.number,
        name=world.staff.name,
        colour="green",
        reason="",
        now=dt.datetime.now(dt.UTC),
    )
    Isolation.objects.create(
        campaign=campaign,
        person=world.staff,
        state=IsolationState.ACTIVE,
        reason="密接",
        proposed_at=dt.datetime.now(dt.UTC),
        starts_on=today,
    )
    verdict, text = show(fresh)
    assert "refuse" in verdict and ("隔离" in text or "isolation" in text)
    logged = list(AccessLog.objects.order_by("at").values_list("admitted", flat=True))
    assert logged == [True, False, False, False]
    assert errors == []
