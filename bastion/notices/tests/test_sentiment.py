"""Public-sentiment and rumour reports (R22): routed by severity, handed up to the leading
group, clarified by a notice its readers receive; the wrong people are refused."""

import datetime as dt

import pytest
from django.urls import reverse

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.notices.models import (
    NoticeKind,
    Receipt,
    ScreenShot,
    SentimentEvent,
    SentimentReport,
)
from bastion.notices.sentiment import (
    SentimentRefused,
    sentiment_clarify,
    sentiment_close,
    sentiment_escalate,
    sentiment_handle,
    sentiment_queue,
    sentiment_report,
    sentiments_visible,
)
from bastion.notify.models import Notification
from bastion.org.models import Person, PersonKind, PoliticalStatus
from bastion.org.services import position_assign

SINCE = dt.date(2020, 1, 20)
NOON = dt.datetime(2020, 2, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16


def _person(number: str, name: str, unit, role: Role, over) -> Person:
    person = Person.objects.create(
        number=number,
        name=name,
        kind=PersonKind.STAFF,
        unit=unit,
        political_status=PoliticalStatus.MEMBER,
    )
    User.objects.create(username=number, person=person, must_change_password=False)
    position_assign(person=person, role=role, over=over, starts_on=SINCE)
    return person


@pytest.fixture
def w(world):
    """The world with the 医学院党委 secretary 何平 and the leading group's 高峰."""
    world.committee_secretary = _person(
        "T3002", "何平", world.med, Role.PARTY_SECRETARY, world.med_committee
    )
    world.leader = _person("T9002", "高峰", world.university, Role.LEADING_GROUP, world.university)
    return world


def user(person: Person) -> User:
    return User.objects.get(person=person)


def report(w, severity: str = "low", **extra) -> SentimentReport:
    args = {
        "where_seen": "班级微信群",
        "summary": "有人说学校明天封校，食堂停止供应",
        "is_rumour": True,
        "spread": "转发到3个群",
        "severity": severity,
        "screenshots": [],
        "now": NOON,
    }
    args.update(extra)
    return sentiment_report(actor=user(w.student), **args)


# --- routing --------------------------------------------------------------------------------


def test_a_low_report_goes_to_the_branch_secretary(w):
    r = report(w, "low", screenshots=[("image/png", PNG), ("image/webp", WEBP)])
    assert (r.level, r.state, r.owner, r.branch) == ("branch", "open", w.secretary, w.med_branch)
    assert list(ScreenShot.objects.filter(report=r).values_list("content_type", flat=True)) == [
        "image/png",
        "image/webp",
    ]
    assert list(r.events.values_list("action", flat=True)) == ["reported"]


def test_a_medium_report_goes_to_the_committee_secretary(w):
    r = report(w, "medium")
    assert (r.level, r.owner) == ("committee", w.committee_secretary)


def test_a_high_report_goes_to_the_leading_group_who_are_told(
    w, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = report(w, "high")
    assert (r.level, r.owner) == ("university", w.leader)
    told = set(Notification.objects.values_list("recipient__name", flat=True))
    assert told == {"高峰", "吴敏"}


# --- refusals -------------------------------------------------------------------------------


def test_a_non_member_cannot_report(w):
    with pytest.raises(SentimentRefused) as refused:
        sentiment_report(
            actor=user(w.staff),
            where_seen="微博",
            summary="传言",
            is_rumour=True,
            spread="",
            severity="low",
            screenshots=[],
            now=NOON,
        )
    assert refused.value.status == 403
    assert SentimentReport.objects.count() == 0


@pytest.mark.parametrize(
    "shots",
    [
        [("image/png", b"<svg onload=alert(1)>")],
        [("image/png", PNG + b"\x00" * (5 * 1024 * 1024))],
        [("image/png", PNG)] * 7,
    ],
    ids=["not-an-image", "too-large", "too-many"],
)
def test_bad_screenshots_are_refused_and_nothing_is_written(w, shots):
    with pytest.raises(SentimentRefused):
        report(w, screenshots=shots)
    assert SentimentReport.objects.count() == ScreenShot.objects.count() == 0


def test_an_unknown_severity_is_refused(w):
    with pytest.raises(SentimentRefused):
        report(w, "extreme")
    assert SentimentReport.objects.count() == 0


def test_wrong_roles_are_refused_and_write_nothing(w):
    r = report(w, "low")
    # The reporter sees it but does not act on it; the committee does not act at the branch.
    for actor, status in [(w.student, 403), (w.committee_secretary, 403), (w.leader, 403)]:
        with pytest.raises(SentimentRefused) as refused:
            sentiment_escalate(actor=user(actor), report=r, note="上报", now=NOON)
        assert refused.value.status == status
    # Out of reach: another college's student, the college leader (no HANDLE_SENTIMENT).
    for actor in (w.other_student, w.college_leader):
        with pytest.raises(SentimentRefused) as refused:
            sentiment_handle(actor=user(actor), report=r, note="", now=NOON)
        assert refused.value.status == 404
    r.refresh_from_db()
    assert (r.level, r.state, r.owner) == ("branch", "open", w.secretary)
    assert r.events.count() == 1


def test_escalating_needs_a_note(w):
    r = report(w, "low")
    with pytest.raises(SentimentRefused):
        sentiment_escalate(actor=user(w.secretary), report=r, note=" ", now=NOON)
    assert r.events.count() == 1


# --- the climb --------------------------------------------------------------------------------


def test_a_rumour_climbs_to_the_leading_group_and_its_clarification_reaches_everyone(
    w, django_capture_on_commit_callbacks
):
    r = report(w, "low")
    r = sentiment_handle(actor=user(w.secretary), report=r, note="核实中", now=NOON)
    assert r.state == "handling"
    r = sentiment_escalate(actor=user(w.secretary), report=r, note="已扩散到全院", now=NOON)
    assert (r.level, r.state, r.owner) == ("committee", "open", w.committee_secretary)
    # The branch no longer acts on it.
    with pytest.raises(SentimentRefused) as refused:
        sentiment_close(actor=user(w.secretary), report=r, note="", now=NOON)
    assert refused.value.status == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = sentiment_escalate(
            actor=user(w.committee_secretary), report=r, note="涉及全校", now=NOON
        )
    assert (r.level, r.owner) == ("university", w.leader)
    assert {"高峰", "吴敏"} <= set(Notification.objects.values_list("recipient__name", flat=True))
    with pytest.raises(SentimentRefused):
        sentiment_escalate(actor=user(w.leader), report=r, note="再上报", now=NOON)

    r = sentiment_clarify(
        actor=user(w.leader), report=r, title="关于封校传言的澄清", body="学校未封校。", now=NOON
    )
    assert r.state == "clarified"
    assert r.clarification.kind == NoticeKind.CLARIFICATION
    readers = Receipt.objects.filter(notice=r.clarification)
    assert readers.count() == Person.objects.count()
    assert readers.filter(person=w.other_student).exists()
    r = sentiment_close(actor=user(w.leader), report=r, note="已平息", now=NOON)
    assert r.state == "closed" and r.closed_at == NOON
    assert list(r.events.values_list("action", flat=True)) == [
        "reported",
        "handling",
        "escalated",
        "escalated",
        "clarified",
        "closed",
    ]


def test_a_branch_clarification_reaches_only_the_branch_people(w):
    r = report(w, "low")
    r = sentiment_clarify(
        actor=user(w.secretary), report=r, title="澄清", body="不实消息。", now=NOON
    )
    readers = set(Receipt.objects.filter(notice=r.clarification).values_list("person", flat=True))
    assert w.student.pk in readers and w.secretary.pk in readers
    assert w.other_student.pk not in readers and w.org_officer.pk not in readers


# --- visibility -------------------------------------------------------------------------------


def test_who_sees_which_reports(w):
    mine = report(w, "low")
    theirs = sentiment_report(
        actor=user(w.grid_worker),
        where_seen="微博",
        summary="另一条",
        is_rumour=False,
        spread="",
        severity="medium",
        screenshots=[],
        now=NOON,
    )
    both = {mine.pk, theirs.pk}

    def seen(person):
        return set(sentiments_visible(actor=user(person)).values_list("pk", flat=True))

    assert seen(w.student) == {mine.pk}
    assert seen(w.secretary) == both
    assert seen(w.committee_secretary) == both
    assert seen(w.leader) == both
    assert seen(w.org_officer) == both
    assert seen(w.other_student) == set()
    assert seen(w.college_leader) == set()
    queue = {
        p.name: set(sentiment_queue(actor=user(p), now=NOON).values_list("pk", flat=True))
        for p in (w.secretary, w.committee_secretary, w.leader, w.student)
    }
    assert queue == {
        "孙丽": {mine.pk},
        "何平": {theirs.pk},
        "高峰": set(),
        "李明": set(),
    }


# --- pages ------------------------------------------------------------------------------------


def test_a_member_reports_from_the_phone_form_with_a_screenshot(w, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(w.student)
    assert client.get(reverse("notices:sentiment_new")).status_code == 200
    response = client.post(
        reverse("notices:sentiment_new"),
        {
            "where_seen": "朋友圈",
            "summary": "传言说食堂停业",
            "is_rumour": "on",
            "spread": "少量",
            "severity": "low",
            "screenshots": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
    )
    r = SentimentReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("notices:sentiment_detail", args=[r.uid])
    shot = client.get(reverse("notices:sentiment_screenshot", args=[r.uid, 1]))
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"
    assert shot.content == PNG
    assert (
        client_as(w.other_student)
        .get(reverse("notices:sentiment_screenshot", args=[r.uid, 1]))
        .status_code
        == 404
    )


def test_a_non_member_posting_the_form_is_refused(w, client_as):
    response = client_as(w.staff).post(
        reverse("notices:sentiment_new"),
        {"where_seen": "微博", "summary": "传言", "severity": "low"},
    )
    assert response.status_code == 403
    assert SentimentReport.objects.count() == 0


def test_the_report_page_is_for_those_in_reach(w, client_as):
    r = report(w, "low")
    url = reverse("notices:sentiment_detail", args=[r.uid])
    page = client_as(w.secretary).get(url)
    assert page.status_code == 200 and page.context["may_escalate"]
    page = client_as(w.student).get(url)
    assert page.status_code == 200 and not page.context["may_act"]
    assert client_as(w.other_student).get(url).status_code == 404
    assert client_as(w.college_leader).get(url).status_code == 404


def test_the_queue_page_is_for_handlers(w, client_as):
    r = report(w, "low")
    page = client_as(w.secretary).get(reverse("notices:sentiment_queue"))
    assert page.status_code == 200 and [x.pk for x in page.context["rows"]] == [r.pk]
    page = client_as(w.leader).get(reverse("notices:sentiment_queue") + "?tab=all")
    assert [x.pk for x in page.context["rows"]] == [r.pk]
    assert client_as(w.student).get(reverse("notices:sentiment_queue")).status_code == 404


def test_the_forms_escalate_clarify_and_refuse(w, client_as):
    r = report(w, "low")
    escalate = reverse("notices:sentiment_escalate", args=[r.uid])
    assert client_as(w.student).post(escalate, {"note": "上报"}).status_code == 403
    assert client_as(w.other_student).post(escalate, {"note": "上报"}).status_code == 404
    assert client_as(w.secretary).post(escalate, {"note": ""}).status_code == 400
    assert SentimentEvent.objects.filter(report=r).count() == 1
    assert client_as(w.secretary).post(escalate, {"note": "上报"}).status_code == 302
    r.refresh_from_db()
    assert r.level == "committee"
    response = client_as(w.committee_secretary).post(
        reverse("notices:sentiment_clarify", args=[r.uid]),
        {"title": "澄清", "body": "不实消息。"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.state == "clarified" and r.clarification is not None
    assert Receipt.objects.filter(notice=r.clarification, person=w.student).exists()
    closing = reverse("notices:sentiment_close", args=[r.uid])
    assert client_as(w.committee_secretary).post(closing, {"note": ""}).status_code == 302
    r.refresh_from_db()
    assert r.state == "closed"
