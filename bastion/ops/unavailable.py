"""What Bastion answers while its database is away: 503, a page that needs no database.

Django turns an exception anywhere in a request (a view, or a middleware loading the session
or the user) into the answer of `handler500`; the API's own handler does the same for the
API. Both call `database_away_response` when the exception is the database's connection
failing. The connection is not kept broken: Django closes a connection that failed at the end
of its request, and checks a kept one before using it (CONN_HEALTH_CHECKS), so the first
request after the database returns is served as usual.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# OperationalError: the server cannot be reached, refused the connection or dropped it
# (also SQLite's file that cannot be opened, and a lock not granted in time: both pass).
# InterfaceError: a connection that was closed under us.
DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_away_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON {"detail": …} under /api/, else the bilingual page.

    The page is rendered without the request, so no context processor looks up the session,
    the user or their navigation: it needs nothing but the template.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": _("The database cannot be reached right now; try again in a minute.")},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        page = render_to_string("ops/unavailable.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: 503 when the database is away, Django's own 500 page for anything else.

    Called while the exception is being handled, so sys.exc_info() names it.
    """
    if isinstance(sys.exc_info()[1], DATABASE_AWAY):
        return database_away_response(request)
    return defaults.server_error(request, template_name)


def api_database_away(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The API's handler of DATABASE_AWAY (see bastion.api)."""
    logger.error("database unavailable: %s %s: %s", request.method, request.path, exc)
    return database_away_response(request)
