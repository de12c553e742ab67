"""How the API knows who is calling: a bearer token, or the browser's session."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from bastion.accounts.services import token_authenticate

UNAUTHORIZED = _("Log in or send a valid bearer token.")


class BearerToken(HttpBearer):
    """`Authorization: Bearer bst_…` for machines and the mini-program."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user
