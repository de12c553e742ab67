"""The browser test: a student checks in on a phone in seconds, then the next day in one tap."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from bastion.campaigns.services import campaign_create_from_preset
from bastion.checkins.models import CheckIn
from bastion.checkins.selectors import active_campaign_forget
from bastion.conftest import SINCE, build_world, log_in
from bastion.lib.days import business_day

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
def test_a_student_checks_in_on_a_phone_then_same_as_yesterday_in_one_tap(browser, live_server):
    world = build_world()
    campaign_create_from_preset(preset="covid19", starts_on=SINCE)
    active_campaign_forget()
    base = live_server.url
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, base, world.student.number)

    started = time.perf_counter()
    page.goto(f"{base}/checkin/")
    page.fill("#id_temperature", "36.6")
    page.select_option("#id_province", "110000")  # 北京市
    page.wait_for_selector("#id_city option[value='110100']", state="attached")
    page.select_option("#id_city", "110100")
    page.wait_for_selector("#id_county option[value='110108']", state="attached")
    page.select_option("#id_county", "110108")  # 海淀区
    with page.expect_navigation():
        page.tap("#submit")
    page.wait_for_selector("#confirmation")
    elapsed = time.perf_counter() - started
    print(f"check-in interaction: {elapsed:.2f} s")
    assert elapsed < 10, f"checking in took {elapsed:.1f} s"
    assert "今日已打卡" in page.inner_text("#confirmation")
    checkin = CheckIn.objects.get(person=world.student)
    assert checkin.location == "110108" and checkin.temperature == Decimal("36.6")

    # The next morning: move today's check-in to yesterday, then one tap.
    CheckIn.objects.filter(pk=checkin.pk).update(day=business_day() - dt.timedelta(days=1))
    page.goto(f"{base}/checkin/")
    with page.expect_navigation():
        page.tap("#same-as-yesterday")  # the one tap
    assert "今日已打卡" in page.inner_text("#confirmation")
    assert CheckIn.objects.filter(person=world.student).count() == 2
    assert CheckIn.objects.get(person=world.student, day=business_day()).location == ("110108")
