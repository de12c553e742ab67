"""Background work of operations: pruning the periodic jobs' claims (bastion.ops.periodic)."""

from django.utils import timezone
from huey import crontab

from bastion.ops.periodic import periodic, periodic_runs_prune


@periodic(crontab(minute="23", hour="19"))
def periodic_runs_prune_daily() -> int:
    """At 03:23 in Shanghai (19:23 UTC): forget the claims older than a week."""
    return periodic_runs_prune(now=timezone.now())
