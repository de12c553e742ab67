"""Marking a key area shows its people in the ledger, in Debian's Chromium."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.campaigns.models import KeyArea, RiskLevel
from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import build_world, log_in
from bastion.lib.days import business_day
from bastion.tracing.services import key_area_reevaluate, trip_record


@pytest.mark.browser
def test_the_people_of_a_new_key_area_show_in_the_ledger(browser, live_server):
    world = build_world()
    today = business_day()
    campaign = campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(9))
    for person, origin in ((world.student, "330106"), (world.other_student, "110108")):
        trip_record(
            actor=User.objects.get(person=person),
            person=person,
            origin=origin,
            destination="110108" if origin != "110108" else "440106",
            departs_on=today - dt.timedelta(3),
            arrives_on=today - dt.timedelta(3),
            transport="train",
            number="G20",
        )
    zhejiang = KeyArea.objects.create(
        campaign=campaign,
        division="330000",
        risk_level=RiskLevel.HIGH,
        from_date=today - dt.timedelta(9),
    )
    key_area_reevaluate(key_area=zhejiang)

    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, world.org_officer.number)
    page.goto(f"{base}/tracing/ledgers/key-areas/")
    table = page.inner_text("#ledger")
    assert "李明" in table and "浙江省" in table
    assert "王芳" not in table
    assert "1 人" in page.inner_text("main")
    assert errors == []
