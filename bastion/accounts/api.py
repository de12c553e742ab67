"""API of one's own account: the caller's API tokens, listed and revoked.

A token is reached by its uid among the caller's own tokens only; another's is a 404, as a
missing one is. Tokens are issued by `bastion issue_token`, never through the API.
"""

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from bastion.accounts.models import ApiToken
from bastion.accounts.selectors import tokens_of
from bastion.accounts.services import token_revoke
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused

router = Router(tags=["account"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class TokenOut(Schema):
    uid: uuid.UUID = Field(description="The token's public identifier (not the token).")
    hint: str = Field(description="The token's first characters, to recognize it by.")
    name: str = Field(description="What the token is for.")
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None = Field(description="To within a few minutes.")
    usable: bool = Field(description="Neither revoked nor expired.")

    @staticmethod
    def resolve_usable(token: ApiToken) -> bool:
        return token.is_usable


def _missing() -> Refused:
    return Refused(_("Not found, or not in your reach."), status=404)


@router.get("/me/tokens", response=list[TokenOut], summary="Your API tokens, newest first")
def my_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(tokens_of(user=request.user))


@router.post(
    "/me/tokens/{uid}/revoke",
    response={200: TokenOut, 404: Error},
    summary="Revoke one of your API tokens (at once, for good)",
)
def my_token_revoke(request: HttpRequest, uid: str) -> ApiToken:
    token = by_uid(tokens_of(user=request.user), uid, missing=_missing)
    token_revoke(token=token)
    return token
