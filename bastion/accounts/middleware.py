"""Send an account that must change its password to the change page first."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

_ALLOWED_PREFIXES = ("/static/", "/i18n/", "/api/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: an API request (a bearer token, often) never loads the session's
        # user here only to be let through.
        if not request.path.startswith(_ALLOWED_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.must_change_password:
                if request.path not in {reverse("password_change"), reverse("logout")}:
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
