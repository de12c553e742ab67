"""Background work of campus: people out on leave and not back in time, and the hourly
sorting of return applications.

Found by Huey's autodiscovery of each installed app's `tasks` module (as tracing.tasks).
"""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import lock_task

from bastion.campus.leave import leaves_overdue_raise
from bastion.ops.periodic import periodic


@periodic(crontab(minute="*/5"))
@lock_task("leaves-overdue")
def leaves_overdue_tick() -> int:
    """Every five minutes: an alert for each person out on leave past their time back and the
    plan's grace (idempotent: one open alert per person); the number raised."""
    return leaves_overdue_raise(now=timezone.now())


@periodic(crontab(minute="7"))
@lock_task("returns-sort")
def returns_sort_tick() -> int:
    """Every hour: sort the undecided return applications again by the day's facts (a fever,
    a trip, an isolation ended), so the reviewers' lists say what is true now."""
    from bastion.campaigns.selectors import active_campaign
    from bastion.campus.returns import applications_sort

    campaign = active_campaign()
    if campaign is None:
        return 0
    clear, _held = applications_sort(campaign=campaign, now=timezone.now())
    return clear
