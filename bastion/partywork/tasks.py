"""Background work of Party work: the daily briefing at 21:00 in Shanghai, missed shifts,
the weekly drafts of the committees' work reports.

Huey runs periodic tasks against UTC (settings.HUEY["utc"]); Shanghai is UTC+8 all year, so
21:00 there is 13:00 UTC.
"""

from huey import crontab
from huey.contrib.djhuey import lock_task

from bastion.ops.periodic import periodic
from bastion.partywork.briefing import briefing_send


@periodic(crontab(minute="0", hour="13"))
@lock_task("partywork-briefing")
def briefing_daily() -> int:
    """At 21:00 in Shanghai: build the day's briefing and send its readers the link, once."""
    return briefing_send()


@periodic(crontab(minute="*/15"))
@lock_task("partywork-shifts-missed")
def shifts_missed_tick() -> int:
    """Every quarter hour: shifts that ended with nobody checked in are marked missed."""
    from django.utils import timezone

    from bastion.partywork.duty import shifts_mark_missed

    return shifts_mark_missed(now=timezone.now())


@periodic(crontab(minute="30", hour="0", day_of_week="1"))
@lock_task("partywork-work-reports")
def work_reports_weekly() -> int:
    """Monday 08:30 in Shanghai: every committee's draft of last week's work report, due on
    Wednesday at 17:00, made from its own data (idempotent: an existing draft is kept)."""
    import datetime as dt

    from django.utils import timezone

    from bastion.lib.days import SHANGHAI, business_day
    from bastion.partywork.workreports import work_reports_draft_all

    now = timezone.now()
    today = business_day(now)
    start = today - dt.timedelta(days=today.weekday() + 7)
    end = start + dt.timedelta(days=6)
    due = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(17), tzinfo=SHANGHAI)
    return len(work_reports_draft_all(period_start=start, period_end=end, due_at=due, now=now))
