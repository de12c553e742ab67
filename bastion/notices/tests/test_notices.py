"""Notices (R21): the audience an author holds, receipts for the right people, reading and
acknowledging, chasing within reach, the pages and the API."""

import datetime as dt

import pytest
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth
from ninja.testing import TestClient

from bastion.accounts.models import User
from bastion.accounts.scoping import scope_of
from bastion.lib.refusals import Refused
from bastion.notices.api import router
from bastion.notices.models import Notice, NoticeKind, Receipt
from bastion.notices.selectors import knowledge, my_receipts, receipts_pending
from bastion.notices.services import (
    NoticeRefused,
    notice_acknowledge,
    notice_chase,
    notice_publish,
    notice_read,
    notice_withdraw,
)
from bastion.notify.models import Notification

NOW = dt.datetime(2020, 2, 10, 9, 0, tzinfo=dt.UTC)


def user(person) -> User:
    return User.objects.get(person=person)


def publish(by, audience, *, ack=True, kind=NoticeKind.OFFICIAL, title="关于做好返校准备的通知"):
    return notice_publish(
        actor=user(by),
        kind=kind,
        title=title,
        body="请各位同学每日按时打卡。\n\n如有发热，立即报告辅导员。",
        audience=audience,
        requires_ack=ack,
        now=NOW,
    )


def readers(notice) -> set[str]:
    return set(Receipt.objects.filter(notice=notice).values_list("person__name", flat=True))


# --- the audience an author holds ------------------------------------------------------------


@pytest.mark.parametrize(
    "audience",
    [
        {"units": ["MED"]},  # her own college, above the class she answers for
        {"units": ["MED-C1", "CS-C1"]},  # one of hers, one not
        {"party_orgs": ["MED-B1"]},
        {"students": True},
        {"staff": True},
        {"roles": ["counselor"]},
        {"units": ["NO-SUCH"]},
        {},
    ],
)
def test_an_audience_the_author_does_not_hold_is_refused_and_nothing_written(world, audience):
    with pytest.raises(NoticeRefused) as refused:
        publish(world.counselor, audience)
    assert refused.value.status == 400
    assert Notice.objects.count() == 0 and Receipt.objects.count() == 0
    assert Notification.objects.count() == 0


def test_one_without_the_right_to_publish_is_refused_403(world):
    with pytest.raises(NoticeRefused) as refused:
        publish(world.student, {"units": ["MED-C1"]})
    assert refused.value.status == 403
    assert Notice.objects.count() == 0


def test_student_affairs_may_not_address_all_staff_nor_roles(world):
    for audience in ({"staff": True}, {"roles": ["counselor"]}):
        with pytest.raises(NoticeRefused):
            publish(world.student_affairs, audience)
    assert Notice.objects.count() == 0


# --- receipts resolved right -----------------------------------------------------------------


def test_a_class_notice_reaches_the_people_of_the_class(world):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    assert readers(notice) == {"李明", "刘洋"}
    assert notice.audience["units"] == ["MED-C1"] and notice.requires_ack


def test_a_college_notice_reaches_the_whole_subtree(world):
    notice = publish(world.college_leader, {"units": ["MED"]})
    assert readers(notice) == {"李明", "刘洋", "赵强", "陈静", "孙丽", "周伟", "冯涛"}


def test_a_branch_notice_reaches_its_members_and_the_people_of_the_units_it_leads(world):
    notice = publish(world.secretary, {"party_orgs": ["MED-B1"]})
    assert readers(notice) == {"李明", "刘洋", "陈静", "孙丽"}


def test_all_students_reaches_every_student_and_no_staff(world):
    notice = publish(world.student_affairs, {"students": True})
    assert readers(notice) == {"李明", "刘洋", "王芳"}


def test_a_unit_named_by_student_affairs_reaches_only_its_students(world):
    notice = publish(world.student_affairs, {"units": ["MED"]})
    assert readers(notice) == {"李明", "刘洋"}


def test_the_holders_of_a_role_and_everyone(world):
    notice = publish(world.org_officer, {"roles": ["counselor", "lab_head"]})
    assert readers(notice) == {"陈静", "冯涛"}
    everyone = publish(world.org_officer, {"students": True, "staff": True})
    assert Receipt.objects.filter(notice=everyone).count() == 11


