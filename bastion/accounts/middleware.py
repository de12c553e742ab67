"""Bastion's middleware: security headers, idle sessions, the forced password change, and
Chinese first."""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from bastion.accounts.cas import logged_in_through_cas

_ALLOWED_PREFIXES = ("/static/", "/i18n/", "/api/")


def security_headers() -> dict[str, str]:
    """The Content-Security-Policy and Permissions-Policy every response carries.

    Every script and style is a file that Bastion serves itself: no inline script, no style
    attribute (accounts/tests/test_headers.py reads every template for them), so 'self' is
    all a page needs. Data URLs are for the small images of the API docs' stylesheet. A form
    may post only here, and a logout may go on to the CAS when single sign-on is on.
    Django's SecurityMiddleware and XFrameOptionsMiddleware add the rest: nosniff,
    Referrer-Policy, Cross-Origin-Opener-Policy, X-Frame-Options and, in production, HSTS.
    """
    form_action = "'self'"
    if settings.CAS_SERVER_URL:
        cas = urlsplit(settings.CAS_SERVER_URL)
        form_action += f" {cas.scheme}://{cas.netloc}"
    policy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {form_action}",
        "frame-ancestors 'none'",
    ]
    return {
        "Content-Security-Policy": "; ".join(policy),
        # The gate page reads passes with the camera; nothing asks for the rest.
        "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    }


class SecurityHeadersMiddleware:
    """Adds security_headers() to every response that has not set them itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = security_headers()

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response


class SessionIdleMiddleware:
    """Renews a logged-in session while it is used, so that it ends after SESSION_COOKIE_AGE
    of idleness, not of use.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would write its row on
    every page; it is saved here only once its last save is RENEW_EVERY old (the row's expiry,
    known to bastion.accounts.sessions, says when that was): one write per five minutes of
    use, none on the pages right after a login.
    """

    RENEW_EVERY = dt.timedelta(minutes=5)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            session = request.session
            if SESSION_KEY in session:  # loads the row, and with it its expiry
                expires = getattr(session, "expire_date", None)
                age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
                if expires is not None and expires - timezone.now() < age - self.RENEW_EVERY:
                    session.modified = True  # saved after the response, with a new expiry
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Sends an account that must change its password to the change page first (not one
    logged in through the CAS: its password here is not the one it uses)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: an API request (a bearer token, often) never loads the session's
        # user here only to be let through.
        if not request.path.startswith(_ALLOWED_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.must_change_password:
                if request.path not in {
                    reverse("password_change"),
                    reverse("logout"),
                } and not logged_in_through_cas(request):
                    return redirect("password_change")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Chinese unless the person chose otherwise (the language cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to
    English would get English pages; Bastion's users expect Chinese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _label in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        if language == settings.LANGUAGE_CODE and translation.get_language() == language:
            # Already Chinese (nothing else is active on this thread): nothing to switch,
            # which spares the API's every request two thread-local writes.
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        else:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            try:
                response = self.get_response(request)
            finally:
                # The thread serves the next request (or test) in the default language again.
                translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
