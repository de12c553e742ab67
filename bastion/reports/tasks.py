"""The reports app's periodic work: keep the daily counts whole, flag missing reports.

Huey runs periodic tasks against UTC (settings.HUEY["utc"]); Shanghai is UTC+8 all year, so
00:05 there is 16:05 UTC.
"""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import lock_task

from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.ops.periodic import periodic
from bastion.reports.counts import unit_day_counts_refresh
from bastion.reports.services import missing_reports_flag


@periodic(crontab(minute="*"))
@lock_task("reports-counts-tick")
def unit_day_counts_tick() -> None:
    """Every minute: recompute today's counts of every unit, so a lost update heals."""
    campaign = active_campaign()
    if campaign is not None:
        unit_day_counts_refresh(campaign=campaign, day=business_day())


@periodic(crontab(minute="5", hour="16"))
def unit_day_counts_close() -> None:
    """At 00:05 in Shanghai: the final refresh of the day that just ended."""
    campaign = active_campaign()
    if campaign is not None:
        yesterday = business_day() - dt.timedelta(days=1)
        if yesterday >= campaign.starts_on:
            unit_day_counts_refresh(campaign=campaign, day=yesterday)


@periodic(crontab(minute="*/5"))
def missing_reports_tick() -> None:
    """Every five minutes: tell the level above about each report past its deadline, once."""
    missing_reports_flag(now=timezone.now())