def test_publishing_queues_an_email_to_each_reader_with_an_address_and_the_group(
    world, emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = publish(world.counselor, {"units": ["MED-C1"]})
    rows = Notification.objects.filter(key__startswith=f"notice:{notice.uid}")
    assert sorted(rows.filter(channel="email").values_list("recipient__name", flat=True)) == [
        "刘洋",
        "李明",
    ]
    assert rows.filter(channel="webhook").count() == 1


# --- reading and acknowledging ---------------------------------------------------------------


def test_acknowledging_is_idempotent_and_marks_read(world):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    first = notice_acknowledge(person=world.student, notice=notice, now=NOW)
    again = notice_acknowledge(person=world.student, notice=notice, now=NOW + dt.timedelta(hours=2))
    assert first.acknowledged_at == again.acknowledged_at == NOW
    assert again.read_at == NOW
    assert Receipt.objects.filter(notice=notice, acknowledged_at__isnull=False).count() == 1


def test_one_not_in_the_audience_cannot_read_nor_acknowledge(world):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    for service in (notice_read, notice_acknowledge):
        with pytest.raises(NoticeRefused) as refused:
            service(person=world.other_student, notice=notice, now=NOW)
        assert refused.value.status == 404
    assert not Receipt.objects.filter(person=world.other_student).exists()


def test_my_notices_put_the_unread_first(world):
    old = publish(world.counselor, {"units": ["MED-C1"]}, title="旧通知")
    new = publish(world.counselor, {"units": ["MED-C1"]}, title="新通知")
    notice_read(person=world.student, notice=new, now=NOW)
    assert [r.notice for r in my_receipts(world.student)] == [old, new]


# --- chasing --------------------------------------------------------------------------------


def test_chase_reminds_only_those_in_reach_who_have_not_once_an_hour(
    world, emails, django_capture_on_commit_callbacks
):
    notice = publish(world.org_officer, {"students": True})
    notice_acknowledge(person=world.student, notice=notice, now=NOW)
    # The counselor reaches the class MED-C1: of its two, 刘洋 has not acknowledged.
    with django_capture_on_commit_callbacks(execute=True):
        assert notice_chase(actor=user(world.counselor), notice=notice, now=NOW) == 1
    chased = Receipt.objects.filter(chased__gt=0)
    assert list(chased.values_list("person__name", flat=True)) == ["刘洋"]
    assert notice_chase(actor=user(world.counselor), notice=notice, now=NOW) == 0
    later = NOW + dt.timedelta(hours=1, minutes=1)
    assert notice_chase(actor=user(world.counselor), notice=notice, now=later) == 1
    assert Receipt.objects.get(person=world.grid_worker, notice=notice).chased == 2
    reminders = Notification.objects.filter(key__contains=":chase:", channel="email")
    assert set(reminders.values_list("recipient__name", flat=True)) == {"刘洋"}


def test_chase_by_one_without_the_right_is_refused(world):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    with pytest.raises(NoticeRefused) as refused:
        notice_chase(actor=user(world.grid_worker), notice=notice, now=NOW)
    assert refused.value.status == 403
    assert not Receipt.objects.filter(chased__gt=0).exists()


def test_chase_within_a_unit_out_of_reach_is_404(world):
    notice = publish(world.org_officer, {"students": True})
    with pytest.raises(NoticeRefused) as refused:
        notice_chase(actor=user(world.counselor), notice=notice, unit=world.cs_class, now=NOW)
    assert refused.value.status == 404


def test_the_pending_list_is_kept_to_reach(world):
    notice = publish(world.org_officer, {"students": True})
    names = [
        r.person.name
        for r in receipts_pending(scope=scope_of(user(world.counselor)), notice=notice)
    ]
    assert sorted(names) == ["刘洋", "李明"]


def test_withdrawal_by_its_author_hides_it_and_others_are_refused(world):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    with pytest.raises(NoticeRefused):
        notice_withdraw(actor=user(world.college_leader), notice=notice, now=NOW)
    notice_withdraw(actor=user(world.counselor), notice=notice, now=NOW)
    assert list(my_receipts(world.student)) == []


# --- the knowledge page ----------------------------------------------------------------------


def test_knowledge_is_searchable_in_chinese_word_by_word(world):
    publish(
        world.org_officer,
        {"students": True},
        ack=False,
        kind=NoticeKind.KNOWLEDGE,
        title="正确佩戴口罩",
    )
    publish(
        world.org_officer,
        {"students": True},
        ack=False,
        kind=NoticeKind.OFFICIAL,
        title="口罩发放通知",
    )
    gone = publish(
        world.org_officer, {"students": True}, ack=False, kind=NoticeKind.POLICY, title="旧口罩政策"
    )
    notice_withdraw(actor=user(world.org_officer), notice=gone, now=NOW)
    assert [n.title for n in knowledge("口罩")] == ["正确佩戴口罩"]
    assert [n.title for n in knowledge("口罩 发热")] == ["正确佩戴口罩"]
    assert list(knowledge("口罩 酒精")) == []


# --- pages ----------------------------------------------------------------------------------


def test_the_reader_sees_reads_and_acknowledges_on_the_pages(world, client_as):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    client = client_as(world.student)
    page = client.get("/notices/")
    assert page.status_code == 200 and notice.title in page.content.decode()
    assert client.get(f"/notices/{notice.uid}/").status_code == 200
    assert Receipt.objects.get(notice=notice, person=world.student).read_at is not None
    assert client.post(f"/notices/{notice.uid}/acknowledge/").status_code == 302
    assert Receipt.objects.get(notice=notice, person=world.student).acknowledged_at is not None


def test_a_notice_out_of_the_audience_is_404_on_the_pages(world, client_as):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    client = client_as(world.other_student)
    assert client.get(f"/notices/{notice.uid}/").status_code == 404
    assert client.post(f"/notices/{notice.uid}/acknowledge/").status_code == 404
    assert client.get(f"/notices/{notice.uid}/receipts/").status_code == 404


def test_compose_offers_only_what_the_author_holds_and_publishes(world, client_as):
    client = client_as(world.counselor)
    page = client.get("/notices/new/").content.decode()
    assert (
        'value="MED-C1"' in page and 'value="CS-C1"' not in page and 'name="students"' not in page
    )
    answer = client.post(
        "/notices/new/",
        {
            "kind": "official",
            "title": "今日打卡提醒",
            "body": "请按时打卡",
            "units": ["MED-C1"],
            "requires_ack": "on",
        },
    )
    assert answer.status_code == 302
    assert readers(Notice.objects.get(title="今日打卡提醒")) == {"李明", "刘洋"}
    refused = client.post(
        "/notices/new/", {"kind": "official", "title": "越权", "body": "x", "units": ["CS-C1"]}
    )
    assert refused.status_code == 200 and not Notice.objects.filter(title="越权").exists()


def test_compose_is_403_without_the_right(world, client_as):
    assert client_as(world.student).get("/notices/new/").status_code == 403
    assert client_as(world.student).get("/notices/sent/").status_code == 403


def test_the_receipts_page_lists_who_has_not_and_chases_them(world, client_as):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    notice_acknowledge(person=world.student, notice=notice, now=NOW)
    client = client_as(world.counselor)
    page = client.get(f"/notices/{notice.uid}/receipts/")
    assert page.status_code == 200
    pending = [r.person.name for r in page.context["pending"]]
    assert pending == ["刘洋"] and page.context["totals"]["acknowledged"] == 1
    assert client.get(f"/notices/{notice.uid}/receipts/?unit=CS-C1").status_code == 404
    assert client.post(f"/notices/{notice.uid}/chase/").status_code == 302
    assert Receipt.objects.get(notice=notice, person=world.grid_worker).chased == 1


def test_the_receipts_page_of_a_college_notice_is_kept_to_the_counselors_class(world, client_as):
    notice = publish(world.college_leader, {"units": ["MED"]})
    page = client_as(world.counselor).get(f"/notices/{notice.uid}/receipts/")
    assert page.status_code == 200
    # her class, and herself (she works in the college): not the rest of the college
    assert sorted(r.person.name for r in page.context["pending"]) == ["刘洋", "李明", "陈静"]
    # the grid worker has no right to follow receipts and is not the author
    assert client_as(world.grid_worker).get(f"/notices/{notice.uid}/receipts/").status_code == 404
    assert client_as(world.grid_worker).post(f"/notices/{notice.uid}/chase/").status_code == 404


def test_the_knowledge_page_searches(world, client_as):
    publish(
        world.org_officer,
        {"students": True},
        ack=False,
        kind=NoticeKind.KNOWLEDGE,
        title="正确佩戴口罩",
    )
    page = client_as(world.student).get("/notices/knowledge/", {"q": "口罩"})
    assert page.status_code == 200 and page.context["count"] == 1
    assert client_as(world.student).get("/notices/knowledge/", {"q": "疫苗"}).context["count"] == 0


# --- API ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_client() -> TestClient:
    """The router on an API of its own, as bastion/api.py will mount it."""
    api = NinjaAPI(urls_namespace="notices-test", auth=django_auth)

    @api.exception_handler(Refused)
    def _refused(request: HttpRequest, exc: Refused):
        return api.create_response(request, {"detail": exc.message}, status=exc.status)

    api.add_router("/", router)
    return TestClient(api)


def test_the_api_lists_my_notices_and_acknowledges(world, api_client):
    notice = publish(world.counselor, {"units": ["MED-C1"]})
    mine = api_client.get("/notices", user=user(world.student)).json()
    assert mine["count"] == 1 and mine["items"][0]["uid"] == str(notice.uid)
    answer = api_client.post(f"/notices/{notice.uid}/acknowledge", user=user(world.student))
    assert answer.status_code == 200 and answer.json()["acknowledged_at"] is not None
    again = api_client.post(f"/notices/{notice.uid}/acknowledge", user=user(world.student))
    assert again.json()["acknowledged_at"] == answer.json()["acknowledged_at"]
    assert api_client.get("/notices", user=user(world.other_student)).json()["count"] == 0
    out = api_client.post(f"/notices/{notice.uid}/acknowledge", user=user(world.other_student))
    assert out.status_code == 404
    assert (
        api_client.post("/notices/not-a-uid/acknowledge", user=user(world.student)).status_code
        == 404
    )
