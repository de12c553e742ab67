"""The JSON API under /api/v1/: one NinjaAPI, each app adds its router."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from bastion.accounts.api_auth import UNAUTHORIZED, BearerToken
from bastion.lib.refusals import Refused

api = NinjaAPI(
    title="Bastion API",
    version="1",
    description="堡垒 Bastion: epidemic prevention and control through the university's "
    "organization. Authenticate with `Authorization: Bearer <token>` "
    "(`bastion issue_token NUMBER`) or a logged-in session.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": str(UNAUTHORIZED)}, status=401)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused):
    """A service's refusal (bad input, out of reach, not allowed): its message, its status."""
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


from bastion.alerts.api import router as alerts_router  # noqa: E402
from bastion.campus.api_campus import router as campus_router  # noqa: E402
from bastion.campus.api_leave import router as leave_router  # noqa: E402
from bastion.campus.api_places import router as places_router  # noqa: E402
from bastion.checkins.api import router as checkins_router  # noqa: E402
from bastion.notices.api import router as notices_router  # noqa: E402
from bastion.org.api import router as org_router  # noqa: E402
from bastion.reports.api import router as reports_router  # noqa: E402
from bastion.reports.api_urgent import router as urgent_router  # noqa: E402
from bastion.tracing.api import router as tracing_router  # noqa: E402
from bastion.tracing.api_cases import router as cases_router  # noqa: E402
from bastion.tracing.api_contacts import router as contacts_router  # noqa: E402
from bastion.tracing.api_isolation import router as isolation_router  # noqa: E402

api.add_router("/", checkins_router)  # first: the check-in is the most frequent request
api.add_router("/", org_router)
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
