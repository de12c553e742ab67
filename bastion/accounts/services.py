"""Changes to accounts and tokens."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bastion.accounts.models import ApiToken, User
from bastion.org.models import Person


@transaction.atomic
def account_ensure(*, person: Person, password: str | None = None) -> User:
    """The person's account, made if missing; a new account must change its password."""
    user = User.objects.filter(person=person).first()
    if user is None:
        user = User(username=person.number, person=person, must_change_password=True)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user


def accounts_bulk_create(*, people: list[Person], password_hash: str | None = None) -> int:
    """Accounts for many people at once (roster import, demo); existing accounts are kept.

    Looks up existing accounts in chunks: SQLite allows only so many query parameters.
    """
    have: set[int] = set()
    for start in range(0, len(people), 2000):
        chunk = [p.pk for p in people[start : start + 2000]]
        have |= set(User.objects.filter(person_id__in=chunk).values_list("person_id", flat=True))
    hashed = password_hash or make_password(None)
    new = [
        User(username=p.number, person=p, password=hashed, must_change_password=True)
        for p in people
        if p.pk not in have
    ]
    User.objects.bulk_create(new, batch_size=2000)
    return len(new)


@transaction.atomic
def token_issue(*, user: User, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and never stored."""
    raw = ApiToken.new_raw()
    days = days if days is not None else settings.BASTION_TOKEN_DAYS
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=ApiToken.digest_of(raw),
        hint=raw[:10],
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_authenticate(raw: str) -> User | None:
    """The active account behind a bearer token, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__person")
        .filter(digest=ApiToken.digest_of(raw))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        _touch(token, now)
    return token.user


def _touch(token: ApiToken, now: dt.datetime) -> None:
    """Record when a token was last used, without waiting for the disk.

    In the morning rush every check-in is its token's first use of the day; a durable commit
    of this bookkeeping doubled a check-in's cost. Losing it in a crash loses nothing that
    matters, so on PostgreSQL it commits asynchronously.
    """
    touch = ApiToken.objects.filter(pk=token.pk)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        touch.update(last_used_at=now)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        touch.update(last_used_at=now)
