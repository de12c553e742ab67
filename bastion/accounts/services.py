"""Changes to accounts and tokens."""

import atexit
import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from bastion.accounts.models import ApiToken, User
from bastion.org.models import Person

log = logging.getLogger(__name__)


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


TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at is bookkeeping: minutes are precise enough


def token_authenticate(raw: str) -> User | None:
    """The active account behind a bearer token (its person loaded too), or None."""
    token = (
        ApiToken.objects.select_related("user", "user__person")
        .filter(digest=ApiToken.digest_of(raw))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        if getattr(settings, "BASTION_COUNTS_COALESCE_SECONDS", 0):
            TOUCHES.add(token.pk, now)
        else:
            _touch([token.pk], now)
    return token.user


def _touch(pks: list[int], now: dt.datetime) -> None:
    """Record when tokens were last used, without waiting for the disk.

    Losing this bookkeeping in a crash loses nothing that matters, so on PostgreSQL it commits
    asynchronously (synchronous_commit off for this transaction only).
    """
    touch = ApiToken.objects.filter(pk__in=pks)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        touch.update(last_used_at=now)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        touch.update(last_used_at=now)


class _TouchQueue:
    """Tokens used since the last flush; one UPDATE per interval on a background thread.

    In the morning rush every check-in is its token's first use of the day: touching the token
    in the request cost three round trips of a check-in's eight. Where the hot path is tuned
    for load (BASTION_COUNTS_COALESCE_SECONDS > 0, as for the counts) the touches of a process
    are gathered and written once a second instead; a crash loses at most that second's.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[int, dt.datetime] = {}
        self._thread: threading.Thread | None = None

    def add(self, pk: int, now: dt.datetime) -> None:
        with self._lock:
            self._pending[pk] = now
            if self._thread is None or not self._thread.is_alive():
                # Started lazily, so each forked server worker has its own thread.
                self._thread = threading.Thread(target=self._run, name="token-touch", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        pks = sorted(pending)  # one order for every process: no deadlock between flushes
        try:
            for start in range(0, len(pks), 500):
                _touch(pks[start : start + 500], max(pending.values()))
        except Exception:
            log.exception("token touch of %d tokens failed", len(pks))

    def _run(self) -> None:
        while True:
            time.sleep(max(1, getattr(settings, "BASTION_COUNTS_COALESCE_SECONDS", 1)))
            close_old_connections()
            self.flush()
            connection.close_if_unusable_or_obsolete()


TOUCHES = _TouchQueue()
atexit.register(TOUCHES.flush)
