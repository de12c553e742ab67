"""Logging in with one's number, and the forced password change of a first login."""

from django.test import Client
from django.urls import reverse

from bastion.accounts.models import User
from bastion.accounts.services import account_ensure
from bastion.conftest import PASSWORD


def test_a_person_logs_in_with_their_number(world):
    client = Client()
    response = client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["person"] == world.student


def test_full_width_digits_and_spaces_in_the_number_are_accepted(world):
    client = Client()
    response = client.post(reverse("login"), {"username": " ２０２００ ０１", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused_in_chinese(world):
    response = Client().post(reverse("login"), {"username": "2020001", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_a_first_login_must_change_the_password_before_anything_else(world):
    user = User.objects.get(person=world.student)
    user.must_change_password = True
    user.save()
    client = Client()
    client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    assert client.get(reverse("org:units")).url == reverse("password_change")
    assert client.get("/api/v1/me").status_code == 200  # machines are not redirected
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-Mima-2020",
            "new_password2": "Xin-Mima-2020",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_a_weak_new_password_is_refused(world):
    client = Client()
    client.post(reverse("login"), {"username": "2020001", "password": PASSWORD})
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()


def test_a_new_account_has_no_usable_password_until_one_is_set(world):
    world.staff.user.delete()
    user = account_ensure(person=world.staff)
    assert user.username == "T1001" and user.must_change_password
    assert not user.has_usable_password()


def test_the_home_page_says_who_you_are_and_what_you_answer_for(world, client_as):
    page = client_as(world.counselor).get(reverse("home")).content.decode()
    assert "陈静" in page and "临床2020级1班" in page and "辅导员" in page


def test_a_student_home_page_says_they_answer_for_themselves(world, client_as):
    page = client_as(world.student).get(reverse("home")).content.decode()
    assert "李明" in page and "您未担任职务" in page


def test_pages_need_a_login(db):
    response = Client().get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_pages_are_chinese_even_when_the_browser_asks_for_english(db):
    page = Client(headers={"Accept-Language": "en-US,en"}).get(reverse("login"))
    assert "登录堡垒" in page.content.decode()


def test_english_is_one_choice_away(db):
    client = Client()
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in to Bastion" in client.get(reverse("login")).content.decode()


def test_the_top_bar_offers_only_the_pages_a_person_has(world, client_as):
    """A student's phone shows home, check-in and alerts; a college leader also the daily
    reports, the dashboard and the organization."""
    links = {
        "student": client_as(world.student).get(reverse("home")).content.decode(),
        "leader": client_as(world.college_leader).get(reverse("home")).content.decode(),
    }
    for url in (reverse("dashboards:home"), reverse("reports:daily"), reverse("org:units")):
        assert f'href="{url}"' not in links["student"]
        assert f'href="{url}"' in links["leader"]
    for url in (reverse("checkins:today"), reverse("alerts:queue")):
        assert f'href="{url}"' in links["student"]
