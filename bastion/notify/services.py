"""Sending messages: rows in the outbox first (idempotent by key), delivery after commit."""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from bastion.lib.chunks import CHUNK, chunks
from bastion.notify.models import Notification
from bastion.org.models import Person

logger = logging.getLogger(__name__)

GROUP = "webhook"  # the channel of the university's group robot (WeCom or DingTalk)


def notify(
    *,
    key: str,
    recipients: Iterable[Person],
    subject: str,
    body: str,
    channels: Sequence[str] = ("email",),
) -> int:
    """Queue one message per recipient and channel; a key already queued is never queued again.

    `key` names the occasion ("alert:<uid>:escalated:2"); the recipient and channel are
    appended, so retries and a second worker add nothing. Returns how many rows were new.
    """
    return notify_many(
        messages=[Message(key=key, recipients=list(recipients), subject=subject, body=body)],
        channels=channels,
    )


@dataclass(frozen=True)
class Message:
    """One message of a batch for notify_many."""

    key: str
    recipients: Sequence[Person]
    subject: str
    body: str


def notify_many(*, messages: Iterable[Message], channels: Sequence[str] = ("email",)) -> int:
    """notify() for many messages at once: one outbox insert and one delivery task for all
    (a key area tells hundreds of owners about their people in one go)."""
    rows = [
        Notification(
            key=f"{m.key}:{channel}:{person.number}"[:200],
            channel=channel,
            recipient=person,
            subject=m.subject[:200],
            body=m.body,
        )
        for m in messages
        for person in m.recipients
        for channel in channels
    ]
    return _queue(rows)


def notify_group(*, key: str, subject: str, body: str) -> int:
    """Queue one message to the group robot (no recipient person)."""
    return _queue(
        [Notification(key=f"{key}:{GROUP}"[:200], channel=GROUP, subject=subject[:200], body=body)]
    )


def _queue(rows: list[Notification]) -> int:
    keys = [r.key for r in rows]
    before = {
        key
        for chunk in chunks(keys)
        for key in Notification.objects.filter(key__in=chunk).values_list("key", flat=True)
    }
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    new = [k for k in keys if k not in before]
    if new:
        transaction.on_commit(lambda: _deliver(new))
    return len(new)


def _deliver(keys: list[str]) -> None:
    from bastion.notify.tasks import notifications_send

    notifications_send(keys)


# --- delivery ---------------------------------------------------------------------------
#
# Delivery is at least once, and every repeat is recognisable. An attempt first claims its row
# (attempts + 1 and a lease, in one conditional UPDATE), then hands the message over, then
# marks the row sent. A worker killed anywhere in between leaves the row claimed: once the
# lease has run out, the sweep (every minute, and whenever a worker starts) tries it again;
# rows the killed worker's task never reached are unclaimed and swept at once. A message is
# therefore never lost to a crash, and is sent twice only if the kill fell between the
# receiving server's acceptance and our mark: the few milliseconds of its "250 OK" and one
# UPDATE. No sender can close that window, since a mail server cannot be asked whether it
# already has a message; marking before sending would instead lose the message whenever the
# kill fell before the hand-over. A reminder or an alert that never arrives costs more than
# one shown twice, so the repeat is made harmless rather than impossible: it carries the same
# Message-ID (the row's uid), by which mail systems and clients show it once, and the group
# robot's post the same X-Bastion-Delivery header.

MAX_ATTEMPTS = 3
# Wait before attempt 2 and attempt 3.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5))


def _lease() -> dt.timedelta:
    """How long an attempt under way holds its row: longer than any send can take."""
    return dt.timedelta(seconds=settings.BASTION_NOTIFY_LEASE_SECONDS)


def notifications_deliver(
    *, keys: Iterable[str] | None = None, now: dt.datetime | None = None
) -> int:
    """Send the unsent notifications with these keys (or every one that is due); returns sent.

    Due are the rows whose backoff or lease has passed and the rows nobody has tried yet (a
    worker killed before it reached them). Each attempt first claims its row with a
    conditional UPDATE on (sent_at, attempts), so two workers never send the same row; a row
    already sent is never touched again. Runs outside any transaction: a slow mail server must
    not hold locks.
    """
    now = now or timezone.now()
    rows = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    if keys is None:
        _interrupted_for_good(now)
        rows = rows.filter(
            Q(next_attempt_at__lte=now) | Q(attempts=0, next_attempt_at__isnull=True)
        )
    else:
        rows = rows.filter(key__in=list(keys))
    sent = 0
    for notification in rows.select_related("recipient").order_by("pk"):
        sent += notification_attempt(notification=notification, now=now)
    return sent


def _interrupted_for_good(now: dt.datetime) -> None:
    """Record as failed the rows whose last allowed attempt was cut off by a dying worker."""
    with translation.override(settings.LANGUAGE_CODE):
        error = gettext("The worker stopped during the last attempt.")
    Notification.objects.filter(
        sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS, error="", next_attempt_at__lte=now
    ).update(error=error, next_attempt_at=None)


def notification_attempt(*, notification: Notification, now: dt.datetime) -> bool:
    """Claim one row for one attempt, send it through its channel and record the outcome."""
    from bastion.notify.channels import ChannelError, channel_for

    tried = notification.attempts
    due = Q(attempts=0, next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Notification.objects.filter(
        due, pk=notification.pk, sent_at__isnull=True, attempts=tried
    ).update(attempts=tried + 1, next_attempt_at=timezone.now() + _lease())
    if not claimed:
        return False  # sent, failed for good, not yet due, or another worker has it
    mine = Notification.objects.filter(pk=notification.pk, attempts=tried + 1, sent_at__isnull=True)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            channel_for(notification.channel).send(notification)
    except ChannelError as exc:
        retry = not exc.permanent and tried + 1 < MAX_ATTEMPTS
        mine.update(
            error=str(exc)[:2000],
            next_attempt_at=now + BACKOFF[min(tried, len(BACKOFF) - 1)] if retry else None,
        )
        # A person with no address is a fact of the roster, not an incident: recorded, not shouted.
        log = logger.info if exc.permanent else logger.warning
        log("notification %s failed (attempt %s): %s", notification.key, tried + 1, exc)
        return False
    mine.update(sent_at=timezone.now(), error="", next_attempt_at=None)
    return True
