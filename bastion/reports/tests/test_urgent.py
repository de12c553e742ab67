"""Urgent reports: filed at once, reaching every level above and the leading group, acknowledged."""

import json

import pytest

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.conftest import SINCE
from bastion.notify.models import Notification
from bastion.notify.testing import LoopbackSMTP, WebhookReceiver
from bastion.org.models import Person, PersonKind
from bastion.org.services import position_assign
from bastion.reports.models import UrgentRecipient, UrgentReport
from bastion.reports.urgent import (
    UrgentReportRefused,
    urgent_report_acknowledge,
    urgent_report_file,
)


@pytest.fixture
def leader(world, campaign):
    """王校长 of the leading group, and email addresses for those who answer for MED-C1."""
    head = Person.objects.create(
        number="T9001", name="王校长", kind=PersonKind.STAFF, unit=world.university
    )
    User.objects.create(username="T9001", person=head, must_change_password=False)
    position_assign(person=head, role=Role.LEADING_GROUP, over=world.university, starts_on=SINCE)
    for p in (head, world.secretary, world.college_leader, world.counselor):
        p.email = f"{p.number.lower()}@example.edu.cn"
        p.save(update_fields=["email"])
    return head


@pytest.fixture
def channels(settings):
    with LoopbackSMTP() as smtp, WebhookReceiver() as hook:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        settings.EMAIL_USE_TLS = False
        settings.BASTION_WEBHOOK_URL = hook.url
        settings.BASTION_WEBHOOK_FORMAT = "wecom"
        yield smtp, hook


def _user(person: Person) -> User:
    return User.objects.get(person=person)


def _file(world, **extra):
    args = {
        "actor": _user(world.counselor),
        "unit": world.med_class,
        "kind": "suspected_case",
        "summary": "李明发热 38.6 °C，咳嗽，已送校医院隔离观察。",
        "person": world.student,
        "client_id": "c-1",
    }
    args.update(extra)
    return urgent_report_file(**args)


def test_a_counselors_report_reaches_every_level_above_and_the_leading_group(
    world, leader, channels, django_capture_on_commit_callbacks
):
    smtp, hook = channels
    with django_capture_on_commit_callbacks(execute=True):
        filed = _file(world)
    report = filed.report
    assert not filed.replayed
    got = set(report.recipients.values_list("person__number", flat=True))
    assert got == {world.secretary.number, world.college_leader.number, leader.number}
    mails = smtp.wait_for(3)
    assert sorted(r for m in mails for r in m.recipients) == [
        "t2002@example.edu.cn",
        "t3001@example.edu.cn",
        "t9001@example.edu.cn",
    ]
    assert all("疑似病例" in m.subject and "临床2020级1班" in m.subject for m in mails)
    assert all("李明" in m.body for m in mails)
    (post,) = hook.wait_for(1)
    content = post.json["markdown"]["content"]
    assert "疑似病例" in content and "38.6" in content
    assert "2020001" not in content  # the group never sees the person concerned's number


def test_a_retry_with_the_same_client_id_answers_the_same_report_and_sends_nothing(
    world, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = _file(world)
    sent = Notification.objects.count()
    again = _file(world, summary="改过的内容")
    assert again.replayed and again.report == first.report
    assert UrgentReport.objects.count() == 1
    assert Notification.objects.count() == sent


def test_the_reporter_is_not_among_the_recipients(world, leader):
    report = _file(world, actor=_user(world.college_leader), client_id="").report
    numbers = set(report.recipients.values_list("person__number", flat=True))
    assert world.college_leader.number not in numbers
    assert leader.number in numbers


def test_a_student_may_not_file_one(world, leader):
    with pytest.raises(UrgentReportRefused) as refused:
        _file(world, actor=_user(world.student), person=None)
    assert refused.value.status == 403
    assert UrgentReport.objects.count() == 0


def test_a_unit_out_of_reach_is_not_found(world, leader):
    with pytest.raises(UrgentReportRefused) as refused:
        _file(world, unit=world.cs_class, person=None)
    assert refused.value.status == 404


def test_a_person_out_of_reach_is_not_found(world, leader):
    with pytest.raises(UrgentReportRefused) as refused:
        _file(world, person=world.other_student)
    assert refused.value.status == 404
    assert UrgentReport.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "words"),
    [({"kind": "rumour"}, "未知"), ({"summary": "   "}, "发生了什么")],
)
def test_bad_input_is_refused_in_words_and_writes_nothing(world, leader, extra, words):
    with pytest.raises(UrgentReportRefused) as refused:
        _file(world, **extra)
    assert refused.value.status == 400 and words in refused.value.message
    assert UrgentReport.objects.count() == 0 and Notification.objects.count() == 0


