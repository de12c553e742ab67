"""The check-ins app's periodic work: partitions of the history ready before they are needed.

Huey runs periodic tasks against UTC (settings.HUEY["utc"]); 16:20 UTC is 00:20 in Shanghai.
"""

from huey import crontab

from bastion.checkins.partitions import checkin_partitions_ensure
from bastion.ops.periodic import periodic


@periodic(crontab(minute="20", hour="16"))
def checkin_partitions_daily() -> None:
    """This month's and the next months' partitions of the check-in history (PostgreSQL)."""
    checkin_partitions_ensure()
