"""Reads of check-ins. "Who has reported" has one definition, here."""

import datetime as dt
import time

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.checkins.models import CheckIn
from bastion.org.models import Person


def counting_since(*, campaign: Campaign, day: dt.date) -> dt.date:
    """The first day whose check-in still counts for `day`: the day itself, or under exception
    reporting (只报异常) as many days back as an unchanged state stays valid."""
    if campaign.exception_reporting:
        return day - dt.timedelta(days=max(campaign.unchanged_valid_days, 1) - 1)
    return day


def reported_q(*, campaign: Campaign, day: dt.date, prefix: str = "") -> Q:
    """Q over Person: has a check-in that counts for `day`, read from the hot fact (today's).

    Under exception reporting an unchanged state counts for the campaign's number of days;
    past that the person is missing like anyone else.
    """
    since = counting_since(campaign=campaign, day=day)
    if since == day:
        return Q(**{f"{prefix}last_checkin_day": day})
    return Q(**{f"{prefix}last_checkin_day__gte": since, f"{prefix}last_checkin_day__lte": day})


def reported_in_history_q(*, campaign: Campaign, day: dt.date) -> Q:
    """Q over Person: the same as reported_q, from the check-in history, for a closed day the
    hot facts have left behind."""
    since = counting_since(campaign=campaign, day=day)
    return Q(
        Exists(
            CheckIn.objects.filter(
                person=OuterRef("pk"), campaign=campaign, day__gte=since, day__lte=day
            )
        )
    )


def missing_people(*, scope: Scope, campaign: Campaign, day: dt.date) -> QuerySet[Person]:
    """Everyone in scope without a check-in that counts for `day`: one indexed filter."""
    return scope.people().exclude(reported_q(campaign=campaign, day=day))


# --- the active campaign, kept for a few seconds per process --------------------------------

CAMPAIGN_TTL = 5.0  # seconds; a campaign edited in the admin reaches every worker within this
_campaign_cache: tuple[float, Campaign | None] | None = None


def active_campaign_cached() -> Campaign | None:
    """The active campaign (with its key areas), read at most once every few seconds.

    Every check-in needs it; reading it per request would be a fifth of the hot path's queries.
    A save of a campaign or key area in this process clears the cache (see apps.py). Cached
    only where the hot path is tuned for load (BASTION_COUNTS_COALESCE_SECONDS > 0, i.e. in
    production): on a laptop and in tests, where databases come and go, it is read each time.
    """
    global _campaign_cache
    now = time.monotonic()
    cached = _campaign_cache
    if cached is not None and now - cached[0] < CAMPAIGN_TTL:
        return cached[1]
    if not getattr(settings, "BASTION_COUNTS_COALESCE_SECONDS", 0):
        campaign = active_campaign()
        if campaign is not None:
            list(campaign.key_areas.all())
        return campaign
    campaign = active_campaign()
    if campaign is not None:
        list(campaign.key_areas.all())  # fills the prefetch cache the rules read
    _campaign_cache = (now, campaign)
    return campaign


def active_campaign_forget(**_kwargs) -> None:
    """Drop the cached campaign (a signal receiver, hence the keyword arguments)."""
    global _campaign_cache
    _campaign_cache = None


def checkins_visible(*, scope: Scope) -> QuerySet[CheckIn]:
    """The check-ins of the people in scope, with the person for display."""
    return CheckIn.objects.filter(scope.people_q(prefix="person__")).select_related(
        "person", "submitted_by"
    )


def checkin_today(*, person: Person, day: dt.date) -> CheckIn | None:
    """The person's check-in of `day`, if any."""
    return CheckIn.objects.filter(person=person, day=day).first()
