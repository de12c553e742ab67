"""Supplies (R24): only the keepers receive, approve and issue; requesters ask for their own
units; an issue of more than there is is refused with nothing written, also when two come at
once; the ledger balances; the front line and the hospital come first."""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.db import connection
from openpyxl import load_workbook

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.lib.days import at
from bastion.notify.models import Notification
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.partywork.models import FrontlinePost
from bastion.supplies import selectors
from bastion.supplies import services as sv
from bastion.supplies.models import (
    RequestState,
    Stock,
    Store,
    SupplyItem,
    SupplyMovement,
    SupplyRequest,
)

DAY = dt.date(2020, 2, 10)
NOW = at(DAY, dt.time(9, 0))
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _morning():
    with time_machine.travel(NOW, tick=False):
        yield


def user(person) -> User:
    return User.objects.get(person=person)


def refused(call, **kwargs) -> sv.SupplyRefused:
    with pytest.raises(sv.SupplyRefused) as caught:
        call(**kwargs)
    return caught.value


@pytest.fixture
def keeper(world) -> User:
    """钱进 of the University Office keeps the stores."""
    return user(world.office_officer)


@pytest.fixture
def masks(world, keeper) -> SupplyItem:
    return sv.item_add(actor=keeper, name="医用外科口罩", unit_of_measure="只", low_stock=5)


@pytest.fixture
def store(world, keeper) -> Store:
    return sv.store_add(actor=keeper, name="总务仓库", unit=world.university_office)


@pytest.fixture
def ten_masks(keeper, store, masks) -> Stock:
    sv.stock_receive(actor=keeper, store=store, item=masks, quantity=10, note="捐赠", now=NOW)
    return Stock.objects.get(store=store, item=masks)


# --- services ---------------------------------------------------------------------------------


def test_only_keepers_add_items_and_receive(world, store, masks):
    for person in (world.college_leader, world.secretary, world.student):
        assert refused(sv.item_add, actor=user(person), name="体温计").status == 403
        assert (
            refused(
                sv.stock_receive, actor=user(person), store=store, item=masks, quantity=5, note=""
            ).status
            == 403
        )
    assert not SupplyMovement.objects.exists()


def test_a_receipt_adds_to_stock_and_records_the_balance(keeper, store, masks, ten_masks):
    movement = sv.stock_receive(actor=keeper, store=store, item=masks, quantity=5, note="")
    assert Stock.objects.get(pk=ten_masks.pk).quantity == 15
    assert (movement.change, movement.balance, movement.kind) == (5, 15, "receipt")


def test_an_issue_of_more_than_the_stock_is_refused_and_nothing_written(
    world, keeper, store, masks, ten_masks
):
    before = SupplyMovement.objects.count()
    error = refused(
        sv.supply_issue,
        actor=keeper,
        store=store,
        item=masks,
        quantity=11,
        unit=world.hospital,
        note="",
    )
    assert error.status == 400 and "10" in error.message
    assert Stock.objects.get(pk=ten_masks.pk).quantity == 10
    assert SupplyMovement.objects.count() == before


def test_an_issue_from_a_store_that_never_held_the_item_says_none_left(world, keeper, masks):
    empty = sv.store_add(actor=keeper, name="校医院仓库", unit=world.hospital)
    error = refused(
        sv.supply_issue, actor=keeper, store=empty, item=masks, quantity=1, unit=world.med
    )
    assert "0" in error.message
    assert not Stock.objects.filter(store=empty).exists()


def test_bad_quantities_are_refused(world, keeper, store, masks):
    for bad in ("", "abc", 0, -3, "2.5"):
        refused(sv.stock_receive, actor=keeper, store=store, item=masks, quantity=bad, note="")
    assert not SupplyMovement.objects.exists()


def test_the_ledger_balances(world, keeper, store, masks, ten_masks):
    sv.supply_issue(
        actor=keeper, store=store, item=masks, quantity=4, unit=world.med, now=NOW + MINUTE
    )
    sv.supply_return(
        actor=keeper, store=store, item=masks, quantity=1, unit=world.med, now=NOW + 2 * MINUTE
    )
    sv.stock_adjust(
        actor=keeper, store=store, item=masks, counted=5, reason="盘点少2只", now=NOW + 3 * MINUTE
    )
    rows = list(selectors.item_ledger(masks))
    assert [(m.kind, m.change, m.balance) for m in rows] == [
        ("receipt", 10, 10),
        ("issue", -4, 6),
        ("return", 1, 7),
        ("adjustment", -2, 5),
    ]
    running = 0
    for m in rows:
        running += m.change
        assert m.balance == running
    assert Stock.objects.get(pk=ten_masks.pk).quantity == running == 5


