"""How the API knows who is calling: a bearer token, or the browser's session."""

from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer

from bastion.accounts.scoping import scope_of
from bastion.accounts.services import token_authenticate
from bastion.lib.refusals import Refused
from bastion.org.models import Person

UNAUTHORIZED = _("Log in or send a valid bearer token.")


class BearerToken(HttpBearer):
    """`Authorization: Bearer bst_…` for machines and the mini-program."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def person_named_or_own(request: HttpRequest, number: str | None) -> Person:
    """The person a request acts for: the one it names (by number) if the caller reaches
    them, else the caller's own. Refused 404 out of reach (the same as missing), 400 for an
    account that is nobody's and names no one."""
    user = request.user
    own = user.person
    if number and number != getattr(own, "number", None):
        person = scope_of(user).people().filter(number=number).first()
        if person is None:
            raise Refused(gettext("Not found, or not in your reach."), status=404)
        return person
    if own is None:
        raise Refused(gettext("This account is nobody's own: name the person (their number)."))
    return own
