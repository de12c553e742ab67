"""A university's daily report reaches a province instance started beside it on loopback,
once, also when the province was away when the report was submitted.

The university is this test's process and database; the province is Bastion as deployed
(granian serving bastion.wsgi, DEBUG=0) on a database of its own, read back through the
driver. Delivery runs as in production (after commit, then the periodic sweep), with the
suite's Huey running each task at once.
"""

import datetime as dt
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from bastion.accounts.models import User
from bastion.campaigns.services import campaign_create_from_preset
from bastion.conftest import SINCE, build_world
from bastion.lib.days import business_day
from bastion.ops.testing import Server, query
from bastion.org.models import UnitKind
from bastion.province.models import Dispatch, DispatchState
from bastion.province.services import PATH, canonical, province_reports_deliver
from bastion.province.signing import signed_headers
from bastion.province.tasks import province_reports_retry
from bastion.province.tests.conftest import MEMBER, university_signer
from bastion.reports.services import daily_report_submit

pytestmark = [pytest.mark.django_db(transaction=True)]

KEY = "loopback-key-of-the-university-0123456789abcdef"
REPORTS = (
    "SELECT u.code, r.day, r.is_zero, r.submitted_by_id FROM reports_dailyreport r"
    " JOIN org_unit u ON u.id = r.unit_id"
)
RECEIPTS = "SELECT key, outcome FROM province_receipt"


@pytest.fixture
def province(scratch, tmp_path, settings):
    """The province's instance (not started: the test starts it) with the university as a
    member, and this instance set up as that member."""
    assert scratch.call("bastion.province.tests.worlds:province_world", MEMBER, KEY) == MEMBER
    server = Server(scratch.env(), tmp_path / "province.log", workers=1, threads=2)
    settings.BASTION_PROVINCE_URL = f"http://127.0.0.1:{server.port}"
    settings.BASTION_PROVINCE_MEMBER = MEMBER
    settings.BASTION_PROVINCE_KEY = KEY
    yield server
    server.kill()


def submit_the_universitys_report() -> dt.date:
    """示范大学's Party secretary signs the university's zero report of today."""
    world = build_world()
    campaign_create_from_preset(
        preset="covid19",
        starts_on=SINCE,
        reporting_unit_kinds=["college", "office", "hospital", UnitKind.UNIVERSITY.value],
    )
    signer = university_signer(world)
    today = business_day()
    daily_report_submit(
        actor=User.objects.get(person=signer), unit=world.university, day=today, is_zero=True
    )
    return today


def at_the_province(server_url: str) -> tuple[list[tuple], list[tuple]]:
    return query(server_url, REPORTS), query(server_url, RECEIPTS)


def test_the_universitys_report_appears_at_the_province_once(province, scratch):
    province.start()
    today = submit_the_universitys_report()

    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.status, dispatch.attempts) == (DispatchState.SENT, 201, 1)
    reports, receipts = at_the_province(scratch.url)
    assert [(code, str(day)[:10], bool(zero), by) for code, day, zero, by in reports] == [
        (MEMBER, today.isoformat(), True, None)
    ]
    assert receipts == [(f"{MEMBER}/{today.isoformat()}/v1", "accepted")]


def test_a_report_submitted_while_the_province_is_away_reaches_it_once_it_is_back(
    province, scratch
):
    today = submit_the_universitys_report()  # nobody listens on the province's port yet
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.attempts) == (DispatchState.PENDING, 1)
    assert dispatch.error
    assert at_the_province(scratch.url) == ([], [])

    province.start()
    province_reports_retry()  # the backoff has not passed: the sweep leaves it
    assert Dispatch.objects.get().attempts == 1
    with time_machine.travel(dispatch.next_attempt_at, tick=True):
        province_reports_retry()
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.status, dispatch.attempts) == (DispatchState.SENT, 201, 2)

    # Its answer lost on the way back, the university sends the same report again: the
    # province answers as the first time and writes nothing.
    Dispatch.objects.update(state=DispatchState.PENDING, sent_at=None, next_attempt_at=None)
    assert province_reports_deliver(now=timezone.now()) == 1
    assert Dispatch.objects.get().state == DispatchState.SENT
    reports, receipts = at_the_province(scratch.url)
    assert [(code, str(day)[:10]) for code, day, _zero, _by in reports] == [
        (MEMBER, today.isoformat())
    ]
    assert receipts == [(f"{MEMBER}/{today.isoformat()}/v1", "accepted")]


def test_two_copies_of_a_report_arriving_together_are_taken_once(province, scratch):
    """Two deliveries of one report racing each other (a retry while the first is still on
    its way): the province takes one and answers the other from its receipt."""
    province.start()
    submit_the_universitys_report()
    dispatch = Dispatch.objects.get()
    body = canonical(dispatch.payload)

    def post() -> int:
        headers = signed_headers(
            member=MEMBER,
            key=KEY,
            method="POST",
            path=PATH,
            body=body,
            idempotency_key=dispatch.key,
            now=time.time(),
        )
        request = urllib.request.Request(  # noqa: S310 (http on loopback)
            settings.BASTION_PROVINCE_URL + PATH,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _i: post(), range(4)))
    assert statuses == [201] * 4
    reports, receipts = at_the_province(scratch.url)
    assert len(reports) == 1
    assert receipts == [(dispatch.key, "accepted")]
