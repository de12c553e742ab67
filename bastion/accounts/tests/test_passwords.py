"""Strong passwords: ten characters, three kinds of character, not common, numeric or similar."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from bastion.accounts.models import User
from bastion.accounts.passwords import character_classes
from bastion.conftest import PASSWORD


def refusals(password: str, user: User | None = None) -> list[str]:
    with translation.override("zh-hans"):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return list(error.messages)
    return []


def test_the_demo_password_is_strong_enough(world):
    assert PASSWORD == "Bastion-2020!"
    assert refusals(PASSWORD, User.objects.get(username="2020001")) == []


@pytest.mark.parametrize(
    "password, said",
    [
        ("Abc-1234", "密码太短"),
        ("abcdefghijk1", "大写字母、小写字母、数字、符号"),  # two kinds only
        ("Qwerty123456", "这个密码太常见了"),
        ("20200123456", "密码只包含数字"),
    ],
)
def test_a_weak_password_is_refused_in_chinese(password, said):
    assert any(said in message for message in refusals(password))


def test_a_password_like_the_account_name_is_refused(world):
    user = User.objects.get(username="2020001")
    assert any("相似" in message for message in refusals("2020001-Abc!", user))


def test_chinese_characters_count_as_symbols():
    assert character_classes("bastion堡垒2020") == 3
    assert character_classes("Aa1 ") == 3  # a space is no kind of its own


def test_the_password_change_page_refuses_a_plain_password_and_says_the_rule(world, client_as):
    client = client_as(world.student)
    form = client.get(reverse("password_change")).content.decode()
    assert "大写字母、小写字母、数字、符号" in form  # the rule, before anyone is refused
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "bastionbastion",
            "new_password2": "bastionbastion",
        },
    )
    assert response.status_code == 200
    assert "大写字母、小写字母、数字、符号" in response.content.decode()
