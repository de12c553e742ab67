"""A member university sends its own daily report to the province: the counts only, once
after commit, again after a failure's backoff, never again once taken.

A loopback HTTP server stands in for the province here (what it answers is the test's);
test_loopback.py has a real province instance answer.
"""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bastion.accounts.models import User
from bastion.conftest import PASSWORD
from bastion.notify.testing import WebhookReceiver
from bastion.org.models import Person
from bastion.province.models import Dispatch, DispatchState
from bastion.province.services import BACKOFF, canonical, province_reports_deliver
from bastion.province.signing import signature_matches
from bastion.province.tasks import province_reports_retry
from bastion.province.tests.conftest import DAY, KEY, MEMBER, MORNING, PATH
from bastion.reports.models import DailyReport
from bastion.reports.selectors import COUNT_FIELDS
from bastion.reports.services import daily_report_submit

pytestmark = pytest.mark.usefixtures("morning")

SENT = {"day", "version", "is_zero", "counts", "counts_by_kind", "submitted_at", "on_time"}


def submit(person: Person, unit, *, is_zero: bool = True, note: str = "", now=MORNING):
    return daily_report_submit(
        actor=User.objects.get(person=person),
        unit=unit,
        day=DAY,
        is_zero=is_zero,
        note=note,
        now=now,
    ).report


@pytest.fixture
def province_stand_in(member_settings):
    """A loopback server answering as the province would (201), recording what it got."""
    with WebhookReceiver() as receiver:
        member_settings.BASTION_PROVINCE_URL = receiver.url.split("/robot")[0]
        yield receiver


def test_the_universitys_report_goes_to_the_province_with_its_counts_only(
    world, signer, province_stand_in, django_capture_on_commit_callbacks
):
    province_stand_in.answers = [(201, {"outcome": "accepted"})]
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(signer, world.university, note="李明（2020001）发热已就医")
    (post,) = province_stand_in.wait_for(1)
    assert post.path == PATH
    assert set(post.json) == SENT
    assert post.json["day"] == "2020-02-10" and post.json["version"] == 1
    assert post.json["counts"] == report.counts
    assert set(post.json["counts"]) == set(COUNT_FIELDS)
    assert set(post.json["counts_by_kind"]) == {"student", "staff"}
    everything = json.dumps(post.json, ensure_ascii=False)
    for person in Person.objects.all():  # nobody's name, number, phone, ID or dormitory
        for fact in (person.name, person.number, person.phone, person.id_number, person.dormitory):
            assert not fact or fact not in everything
    assert "李明" not in everything and "发热" not in everything  # the note stays home
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.attempts, dispatch.status) == (DispatchState.SENT, 1, 201)


def test_the_request_is_signed_with_the_universitys_key(
    world, signer, province_stand_in, django_capture_on_commit_callbacks
):
    province_stand_in.answers = [(201, {})]
    with django_capture_on_commit_callbacks(execute=True):
        submit(signer, world.university)
    (post,) = province_stand_in.wait_for(1)
    headers = {k.lower(): v for k, v in post.headers.items()}
    assert headers["x-bastion-member"] == MEMBER
    assert headers["idempotency-key"] == "10001/2020-02-10/v1"
    assert signature_matches(
        key=KEY,
        method="POST",
        path=PATH,
        timestamp=headers["x-bastion-timestamp"],
        body=canonical(post.json),
        given=headers["x-bastion-signature"],
    )
    assert abs(int(headers["x-bastion-timestamp"]) - MORNING.timestamp()) <= 1


