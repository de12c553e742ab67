"""Tracing in Debian's Chromium: a new key area's people in the ledger with their alerts and
proposed isolation; a suspected case's contacts, confirmed into isolation, and its graph."""

import datetime as dt

import pytest

from bastion.accounts.models import User
from bastion.alerts.models import Alert
from bastion.campaigns.models import KeyArea, RiskLevel
from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import build_world, log_in
from bastion.lib.days import business_day
from bastion.tracing.models import Case, Contact, Isolation, IsolationState
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
    assert list(Alert.objects.filter(key_area=zhejiang).values_list("person", flat=True)) == [
        world.student.pk
    ]

    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, world.org_officer.number)
    page.goto(f"{base}/tracing/ledgers/key-areas/")
    table = page.inner_text("#ledger")
    assert "李明" in table and "浙江省" in table
    assert "红色：异常" in table  # the key-area alert made him red
    assert "王芳" not in table
    assert "1 人" in page.inner_text("main")
    page.set_viewport_size({"width": 1280, "height": 900})  # the reason column shows
    page.goto(f"{base}/tracing/isolations/?state=proposed")
    proposed = page.inner_text("#isolations")
    assert "李明" in proposed and "王芳" not in proposed
    assert "浙江省" in proposed  # why: been to the key area
    # The alert waits in the queue of his grid worker.
    page.context.clear_cookies()
    log_in(page, base, world.grid_worker.number)
    page.goto(f"{base}/alerts/")
    assert "李明" in page.inner_text("main") and "浙江省" in page.inner_text("main")
    assert errors == []


@pytest.mark.browser
def test_a_suspected_case_is_traced_to_isolation_and_drawn_as_a_graph(browser, live_server):
    world = build_world()
    today = business_day()
    campaign_create_from_preset(preset="covid19", starts_on=today - dt.timedelta(9))
    world.student.lab = world.med_lab
    world.student.save(update_fields=["lab"])

    base = live_server.url
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, world.college_leader.number)  # the college: class and lab in reach
    page.goto(f"{base}/tracing/cases/new/")
    page.fill("input[name=person]", world.student.number)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    case = Case.objects.get(person=world.student)
    assert case.urgent_report is not None
    contacts = page.inner_text("#case-contacts")
    assert "刘洋" in contacts and "同楼层" in contacts  # the grid worker, next door
    assert "赵强" in contacts and "同实验室" in contacts  # the lab
    # Confirm the grid worker's contact: isolated, with a carer.
    grid_worker = Contact.objects.get(case=case, person=world.grid_worker)
    with page.expect_navigation():
        page.click(f"form[action$='{grid_worker.uid}/decide/'] button[value=confirm]")
    isolation = Isolation.objects.get(person=world.grid_worker, state=IsolationState.ACTIVE)
    assert isolation.carer is not None
    page.goto(f"{base}/tracing/cases/{case.uid}/graph/")
    page.wait_for_selector("#graph canvas")
    assert "刘洋" in page.inner_text("#links")
    assert errors == []
