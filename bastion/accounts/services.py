"""Changes to accounts and tokens."""

import atexit
import datetime as dt
import logging
import threading
import time
import weakref

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections, transaction
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
    """Revoke the token at once (the next request with it is refused); revoking twice is once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of the account still in force (a lost phone, a leaked device)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at is bookkeeping: minutes are precise enough


def token_authenticate(raw: str) -> User | None:
    """The active account behind a bearer token (its person loaded too), or None."""
    token = _token_with_account(ApiToken.digest_of(raw))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        if getattr(settings, "BASTION_COUNTS_COALESCE_SECONDS", 0):
            TOUCHES.add(token.pk, now)
        else:
            _touch([token.pk], now)
    return token.user


class _TokenQuery:
    """The token, its account and the account's person by digest: one SELECT, built once.

    Every API request runs it. Built by the ORM (select_related) it cost more Python than the
    statement's round trip, on every request, for the same SQL each time; here the SQL and
    the column converters (aware datetimes on SQLite, …) are worked out once per process and
    the rows become model instances with Model.from_db, as the ORM would make them.
    """

    def __init__(self) -> None:
        # Per connection object (one per thread): the backend's converters are its methods.
        self._built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _build(self, connection) -> tuple[str, list]:
        qn = connection.ops.quote_name
        parts = [(ApiToken, "t"), (User, "u"), (Person, "p")]
        columns, groups = [], []
        for model, alias in parts:
            fields = list(model._meta.concrete_fields)
            for f in fields:
                columns.append(f"{alias}.{qn(f.column)}")
            converters = [
                (i, convs)
                for i, f in enumerate(fields)
                if (convs := _converters(connection, f, alias))
            ]
            groups.append((model, [f.attname for f in fields], converters))
        sql = (
            f"SELECT {', '.join(columns)} FROM {qn(ApiToken._meta.db_table)} t"  # noqa: S608
            f" JOIN {qn(User._meta.db_table)} u ON u.{qn(User._meta.pk.column)} = t.user_id"
            f" LEFT JOIN {qn(Person._meta.db_table)} p"
            f" ON p.{qn(Person._meta.pk.column)} = u.person_id"
            " WHERE t.digest = %s"
        )
        return sql, groups

    def __call__(self, digest: str) -> ApiToken | None:
        connection = connections[DEFAULT_DB_ALIAS]
        built = self._built.get(connection)
        if built is None:
            built = self._built[connection] = self._build(connection)
        sql, groups = built
        with connection.cursor() as cursor:
            cursor.execute(sql, [digest])
            row = cursor.fetchone()
        if row is None:
            return None
        made, start = [], 0
        for model, names, converters in groups:
            values = list(row[start : start + len(names)])
            start += len(names)
            if values[0] is None:  # no person: the LEFT JOIN's empty side
                made.append(None)
                continue
            for i, convs in converters:
                for convert, expression in convs:
                    values[i] = convert(values[i], expression, connection)
            made.append(model.from_db(connection.alias, names, values))
        token, user, person = made
        User._meta.get_field("person").set_cached_value(user, person)
        ApiToken._meta.get_field("user").set_cached_value(token, user)
        return token


def _converters(connection, field, alias: str) -> list:
    """What the ORM's compiler applies to this column's values: the backend's, then the field's."""
    col = field.get_col(alias)
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    return [(convert, col) for convert in converters]


_token_with_account = _TokenQuery()


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
