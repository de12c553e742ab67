"""My data: everything Bastion holds about the person logged in, nothing about anyone else,
on the page and in the download."""

import datetime as dt
import json

from django.conf import settings
from django.test import Client
from django.urls import reverse

from bastion.accounts.models import User
from bastion.privacy.mydata import SECTION_KEYS, SECTIONS
from bastion.privacy.notice import notice_version

PAGE = reverse("privacy:my_data")
DOWNLOAD = reverse("privacy:my_data_download")


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def others(world, lived) -> list[str]:
    """What of other people must not show: the case's person, a classmate of another college,
    their numbers, their phones and what they asked for."""
    return [
        lived.roommate.name,
        lived.roommate.number,
        lived.roommate.phone,
        lived.roommate.id_number,
        world.other_student.name,
        world.other_student.number,
        world.other_student.phone,
        "36.9",
        "王芳想借教材",
        "350503",
    ]


def test_a_student_sees_their_own_record_check_ins_and_everything_that_concerns_them(
    world, lived, client_as
):
    page = english(client_as(world.student)).get(PAGE).content.decode()
    for shown in (
        "李明",
        "2020001",
        world.student.phone_masked,
        world.student.id_number_masked,
        "38.4",  # today's check-in, as last submitted
        "36.5",
        "发热、干咳",  # symptoms, as the campaign names them
        "发热：体温 38.2℃",  # the alert
        "G1234",  # the trip
        "Same dormitory room",  # the contact, by its setting only
        "病例的密切接触者",  # the isolation's reason, which names no case
        "刘洋",  # their carer and the alerts' owner: people who act for them
        "体温计",  # the carer's log
        "需要退烧药",  # the care request
        "关于做好返校准备的通知",  # the notice
        "就医",  # the leave
        "北门",  # the gate
        notice_version(),  # their consent
    ):
        assert shown in page, shown
    assert "13800000001" not in page and "11010519491231002X" not in page


def test_the_page_shows_nothing_of_anyone_else(world, lived, client_as):
    page = client_as(world.student).get(PAGE).content.decode()
    for hidden in others(world, lived):
        assert hidden not in page, hidden


def test_a_contact_is_never_told_who_the_case_is(world, lived, client_as):
    document = client_as(world.student).get(DOWNLOAD).json()
    (contact,) = document["contacts"]
    assert set(contact) == {"exposed_on", "setting", "closeness", "degree", "state", "decided_at"}
    assert lived.roommate.name not in json.dumps(document, ensure_ascii=False)


def test_the_download_has_every_section_and_only_the_persons_own_rows(world, lived, client_as):
    response = english(client_as(world.student)).get(DOWNLOAD)
    assert response["Content-Disposition"].startswith('attachment; filename="bastion-my-data-')
    document = response.json()
    assert set(SECTION_KEYS) <= set(document)
    assert {"exported_at", "account", "person"} <= set(document)
    assert document["account"] == "2020001" and document["person"]["name"] == "李明"
    assert document["person"]["phone"] == world.student.phone_masked
    assert [c["temperature"] for c in document["checkins"]] == ["38.4", "36.6", "36.5"]
    assert document["checkins"][0]["symptoms"] == ["发热", "干咳"]
    assert document["checkin_revisions"][0]["as_it_was"].startswith("temperature: 38.2")
    for key in (
        "checkins",
        "checkin_revisions",
        "alerts",
        "trips",
        "contacts",
        "isolations",
        "care_logs",
        "leave_applications",
        "gate_log",
        "care_requests",
        "notice_receipts",
        "consents",
    ):
        assert document[key], key
    text = json.dumps(document, ensure_ascii=False)
    for hidden in others(world, lived):
        assert hidden not in text, hidden


def test_the_page_and_the_download_have_the_same_sections(world, lived, client_as):
    page = client_as(world.student).get(PAGE).content.decode()
    for section in SECTIONS:
        assert f'id="{section.key}"' in page, section.key


def test_the_case_sees_their_own_case_and_not_their_contacts(world, lived, client_as):
    document = english(client_as(lived.roommate)).get(DOWNLOAD).json()
    assert [c["status"] for c in document["cases"]] == ["Suspected"]
    assert "李明" not in json.dumps(document, ensure_ascii=False)
    assert document["contacts"] == []


def test_check_ins_are_shown_a_page_at_a_time(world, lived, client_as):
    from bastion.checkins.models import CheckIn

    first = CheckIn.objects.filter(person=world.student).first()
    CheckIn.objects.bulk_create(
        CheckIn(
            campaign=lived.campaign,
            person=world.student,
            day=dt.date(2019, 12, 1) + dt.timedelta(days=n),
            submitted_at=first.submitted_at,
            temperature="36.4",
            location="110108",
            on_campus=True,
        )
        for n in range(30)
    )
    client = client_as(world.student)
    checkins = next(s for s in client.get(PAGE).context["sections"] if s.section.key == "checkins")
    assert checkins.page.paginator.num_pages == 2 and len(checkins.rows) == 30
    assert client.get(PAGE, {"page": 2}).status_code == 200
    assert len(client.get(DOWNLOAD).json()["checkins"]) == 33


def test_an_account_that_is_nobodys_sees_only_its_answers_to_the_notice(world):
    machine = User.objects.create(username="robot", must_change_password=False)
    client = Client()
    client.force_login(machine)
    assert client.get(PAGE).status_code == 200
    document = client.get(DOWNLOAD).json()
    assert document["person"] is None and document["checkins"] == []


def test_the_app_downloads_the_same_document(world, lived, bearer):
    body = bearer(world.student).get("/api/v1/me/data").json()
    assert set(SECTION_KEYS) <= set(body)
    assert body["person"]["number"] == "2020001" and len(body["checkins"]) == 3


def test_my_data_needs_a_login(db):
    assert Client().get(PAGE).url.startswith(reverse("login"))
    assert Client().get("/api/v1/me/data").status_code == 401


def test_the_home_page_and_the_top_bar_link_to_my_data(world, client_as):
    page = client_as(world.student).get(reverse("home")).content.decode()
    assert page.count(f'href="{PAGE}"') == 2
