"""The one definition of "today": the business day in Asia/Shanghai."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def business_day(moment: dt.datetime | None = None) -> dt.date:
    """The calendar day in Shanghai of `moment` (now if omitted); every daily rule uses this."""
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("business_day needs an aware datetime")
    return moment.astimezone(SHANGHAI).date()


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware moment in Shanghai of `time` on business day `day`."""
    return dt.datetime.combine(day, time, tzinfo=SHANGHAI)
