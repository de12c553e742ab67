"""Delivery of queued notifications (channels in notify.channels), and its retries."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from bastion.notify.services import notifications_deliver


@db_task()
def notifications_send(keys: list[str]) -> None:
    """Deliver the queued notifications with these keys, once each, whoever else tries."""
    notifications_deliver(keys=keys)


@db_periodic_task(crontab(minute="*"))
def notifications_retry() -> None:
    """Every minute: try again the failed rows whose backoff has passed (3 attempts at most)."""
    notifications_deliver()


@db_periodic_task(crontab(minute="*/10"))
def digests_tick() -> None:
    """Every ten minutes: once the cut-off has passed, send today's digests (once, by key)."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.lib.days import business_day
    from bastion.reports.digests import digests_send

    campaign = active_campaign()
    if campaign is not None:
        digests_send(campaign=campaign, day=business_day())
