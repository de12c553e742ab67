"""Single sign-on with the university's CAS (统一身份认证), through django-cas-ng.

Off unless settings.CAS_SERVER_URL is set. The CAS answers with the person's number; it is
the account's username here. Accounts come from the roster only: a number with no active
account is refused with a page that says so, never created.
"""

import logging
from xml.etree.ElementTree import ParseError

import requests
from cas import SingleLogoutMixin
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django_cas_ng import views as cas_views
from django_cas_ng.backends import CASBackend

from bastion.lib.text import compact

log = logging.getLogger("bastion.security")

BACKEND = "bastion.accounts.cas.CasBackend"


def cas_enabled() -> bool:
    return bool(settings.CAS_SERVER_URL)


def logged_in_through_cas(request: HttpRequest) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND


class TimeoutSession(requests.Session):
    """A ticket check that waits CAS_TIMEOUT_SECONDS at most: a stuck CAS server must not
    hold a server thread for ever."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", settings.CAS_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class CasBackend(CASBackend):
    """django-cas-ng's backend, with the number normalized as the login page does, and the
    number of a refused login noted on the request for the page that explains it."""

    def authenticate(self, request: HttpRequest, ticket: str, service: str):
        self.number = None
        user = super().authenticate(request, ticket=ticket, service=service)
        if user is None and request is not None:
            request.cas_refused_number = self.number  # None: the CAS did not accept the ticket
        return user

    def clean_username(self, username: str) -> str:
        self.number = compact(super().clean_username(username))
        return self.number


class CasLoginView(cas_views.LoginView):
    """To the CAS and back with a ticket; a refusal is a page in the person's language."""

    # The CAS server posts its single-logout requests here, with no CSRF token of ours.
    @method_decorator(csrf_exempt)
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not cas_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        """The CAS server's single logout: the sessions of the ticket it names end."""
        logout = request.POST.get("logoutRequest")
        if logout and not SingleLogoutMixin.get_saml_slos(logout):
            return HttpResponseBadRequest()  # not a logout request anyone could act on
        return super().post(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except (requests.RequestException, ParseError) as exc:
            log.warning("CAS ticket check failed: %s", exc)
            return _refusal(
                request,
                gettext("The unified identity authentication did not answer. Try again later."),
                status=503,
            )
        except PermissionDenied:
            number = getattr(request, "cas_refused_number", None)
            if number:
                log.warning("CAS login refused: %s has no active account", number)
                message = gettext(
                    "The unified identity authentication knows you as %(number)s, but there "
                    "is no active Bastion account with that number. Ask your counselor or "
                    "the administrator to add you to the roster."
                ) % {"number": number}
            else:
                message = gettext(
                    "The unified identity authentication did not confirm this login (the "
                    "ticket was invalid or has expired). Try again."
                )
            return _refusal(request, message, status=403)


def _refusal(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "accounts/cas_refused.html",
        {"message": message, "login_url": reverse("login")},
        status=status,
    )


def cas_logout(request: HttpRequest) -> HttpResponse:
    """Log out here and at the CAS, back to this site's login page afterwards."""
    return cas_views.LogoutView.as_view()(request)
