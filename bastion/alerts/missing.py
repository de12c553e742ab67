"""The periodic rules: alerts about check-ins that did not happen, raised by the minute tick.

Each rule is a small registered class (kinds are code) answering, for a campaign and a moment,
which people it fires for (one indexed filter over Person's hot facts) and the summary. Their
alerts close by themselves when the person checks in (see services.alerts_sync_for_checkin),
and they do not colour the person's health status: not reporting is not being ill, and a
unit's zero report must not be blocked by someone who merely forgot to check in.
"""

import datetime as dt
from typing import ClassVar

from django.db.models import Q, QuerySet

from bastion.accounts.scoping import EVERYTHING
from bastion.alerts.rules import Severity
from bastion.campaigns.models import Campaign
from bastion.checkins.selectors import missing_people
from bastion.lib.days import at, business_day
from bastion.org.models import Person


class PeriodicRule:
    """One alert kind raised by the clock; subclasses set `code`, `severity` and the two methods."""

    code: ClassVar[str]
    severity: ClassVar[Severity]

    def people(self, *, campaign: Campaign, now: dt.datetime) -> QuerySet[Person] | None:
        """Who the rule fires for at `now`; None when it does not apply yet."""
        raise NotImplementedError

    def summary(self, *, campaign: Campaign, now: dt.datetime) -> str:
        raise NotImplementedError


PERIODIC_RULES: dict[str, PeriodicRule] = {}


def register(rule_class: type[PeriodicRule]) -> type[PeriodicRule]:
    """Class decorator: add one instance of the rule to PERIODIC_RULES under its code."""
    if rule_class.code in PERIODIC_RULES:
        raise ValueError(f"periodic rule {rule_class.code!r} registered twice")
    PERIODIC_RULES[rule_class.code] = rule_class()
    return rule_class


def _running(campaign: Campaign, day: dt.date) -> bool:
    return campaign.starts_on <= day and (campaign.ends_on is None or day <= campaign.ends_on)


@register
class MissingCutoff(PeriodicRule):
    """No check-in that counts for today once the campaign's cut-off has passed."""

    code = "missing_cutoff"
    severity = "yellow"

    def people(self, *, campaign: Campaign, now: dt.datetime) -> QuerySet[Person] | None:
        day = business_day(now)
        if not _running(campaign, day) or now < at(day, campaign.checkin_cutoff):
            return None
        return missing_people(scope=EVERYTHING, campaign=campaign, day=day)

    def summary(self, *, campaign: Campaign, now: dt.datetime) -> str:
        return f"截至 {campaign.checkin_cutoff:%H:%M} 未打卡"


@register
class MissingDays(PeriodicRule):
    """No check-in that counts for any of the last `campaign.missing_days` days, today included."""

    code = "missing_days"
    severity = "red"

    def people(self, *, campaign: Campaign, now: dt.datetime) -> QuerySet[Person] | None:
        day = business_day(now)
        days = max(campaign.missing_days, 1)
        first = day - dt.timedelta(days=days - 1)
        if not _running(campaign, first) or now < at(day, campaign.checkin_cutoff):
            return None
        # Missing on every day from `first` to today: the last check-in that counted was
        # before `first` (under exception reporting an unchanged state counts some days more).
        valid = max(campaign.unchanged_valid_days, 1) if campaign.exception_reporting else 1
        before = first - dt.timedelta(days=valid - 1)
        return Person.objects.filter(
            Q(last_checkin_day__isnull=True) | Q(last_checkin_day__lt=before)
        )

    def summary(self, *, campaign: Campaign, now: dt.datetime) -> str:
        return f"连续 {max(campaign.missing_days, 1)} 天未打卡"


MISSING_KINDS = frozenset(PERIODIC_RULES)

# A carer who has not contacted the person they care for under isolation (raised by
# tracing.isolation.care_missed_raise): a lapse of the carer, not the person's illness.
CARE_MISSED = "care_missed"

# A person out of campus on leave and not back by their time (raised by
# campus.leave.leaves_overdue_raise): late, not ill.
LEAVE_OVERDUE = "leave_overdue"

# Someone stopped at the gate before the day their return is approved for (raised by
# campus.gate): early, not ill.
EARLY_RETURN = "early_return"

# Alert kinds that say nothing about the person's health: they never colour the status.
NOT_ABOUT_HEALTH = MISSING_KINDS | {CARE_MISSED, LEAVE_OVERDUE, EARLY_RETURN}
