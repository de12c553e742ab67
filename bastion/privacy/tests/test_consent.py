"""The privacy notice at first login: agreed to once per version, declined with a way back,
and the API's answer to a phone app whose person has not agreed yet."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from bastion.accounts.models import User
from bastion.accounts.services import accounts_bulk_create, token_issue
from bastion.conftest import PASSWORD
from bastion.privacy.models import ConsentChannel, ConsentRecord
from bastion.privacy.notice import notice_version

NOTICE = reverse("privacy:notice")


def new_account(world, *, must_change_password: bool = False) -> User:
    """The student's account as a roster import leaves it: nothing agreed to yet."""
    user = User.objects.get(person=world.student)
    user.privacy_notice_version = ""
    user.must_change_password = must_change_password
    user.save()
    ConsentRecord.objects.filter(user=user).delete()
    return user


def english(client: Client) -> Client:
    """Pages in English (the language cookie), whatever the catalogues hold."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def logged_in(user: User) -> Client:
    client = english(Client())
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client


def test_a_first_login_is_sent_to_the_notice_and_comes_back_where_it_was_going(world):
    client = logged_in(new_account(world))
    response = client.get(reverse("org:units"))
    assert response.status_code == 302
    assert response.url == f"{NOTICE}?next=%2Forg%2Funits%2F"
    page = client.get(response.url)
    assert page.status_code == 200 and b'value="agree"' in page.content
    answered = client.post(NOTICE, {"decision": "agree", "next": "/org/units/"})
    assert answered.url == "/org/units/"
    assert client.get(reverse("org:units")).status_code == 200


def test_agreeing_is_recorded_with_the_version_the_time_and_the_address(world):
    user = new_account(world)
    client = logged_in(user)
    client.post(NOTICE, {"decision": "agree"}, REMOTE_ADDR="203.0.113.9")
    record = ConsentRecord.objects.filter(user=user).latest("at")
    assert (record.version, record.agreed, record.ip, record.channel) == (
        notice_version(),
        True,
        "203.0.113.9",
        ConsentChannel.WEB,
    )
    user.refresh_from_db()
    assert user.privacy_notice_version == notice_version()


def test_the_password_change_comes_first_then_the_notice(world):
    client = logged_in(new_account(world, must_change_password=True))
    assert client.get(reverse("home")).url == reverse("password_change")
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-Mima-2020",
            "new_password2": "Xin-Mima-2020",
        },
    )
    assert client.get(reverse("home")).url.startswith(NOTICE)


def test_declining_logs_out_explains_and_asks_again_at_the_next_login(world):
    user = new_account(world)
    client = logged_in(user)
    response = client.post(NOTICE, {"decision": "decline"})
    assert response.url == reverse("privacy:declined")
    explanation = client.get(response.url)
    assert b"logged out" in explanation.content and b"counselor" in explanation.content
    assert client.get(reverse("home")).url.startswith(reverse("login"))
    assert ConsentRecord.objects.get(user=user).agreed is False
    assert logged_in(user).get(reverse("home")).url.startswith(NOTICE)


def test_withdrawing_consent_logs_out_and_asks_again(world, client_as):
    client = client_as(world.student)
    page = client.get(NOTICE)
    assert b"Withdraw" in page.content or "撤回".encode() in page.content
    client.post(NOTICE, {"decision": "decline"})
    user = User.objects.get(person=world.student)
    assert user.privacy_notice_version == ""
    assert logged_in(user).get(reverse("home")).url.startswith(NOTICE)


def test_a_new_version_of_the_notice_asks_everyone_again(world, client_as, settings):
    client = client_as(world.counselor)
    assert client.get(reverse("home")).status_code == 200
    settings.BASTION_PRIVACY_NOTICE_VERSION = "2020.2"
    assert client.get(reverse("home")).url.startswith(NOTICE)


def test_a_new_retention_is_a_new_notice(world, client_as, settings):
    client = english(client_as(world.counselor))
    settings.BASTION_HEALTH_RETENTION_DAYS = 90
    assert client.get(reverse("home")).url.startswith(NOTICE)
    assert b"90 days" in client.get(NOTICE).content


def test_the_notice_says_what_why_who_how_long_and_the_rights(world):
    page = english(Client()).get(NOTICE)
    text = page.content.decode()
    assert page.status_code == 200  # readable before logging in
    for words in (
        "示范大学",
        "administrative division",
        "trips",
        "close contact",
        "epidemic prevention and control",
        "counselor",
        "grid worker",
        "leading group",
        "180 days",
        "My data",
        "withdraw",
        notice_version(),
    ):
        assert words in text, words


def test_logout_language_switch_and_static_files_need_no_consent(world):
    client = logged_in(new_account(world))
    assert (
        client.post(reverse("set_language"), {"language": "en", "next": NOTICE}).status_code == 302
    )
    assert client.get("/static/bastion/bastion.css").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("login"))


def test_my_data_is_a_right_that_needs_no_consent(world):
    client = logged_in(new_account(world))
    assert client.get(reverse("privacy:my_data")).status_code == 200
    assert client.get(reverse("privacy:my_data_download")).status_code == 200


def test_an_htmx_request_is_sent_to_the_notice_as_a_whole_page(world):
    client = logged_in(new_account(world))
    response = client.get(reverse("alerts:queue"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"].startswith(NOTICE)


def test_a_next_elsewhere_is_not_followed(world):
    client = logged_in(new_account(world))
    response = client.post(NOTICE, {"decision": "agree", "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_an_account_that_is_nobodys_is_never_asked(world):
    machine = User.objects.create(username="robot", must_change_password=False, is_superuser=True)
    client = Client()
    client.force_login(machine)
    assert client.get(reverse("home")).status_code == 200


def test_accounts_made_in_bulk_like_the_demo_are_asked_at_their_first_login(world):
    """`bastion demo` and roster imports make accounts with accounts_bulk_create."""
    from bastion.org.models import Person, PersonKind

    someone = Person.objects.create(
        number="2020009", name="赵敏", kind=PersonKind.STUDENT, unit=world.med_class
    )
    accounts_bulk_create(people=[someone])
    user = User.objects.get(person=someone)
    user.set_password(PASSWORD)
    user.must_change_password = False
    user.save()
    assert logged_in(user).get(reverse("home")).url.startswith(NOTICE)


# --- the API: what the phone app needs ---------------------------------------------------------


def app_of(user: User) -> Client:
    _token, raw = token_issue(user=user)
    return english(Client(headers={"Authorization": f"Bearer {raw}"}))


def test_the_api_answers_403_with_how_to_agree_until_the_person_agrees(world):
    app = app_of(new_account(world))
    response = app.get("/api/v1/me")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "privacy_consent_required"
    assert body["version"] == notice_version()
    assert "/api/v1/privacy/notice" in body["detail"]


def test_the_app_reads_the_notice_and_agrees_then_the_api_answers(world):
    user = new_account(world)
    app = app_of(user)
    notice = app.get("/api/v1/privacy/notice").json()
    assert notice["agreed"] is False and notice["retention_days"] == 180
    assert "administrative division" in notice["html"] and notice["url"].endswith(NOTICE)
    answer = app.post(
        "/api/v1/privacy/consent",
        {"version": notice["version"], "agree": True},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["agreed"] is True
    assert ConsentRecord.objects.get(user=user).channel == ConsentChannel.API
    assert app.get("/api/v1/me").status_code == 200
    assert app.get("/api/v1/privacy/notice").json()["agreed"] is True


def test_agreeing_to_a_notice_that_has_since_changed_is_refused(world, settings):
    user = new_account(world)
    app = app_of(user)
    version = app.get("/api/v1/privacy/notice").json()["version"]
    settings.BASTION_PRIVACY_NOTICE_VERSION = "2020.2"
    answer = app.post(
        "/api/v1/privacy/consent",
        {"version": version, "agree": True},
        content_type="application/json",
    )
    assert answer.status_code == 409 and notice_version() in answer.json()["detail"]
    assert not ConsentRecord.objects.filter(user=user).exists()


def test_declining_in_the_app_is_recorded_and_the_api_stays_closed(world):
    user = new_account(world)
    app = app_of(user)
    app.post(
        "/api/v1/privacy/consent",
        {"version": notice_version(), "agree": False},
        content_type="application/json",
    )
    assert ConsentRecord.objects.get(user=user).agreed is False
    assert app.get("/api/v1/me").status_code == 403


def test_the_session_api_is_gated_too(world):
    client = logged_in(new_account(world))
    assert client.get("/api/v1/me").status_code == 403


def test_a_machine_account_uses_the_api_without_a_notice(world):
    machine = User.objects.create(username="gate-1", must_change_password=False)
    assert app_of(machine).get("/api/v1/privacy/notice").json()["agreed"] is True
    assert app_of(machine).get("/api/v1/units").status_code != 403
