"""Sending messages: rows in the outbox first (idempotent by key), delivery after commit."""

from collections.abc import Iterable, Sequence

from django.db import transaction

from bastion.notify.models import Notification
from bastion.org.models import Person

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
    rows = [
        Notification(
            key=f"{key}:{channel}:{person.number}"[:200],
            channel=channel,
            recipient=person,
            subject=subject[:200],
            body=body,
        )
        for person in recipients
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
    before = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    new = [k for k in keys if k not in before]
    if new:
        transaction.on_commit(lambda: _deliver(new))
    return len(new)


def _deliver(keys: list[str]) -> None:
    from bastion.notify.tasks import notifications_send

    notifications_send(keys)
