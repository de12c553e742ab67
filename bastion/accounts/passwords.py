"""Bastion's own password rule, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of upper-case letters, lower-case letters, digits and symbols the password has.

    Letters without case (Chinese characters) count as symbols: they are as hard to guess.
    """
    upper = lower = digit = symbol = False
    for char in password:
        if char.isupper():
            upper = True
        elif char.islower():
            lower = True
        elif char.isdigit():
            digit = True
        elif not char.isspace():
            symbol = True
    return upper + lower + digit + symbol


class CharacterClassesValidator:
    """A password mixes at least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "This password must mix at least %(min_classes)d of: upper-case letters, "
                    "lower-case letters, digits and symbols."
                ),
                code="password_too_plain",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(min_classes)d of: upper-case letters, "
            "lower-case letters, digits and symbols."
        ) % {"min_classes": self.min_classes}


class LengthValidator(MinimumLengthValidator):
    """Django's minimum length, with a message of Bastion's: Django 5.2 reworded its own, and
    its Chinese catalogue has not caught up, so a Chinese page said it in English."""

    def get_error_message(self) -> str:
        return _("This password is too short: it must have at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }
