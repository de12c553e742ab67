"""Login throttling: failed passwords counted per account and per client address, lockouts.

Services and the selector of the sub-area in one module. The counts live in the database, so
that every server process (and every server) refuses the same account at the same moment;
each lockout stays as a row for the audit, and is logged.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from bastion.accounts.models import LoginFailure, LoginLockout

log = logging.getLogger("bastion.security")

Kind = LoginFailure.Kind


def login_lockout_of(*, username: str, address: str | None) -> LoginLockout | None:
    """The cooling time running now for this account or this address (the longer one)."""
    reach = Q(kind=Kind.ACCOUNT, key=username[:150])
    if address:
        reach |= Q(kind=Kind.ADDRESS, key=address)
    return LoginLockout.objects.filter(reach, until__gt=timezone.now()).order_by("-until").first()


@transaction.atomic
def login_failure_record(*, username: str, address: str | None, via: str) -> LoginLockout | None:
    """Count a failed password; the failure that reaches a limit starts a lockout, returned.

    A limit of 0 counts nothing. The failures a lockout counted are deleted with it, so that
    after the cooling time the account has its full number of attempts again.
    """
    now = timezone.now()
    since = now - dt.timedelta(minutes=settings.BASTION_LOGIN_WINDOW_MINUTES)
    LoginFailure.objects.filter(at__lt=since).delete()  # the window's past: nothing to count
    limits = [(Kind.ACCOUNT, username[:150], settings.BASTION_LOGIN_FAILURES_PER_ACCOUNT)]
    if address:
        limits.append((Kind.ADDRESS, address, settings.BASTION_LOGIN_FAILURES_PER_ADDRESS))
    limits = [(kind, key, limit) for kind, key, limit in limits if limit > 0]
    LoginFailure.objects.bulk_create(
        [LoginFailure(kind=kind, key=key, at=now) for kind, key, _limit in limits]
    )
    started = None
    for kind, key, limit in limits:
        failures = LoginFailure.objects.filter(kind=kind, key=key, at__gte=since).count()
        if failures < limit:
            continue
        lockout = LoginLockout.objects.create(
            kind=kind,
            key=key,
            failures=failures,
            address=address,
            via=via,
            started_at=now,
            until=now + dt.timedelta(minutes=settings.BASTION_LOGIN_LOCKOUT_MINUTES),
        )
        LoginFailure.objects.filter(kind=kind, key=key).delete()
        log.warning(
            "login lockout: %s %s after %d failed logins (last from %s, %s) until %s",
            kind,
            key,
            failures,
            address or "-",
            via,
            lockout.until.isoformat(),
        )
        if started is None or lockout.until > started.until:
            started = lockout
    return started


def login_success_record(*, username: str) -> None:
    """A right password: the account's failures are forgiven (its address's are not)."""
    LoginFailure.objects.filter(kind=Kind.ACCOUNT, key=username[:150]).delete()


def login_lockouts_end(*, lockouts) -> int:
    """End these lockouts now (an administrator who checked the account); the rows stay."""
    return lockouts.filter(until__gt=timezone.now()).update(until=timezone.now())


def lockout_message(lockout: LoginLockout) -> str:
    """What the login page says to a locked-out person: why, and when to try again."""
    until = timezone.localtime(lockout.until)
    same_day = until.date() == timezone.localdate()
    when = until.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    if lockout.kind == Kind.ADDRESS:
        message = gettext(
            "Too many failed logins from your network: logging in from it is paused. "
            "Try again after %(time)s."
        )
    else:
        message = gettext(
            "Too many failed logins for this account: it is locked for now. "
            "Try again after %(time)s."
        )
    return message % {"time": when}