def test_a_count_correction_needs_a_reason_and_a_difference(keeper, store, masks, ten_masks):
    refused(sv.stock_adjust, actor=keeper, store=store, item=masks, counted=8, reason="")
    refused(sv.stock_adjust, actor=keeper, store=store, item=masks, counted=10, reason="盘点")
    assert SupplyMovement.objects.count() == 1


def test_a_requester_requests_only_for_the_units_they_hold(world, masks):
    leader = user(world.college_leader)
    made = sv.supply_request(
        actor=leader, unit=world.med_lab, item=masks, quantity=20, purpose="实验"
    )
    assert made.state == RequestState.PENDING and made.priority == sv.PRIORITY_NORMAL
    assert (
        refused(
            sv.supply_request, actor=leader, unit=world.cs, item=masks, quantity=1, purpose="x"
        ).status
        == 404
    )
    # 孙丽's branch leads 临床医学系 (and its class below it): hers to request for, not the lab.
    secretary = user(world.secretary)
    sv.supply_request(actor=secretary, unit=world.med_class, item=masks, quantity=5, purpose="宿舍")
    assert (
        refused(
            sv.supply_request,
            actor=secretary,
            unit=world.med_lab,
            item=masks,
            quantity=1,
            purpose="x",
        ).status
        == 404
    )
    assert SupplyRequest.objects.count() == 2


def test_those_without_the_duty_cannot_request(world, masks):
    for person in (world.counselor, world.student):
        error = refused(
            sv.supply_request,
            actor=user(person),
            unit=world.med_class,
            item=masks,
            quantity=1,
            purpose="x",
        )
        assert error.status == 403
    assert not SupplyRequest.objects.exists()


def test_only_keepers_decide_and_a_rejection_says_why(world, keeper, masks):
    asked = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=3, purpose="实验"
    )
    assert (
        refused(
            sv.request_decide, actor=user(world.college_leader), request=asked, approve=True
        ).status
        == 403
    )
    refused(sv.request_decide, actor=keeper, request=asked, approve=False, note="")
    sv.request_decide(actor=keeper, request=asked, approve=True)
    asked.refresh_from_db()
    assert asked.state == RequestState.APPROVED and asked.decided_by == keeper
    refused(sv.request_decide, actor=keeper, request=asked, approve=False, note="改主意")


def test_issuing_an_approved_request_marks_it_issued(world, keeper, store, masks, ten_masks):
    asked = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=3, purpose="实验"
    )
    refused(
        sv.supply_issue,
        actor=keeper,
        store=store,
        item=masks,
        quantity=3,
        unit=world.med_lab,
        request=asked,
    )
    sv.request_decide(actor=keeper, request=asked, approve=True)
    movement = sv.supply_issue(
        actor=keeper, store=store, item=masks, quantity=3, unit=world.med_lab, request=asked
    )
    asked.refresh_from_db()
    assert asked.state == RequestState.ISSUED and movement.request == asked
    assert movement.balance == 7


def test_the_front_line_and_the_hospital_come_first(world, keeper, masks):
    lab = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=1, purpose="先到"
    )
    FrontlinePost.objects.create(
        name="发热门诊预检分诊", kind="medical", unit=world.med_class, set_up_on=DAY
    )
    front = sv.supply_request(
        actor=user(world.secretary),
        unit=world.med_class,
        item=masks,
        quantity=1,
        purpose="一线",
        now=NOW + MINUTE,
    )
    director = Person.objects.create(
        number="T8101", name="刘院长", kind=PersonKind.STAFF, unit=world.hospital
    )
    User.objects.create(username=director.number, person=director)
    position_assign(person=director, role=Role.COLLEGE_LEADER, over=world.hospital, starts_on=DAY)
    hospital = sv.supply_request(
        actor=user(director),
        unit=world.hospital,
        item=masks,
        quantity=1,
        purpose="发热门诊",
        now=NOW + 2 * MINUTE,
    )
    assert [r.pk for r in selectors.requests_to_decide()] == [front.pk, hospital.pk, lab.pk]
    for r in (lab, hospital, front):
        sv.request_decide(actor=keeper, request=r, approve=True)
    assert [r.pk for r in selectors.allocation_queue()] == [front.pk, hospital.pk, lab.pk]


