"""The JSON API under /api/v1/: one NinjaAPI, each app adds its router."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from bastion.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer bst_…` for machines and the mini-program."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Bastion API",
    version="1",
    description="堡垒 Bastion: epidemic prevention and control through the university's "
    "organization. Authenticate with `Authorization: Bearer <token>` "
    "(`bastion issue_token NUMBER`) or a logged-in session.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)

from bastion.org.api import router as org_router  # noqa: E402

api.add_router("/", org_router)
