"""Reading accounts: a person's own API tokens."""

from django.db.models import QuerySet

from bastion.accounts.models import ApiToken, User
from bastion.lib.lookup import by_uid


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The account's tokens, the newest first (revoked and expired ones too: their history)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def token_of(*, user: User, uid) -> ApiToken:
    """One of the account's own tokens; another's is missing (404), as an unknown one is."""
    return by_uid(tokens_of(user=user), uid)