def test_a_recipient_acknowledges_once_and_the_first_time_stays(world, leader):
    report = _file(world).report
    row = urgent_report_acknowledge(actor=_user(leader), report=report)
    first = row.acknowledged_at
    assert first is not None
    again = urgent_report_acknowledge(actor=_user(leader), report=report)
    assert again.acknowledged_at == first


def test_someone_it_was_not_sent_to_cannot_acknowledge_it(world, leader):
    report = _file(world).report
    with pytest.raises(UrgentReportRefused) as refused:
        urgent_report_acknowledge(actor=_user(world.grid_worker), report=report)
    assert refused.value.status == 404


# --- pages -------------------------------------------------------------------------------


def test_the_form_files_a_report_and_shows_it(
    world, leader, client_as, django_capture_on_commit_callbacks
):
    client = client_as(world.counselor)
    assert client.get("/urgent/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            "/urgent/new/",
            {
                "unit": world.med_class.pk,
                "kind": "cluster",
                "summary": "一号楼3层三人发热",
                "person": "",
                "client_id": "form-1",
            },
        )
    report = UrgentReport.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/urgent/{report.uid}/"
    page = client.get(answer["Location"])
    assert "一号楼3层三人发热" in page.content.decode()


def test_the_form_is_not_found_for_a_student(world, leader, client_as):
    assert client_as(world.student).get("/urgent/new/").status_code == 404


def test_the_form_shows_a_refusal_in_words(world, leader, client_as):
    answer = client_as(world.counselor).post(
        "/urgent/new/",
        {"unit": world.med_class.pk, "kind": "cluster", "summary": "x", "person": "2020101"},
    )
    assert answer.status_code == 400
    assert UrgentReport.objects.count() == 0


def test_the_list_shows_reports_in_reach_with_acknowledgements(world, leader, client_as):
    report = _file(world).report
    urgent_report_acknowledge(actor=_user(leader), report=report)
    text = client_as(world.college_leader).get("/urgent/").content.decode()
    assert "临床2020级1班" in text and "1 / 3" in text
    assert "临床2020级1班" not in client_as(world.other_student).get("/urgent/").content.decode()


def test_a_recipient_acknowledges_on_the_page(world, leader, client_as):
    report = _file(world).report
    client = client_as(world.secretary)
    page = client.get(f"/urgent/{report.uid}/").content.decode()
    assert "已知悉" in page
    answer = client.post(f"/urgent/{report.uid}/acknowledge/")
    assert answer.status_code == 302
    row = UrgentRecipient.objects.get(report=report, person=world.secretary)
    assert row.acknowledged_at is not None


def test_a_report_out_of_reach_is_not_found(world, leader, client_as):
    report = _file(world).report
    client = client_as(world.other_student)
    assert client.get(f"/urgent/{report.uid}/").status_code == 404
    assert client.post(f"/urgent/{report.uid}/acknowledge/").status_code == 404
    assert client.get("/urgent/not-a-uuid/").status_code == 404


# --- API ---------------------------------------------------------------------------------


def _post(client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_the_api_files_replays_lists_and_acknowledges(world, leader, client_as):
    body = {"unit": "MED-C1", "kind": "incident", "summary": "实验室泄漏", "client_id": "a-1"}
    counselor = client_as(world.counselor)
    first = _post(counselor, "/api/v1/urgent-reports", body)
    assert first.status_code == 201, first.content
    uid = first.json()["uid"]
    assert {r["person"] for r in first.json()["recipients"]} == {"T2002", "T3001", "T9001"}
    again = _post(counselor, "/api/v1/urgent-reports", body)
    assert again.status_code == 200 and again.json()["uid"] == uid

    head = client_as(leader)
    listed = head.get("/api/v1/urgent-reports").json()
    assert [r["uid"] for r in listed] == [uid]
    acked = _post(head, f"/api/v1/urgent-reports/{uid}/acknowledge", {})
    assert acked.status_code == 200
    mine = next(r for r in acked.json()["recipients"] if r["person"] == "T9001")
    assert mine["acknowledged_at"] is not None


def test_the_api_refuses_wrong_role_out_of_reach_and_bad_input(world, leader, client_as):
    body = {"unit": "MED-C1", "kind": "incident", "summary": "x"}
    assert _post(client_as(world.student), "/api/v1/urgent-reports", body).status_code == 403
    other = {**body, "unit": "CS-C1"}
    assert _post(client_as(world.counselor), "/api/v1/urgent-reports", other).status_code == 404
    bad = _post(client_as(world.counselor), "/api/v1/urgent-reports", {**body, "kind": "x"})
    assert bad.status_code == 400 and "未知" in bad.json()["detail"]
    stranger = client_as(world.other_student)
    assert stranger.get("/api/v1/urgent-reports").json() == []
    assert UrgentReport.objects.count() == 0
