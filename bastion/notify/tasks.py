"""Delivery of queued notifications (channels in notify.channels), and its retries."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_task

from bastion.notify.services import notifications_deliver
from bastion.ops.periodic import periodic


@db_task()
def notifications_send(keys: list[str]) -> None:
    """Deliver the queued notifications with these keys, once each, whoever else tries."""
    notifications_deliver(keys=keys)


@periodic(crontab(minute="*"))
def notifications_retry() -> None:
    """Every minute: try again the rows whose backoff or lease has passed (3 attempts at most),
    and send those a killed worker never reached."""
    notifications_deliver()


@HUEY.on_startup()
def notifications_resume() -> None:
    """A worker coming online sweeps the outbox at once rather than at the next minute: what
    a killed worker left unsent goes out as soon as the worker is back."""
    notifications_retry()


@periodic(crontab(minute="*/10"))
def digests_tick() -> None:
    """Every ten minutes: once the cut-off has passed, send today's digests (once, by key)."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.lib.days import business_day
    from bastion.reports.digests import digests_send

    campaign = active_campaign()
    if campaign is not None:
        digests_send(campaign=campaign, day=business_day())