def test_a_dissolved_post_no_longer_comes_first(world, masks):
    FrontlinePost.objects.create(
        name="旧岗", kind="medical", unit=world.med_class, set_up_on=DAY, dissolved_on=DAY
    )
    made = sv.supply_request(
        actor=user(world.secretary), unit=world.med_class, item=masks, quantity=1, purpose="x"
    )
    assert made.priority == sv.PRIORITY_NORMAL


def test_low_stock_warns_the_keepers_once_a_day(world, keeper, store, masks, ten_masks):
    with pytest.MonkeyPatch.context() as mp:
        from django.db import transaction

        mp.setattr(transaction, "on_commit", lambda f, robust=False: f())
        sv.supply_issue(actor=keeper, store=store, item=masks, quantity=4, unit=world.med)
        assert not Notification.objects.filter(key__startswith="supplies:low").exists()
        sv.supply_issue(actor=keeper, store=store, item=masks, quantity=2, unit=world.med)
        sv.supply_issue(actor=keeper, store=store, item=masks, quantity=1, unit=world.med)
    warned = Notification.objects.filter(key__startswith="supplies:low")
    assert {n.recipient.number for n in warned} == {world.office_officer.number}
    assert warned.count() == len({n.channel for n in warned})  # once per channel, not per issue


@pytest.mark.django_db(transaction=True)
def test_two_issues_of_the_last_ten_masks_at_once_serve_only_one(world):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database has no concurrent writers (PostgreSQL only)")
    keeper = user(world.office_officer)
    masks = sv.item_add(actor=keeper, name="N95口罩", unit_of_measure="只")
    store = sv.store_add(actor=keeper, name="总务仓库", unit=world.university_office)
    sv.stock_receive(actor=keeper, store=store, item=masks, quantity=10, note="")
    barrier = threading.Barrier(2)
    served, turned_away, errors = [], [], []

    def one(unit) -> None:
        try:
            actor = User.objects.get(pk=keeper.pk)
            barrier.wait()
            try:
                served.append(
                    sv.supply_issue(
                        actor=actor, store=store, item=masks, quantity=10, unit=unit, note=""
                    )
                )
            except sv.SupplyRefused as no:
                turned_away.append(no.message)
        except Exception as exc:  # reported by the assert below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(u,)) for u in (world.hospital, world.med)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(served) == 1 and len(turned_away) == 1
    assert "0" in turned_away[0]
    assert Stock.objects.get(store=store, item=masks).quantity == 0
    assert SupplyMovement.objects.filter(item=masks, kind="issue").count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_the_stock_page_flags_low_stock(world, client_as, keeper, store, masks, ten_masks):
    sv.supply_issue(actor=keeper, store=store, item=masks, quantity=6, unit=world.med)
    page = client_as(world.office_officer).get("/supplies/")
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r.item == masks)
    assert row.total == 4 and row.low
    assert "医用外科口罩" in page.content.decode()


def test_the_stock_page_opens_to_requesters_and_not_to_others(world, client_as, masks):
    assert client_as(world.lab_head).get("/supplies/").status_code == 200
    assert client_as(world.student).get("/supplies/").status_code == 403
    assert client_as(world.counselor).get("/supplies/").status_code == 403


def test_the_ledger_page_and_its_xlsx_have_the_same_rows(
    world, client_as, keeper, store, masks, ten_masks
):
    sv.supply_issue(actor=keeper, store=store, item=masks, quantity=4, unit=world.hospital)
    client = client_as(world.office_officer)
    page = client.get(f"/supplies/items/{masks.uid}/")
    assert page.status_code == 200
    assert [r[3:5] for r in page.context["rows"]] == [[10, 10], [-4, 6]]
    download = client.get(f"/supplies/items/{masks.uid}/ledger.xlsx")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(v[3], v[4], v[5]) for v in values] == [(10, 10, None), (-4, 6, "校医院")]
    assert [c.value for c in sheet[2]] == page.context["columns"]


