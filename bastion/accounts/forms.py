"""The login forms: the people's login page and the admin's, both throttled the same way."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bastion.accounts.lockouts import (
    lockout_message,
    login_failure_record,
    login_lockout_of,
    login_success_record,
)
from bastion.lib.net import client_address
from bastion.lib.text import compact


class ThrottledLoginMixin:
    """Refuse an account or address in its cooling time without trying the password; count
    each wrong password; a right one forgives the account's failures."""

    via = "login"

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        address = client_address(self.request)
        lockout = login_lockout_of(username=username, address=address)
        if lockout is not None:
            raise ValidationError(lockout_message(lockout), code="locked_out")
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is None:  # the password was wrong (not: the account may not)
                lockout = login_failure_record(username=username, address=address, via=self.via)
                if lockout is not None:
                    raise ValidationError(lockout_message(lockout), code="locked_out") from None
            raise
        login_success_record(username=username)
        return cleaned


class NumberLoginForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Student or staff number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}
        ),
    )

    def clean_username(self):
        # People paste numbers with spaces or full-width digits.
        return compact(self.cleaned_data["username"])


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    via = "admin"

    def clean_username(self):
        return compact(self.cleaned_data["username"])
