"""The JSON API under /api/v1/: one NinjaAPI, each app adds its router."""

import copy

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from bastion.accounts.api_auth import UNAUTHORIZED, BearerToken, SessionAuth
from bastion.lib.openapi import with_common_answers
from bastion.lib.refusals import Refused
from bastion.ops.unavailable import DATABASE_AWAY, api_database_away
from bastion.privacy.notice import ConsentRequired


class BastionAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with the answers every operation may give (401, 422, 503…).

        Built once per language and process: it is the code's, and takes a third of a second."""
        key = (get_language(), path_prefix, tuple(sorted((path_params or {}).items())))
        documents = self.__dict__.setdefault("_documents", {})
        if key not in documents:
            document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            documents[key] = with_common_answers(document)
        return copy.deepcopy(documents[key])


api = BastionAPI(
    title="Bastion API",
    version="1",
    description="堡垒 Bastion: epidemic prevention and control through the university's "
    "organization. Authenticate with `Authorization: Bearer <token>` "
    "(`bastion issue_token NUMBER`) or a logged-in session.",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": str(UNAUTHORIZED)}, status=401)


@api.exception_handler(ConsentRequired)
def consent_required(request: HttpRequest, exc: ConsentRequired):
    """A person who has not agreed to the privacy notice: how to read it and agree (403)."""
    body = {"detail": exc.message, "code": exc.code, "version": exc.version}
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused):
    """A service's refusal (bad input, out of reach, not allowed): its message, its status."""
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


# The database away: 503 {"detail": …} with Retry-After (bastion.ops.unavailable).
for _away in DATABASE_AWAY:
    api.add_exception_handler(_away, api_database_away)


from bastion.accounts.api import router as accounts_router  # noqa: E402
from bastion.alerts.api import router as alerts_router  # noqa: E402
from bastion.campus.api_campus import router as campus_router  # noqa: E402
from bastion.campus.api_leave import router as leave_router  # noqa: E402
from bastion.campus.api_places import router as places_router  # noqa: E402
from bastion.checkins.api import router as checkins_router  # noqa: E402
from bastion.notices.api import router as notices_router  # noqa: E402
from bastion.org.api import router as org_router  # noqa: E402
from bastion.privacy.api import router as privacy_router  # noqa: E402
from bastion.province.api import router as province_router  # noqa: E402
from bastion.reports.api import router as reports_router  # noqa: E402
from bastion.reports.api_urgent import router as urgent_router  # noqa: E402
from bastion.tracing.api import router as tracing_router  # noqa: E402
from bastion.tracing.api_cases import router as cases_router  # noqa: E402
from bastion.tracing.api_contacts import router as contacts_router  # noqa: E402
from bastion.tracing.api_isolation import router as isolation_router  # noqa: E402

api.add_router("/", checkins_router)  # first: the check-in is the most frequent request
api.add_router("/", org_router)
api.add_router("/", accounts_router)
api.add_router("/", alerts_router)
api.add_router("/", reports_router)
api.add_router("/", urgent_router)
api.add_router("/", tracing_router)
api.add_router("/", cases_router)
api.add_router("/", contacts_router)
api.add_router("/", isolation_router)
api.add_router("/", campus_router)
api.add_router("/", leave_router)
api.add_router("/", places_router)
api.add_router("/", notices_router)
api.add_router("/", privacy_router)
api.add_router("/", province_router)  # member universities' signed reports