def test_the_ledger_is_the_keepers_and_a_missing_item_is_404(world, client_as, masks):
    assert client_as(world.lab_head).get(f"/supplies/items/{masks.uid}/").status_code == 403
    assert (
        client_as(world.lab_head).get(f"/supplies/items/{masks.uid}/ledger.xlsx").status_code == 403
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert client_as(world.office_officer).get(f"/supplies/items/{missing}/").status_code == 404


def test_receive_return_and_adjust_forms(world, client_as, store, masks):
    client = client_as(world.office_officer)
    assert client.get("/supplies/receive/").status_code == 200
    answer = client.post(
        "/supplies/receive/", {"store": store.uid, "item": masks.uid, "quantity": "20"}
    )
    assert answer.status_code == 302
    answer = client.post(
        "/supplies/return/",
        {"store": store.uid, "item": masks.uid, "quantity": "2", "unit": world.med.code},
    )
    assert answer.status_code == 302
    answer = client.post(
        "/supplies/adjust/",
        {"store": store.uid, "item": masks.uid, "counted": "21", "note": "盘点"},
    )
    assert answer.status_code == 302
    bad = client.post(
        "/supplies/receive/", {"store": store.uid, "item": masks.uid, "quantity": "x"}
    )
    assert bad.status_code == 200 and bad.context["error"]
    assert Stock.objects.get(store=store, item=masks).quantity == 21
    for path in ("/supplies/receive/", "/supplies/return/", "/supplies/adjust/"):
        assert client_as(world.college_leader).get(path).status_code == 403


def test_the_request_form_for_requesters(world, client_as, masks):
    client = client_as(world.lab_head)
    page = client.get("/supplies/request/")
    assert page.status_code == 200
    assert [u.code for u in page.context["units"]] == ["MED-LAB"]
    answer = client.post(
        "/supplies/request/",
        {"unit": "MED-LAB", "item": masks.uid, "quantity": "30", "purpose": "实验"},
    )
    assert answer.status_code == 302
    outside = client.post(
        "/supplies/request/", {"unit": "CS", "item": masks.uid, "quantity": "3", "purpose": "x"}
    )
    assert outside.status_code == 200 and outside.context["error"]
    assert list(SupplyRequest.objects.values_list("unit__code", "quantity")) == [("MED-LAB", 30)]
    assert client_as(world.office_officer).get("/supplies/request/").status_code == 403
    assert client_as(world.student).get("/supplies/request/").status_code == 403


def test_the_keepers_queue_approves_and_issues(world, client_as, store, masks, ten_masks):
    asked = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=4, purpose="实验"
    )
    client = client_as(world.office_officer)
    page = client.get("/supplies/queue/")
    assert page.status_code == 200 and page.context["pending"] == [asked]
    client.post(f"/supplies/requests/{asked.uid}/decide/", {"decision": "approve"})
    assert client.get("/supplies/queue/").context["approved"] == [asked]
    client.post(f"/supplies/requests/{asked.uid}/issue/", {"store": store.uid, "quantity": "4"})
    asked.refresh_from_db()
    assert asked.state == RequestState.ISSUED
    assert Stock.objects.get(pk=ten_masks.pk).quantity == 6


def test_the_queue_refuses_an_issue_beyond_stock_with_nothing_written(
    world, client_as, keeper, store, masks, ten_masks
):
    asked = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=40, purpose="实验"
    )
    sv.request_decide(actor=keeper, request=asked, approve=True)
    client = client_as(world.office_officer)
    client.post(f"/supplies/requests/{asked.uid}/issue/", {"store": store.uid, "quantity": "40"})
    asked.refresh_from_db()
    assert asked.state == RequestState.APPROVED
    assert Stock.objects.get(pk=ten_masks.pk).quantity == 10
    assert SupplyMovement.objects.count() == 1


def test_the_queue_is_the_keepers(world, client_as, masks):
    asked = sv.supply_request(
        actor=user(world.lab_head), unit=world.med_lab, item=masks, quantity=4, purpose="实验"
    )
    leader = client_as(world.college_leader)
    assert leader.get("/supplies/queue/").status_code == 403
    answer = leader.post(f"/supplies/requests/{asked.uid}/decide/", {"decision": "approve"})
    assert answer.status_code == 403
    asked.refresh_from_db()
    assert asked.state == RequestState.PENDING
    missing = "00000000-0000-0000-0000-000000000000"
    keeper = client_as(world.office_officer)
    assert keeper.post(f"/supplies/requests/{missing}/decide/").status_code == 404