def test_a_colleges_report_stays_in_the_university(
    world, campaign, member_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        submit(world.college_leader, world.med)
    assert not Dispatch.objects.exists()


def test_an_instance_that_is_no_member_sends_nothing(world, signer, settings):
    settings.BASTION_PROVINCE_URL = ""
    submit(signer, world.university)
    assert DailyReport.objects.count() == 1
    assert not Dispatch.objects.exists()


def test_a_resubmission_is_the_next_version_and_an_unsent_earlier_one_is_not_sent(
    world, signer, member_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        submit(signer, world.university)
        submit(signer, world.university, now=MORNING + dt.timedelta(minutes=20))
    first, second = Dispatch.objects.order_by("version")
    assert (first.version, first.state) == (1, DispatchState.SUPERSEDED)
    assert (second.version, second.state) == (2, DispatchState.PENDING)
    assert second.key == "10001/2020-02-10/v2"
    assert second.payload["submitted_at"] == "2020-02-10T01:20:00+00:00"


def test_a_refused_submission_queues_nothing(world, signer, member_settings):
    from bastion.reports.services import ReportRefused

    with pytest.raises(ReportRefused):
        daily_report_submit(
            actor=User.objects.get(person=signer),
            unit=world.university,
            day=DAY + dt.timedelta(days=1),
            is_zero=True,
            now=MORNING,
        )
    assert not Dispatch.objects.exists()


def test_an_unreachable_province_is_tried_again_after_the_backoff(
    world, signer, member_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(signer, world.university)
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.attempts) == (DispatchState.PENDING, 1)
    assert dispatch.next_attempt_at == MORNING + BACKOFF[0]
    assert dispatch.error  # why, in the operator's language
    province_reports_retry()  # not yet due
    assert Dispatch.objects.get().attempts == 1
    with time_machine.travel(MORNING + BACKOFF[0], tick=False):
        province_reports_retry()
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.attempts) == (DispatchState.PENDING, 2)
    assert dispatch.next_attempt_at == MORNING + BACKOFF[0] + BACKOFF[1]


def test_a_province_that_answers_an_error_is_tried_again_until_it_takes_the_report(
    world, signer, province_stand_in, django_capture_on_commit_callbacks
):
    province_stand_in.answers = [(503, {"detail": "away"}), (401, {"detail": "签名不符"})]
    with django_capture_on_commit_callbacks(execute=True):
        submit(signer, world.university)
    assert "503" in Dispatch.objects.get().error
    later = MORNING + dt.timedelta(hours=1)
    assert province_reports_deliver(now=later) == 0  # 401: a key fixed since will do
    assert "签名不符" in Dispatch.objects.get().error
    assert province_reports_deliver(now=later + dt.timedelta(hours=1)) == 1
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.attempts, dispatch.error) == (DispatchState.SENT, 3, "")
    assert province_reports_deliver(now=later + dt.timedelta(hours=2)) == 0  # sent is sent
    assert len(province_stand_in.posts) == 1


def test_a_report_the_province_refuses_for_good_is_not_sent_again(
    world, signer, province_stand_in, django_capture_on_commit_callbacks
):
    province_stand_in.answers = [(400, {"detail": "零报告不能有疑似病例"})]
    with django_capture_on_commit_callbacks(execute=True):
        submit(signer, world.university)
    dispatch = Dispatch.objects.get()
    assert (dispatch.state, dispatch.status) == (DispatchState.REFUSED, 400)
    assert "零报告不能有疑似病例" in dispatch.error
    assert province_reports_deliver(now=timezone.now() + dt.timedelta(days=1)) == 0


def test_an_administrator_sends_a_refused_report_again_once_the_cause_is_fixed(
    world, signer, province_stand_in, django_capture_on_commit_callbacks
):
    province_stand_in.answers = [(400, {"detail": "省级平台尚未升级"})]
    with django_capture_on_commit_callbacks(execute=True):
        submit(signer, world.university)
    dispatch = Dispatch.objects.get()
    User.objects.create_superuser("root", password=PASSWORD, must_change_password=False)
    admin = Client()
    admin.login(username="root", password=PASSWORD)
    response = admin.post(
        reverse("admin:province_dispatch_changelist"),
        {"action": "send_again", "_selected_action": [dispatch.pk]},
    )
    assert response.status_code == 302
    assert Dispatch.objects.get().state == DispatchState.PENDING
    province_reports_retry()
    assert Dispatch.objects.get().state == DispatchState.SENT
