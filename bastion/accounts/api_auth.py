"""How the API knows who is calling: a bearer token, or the browser's session."""

from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from bastion.accounts.scoping import scope_of
from bastion.accounts.services import token_authenticate
from bastion.lib.refusals import Refused
from bastion.org.models import Person
from bastion.privacy.notice import check_consent

UNAUTHORIZED = _("Log in or send a valid bearer token.")


class BearerToken(HttpBearer):
    """`Authorization: Bearer bst_…` for machines and the mini-program.

    A person who has not agreed to the current privacy notice is answered 403 (see
    privacy.notice), except by the endpoints that show the notice and take the answer
    (`consent=False`). The check reads the account row the token already loaded: no query.
    """

    def __init__(self, *, consent: bool = True) -> None:
        super().__init__()
        self.consent = consent

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
            if self.consent:
                check_consent(user)
        return user


class SessionAuth(NinjaSessionAuth):
    """The browser's session (ninja's django_auth), with the same privacy notice rule."""

    def __init__(self, *, consent: bool = True, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.consent = consent

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user is not None and self.consent:
            check_consent(user)
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
