"""Send a person who has not agreed to the current privacy notice to the notice first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from bastion.privacy.notice import consent_missing

# The API answers for itself (403 with how to agree, see accounts.api_auth): a phone app
# cannot follow a redirect to a page. Static files and the language switch need no consent.
_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/api/")


class ConsentRequiredMiddleware:
    """Placed after PasswordChangeRequiredMiddleware, and built the same way: the path first,
    then the account (already loaded by the middleware before it, so no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_EXEMPT_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and consent_missing(user):
                if request.path not in _exempt_paths():
                    return _to_notice(request)
        return self.get_response(request)


def _exempt_paths() -> set[str]:
    # My data too: seeing what Bastion holds about oneself is a right that needs no consent.
    return {
        reverse("privacy:notice"),
        reverse("privacy:declined"),
        reverse("privacy:my_data"),
        reverse("privacy:my_data_download"),
        reverse("logout"),
        reverse("password_change"),
    }


def _to_notice(request: HttpRequest) -> HttpResponse:
    url = reverse("privacy:notice")
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        # An HTMX swap would put the notice inside a fragment: have htmx load it as a page.
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
