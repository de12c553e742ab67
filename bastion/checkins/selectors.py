"""Reads of check-ins. "Who has reported" has one definition, here."""

import datetime as dt

from django.db.models import Q, QuerySet

from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign
from bastion.org.models import Person


def reported_q(*, campaign: Campaign, day: dt.date, prefix: str = "") -> Q:
    """Q over Person: has a check-in that counts for `day`.

    Under exception reporting (只报异常) an unchanged state counts for the campaign's number of
    days; past that the person is missing like anyone else.
    """
    if campaign.exception_reporting:
        since = day - dt.timedelta(days=max(campaign.unchanged_valid_days, 1) - 1)
        return Q(**{f"{prefix}last_checkin_day__gte": since, f"{prefix}last_checkin_day__lte": day})
    return Q(**{f"{prefix}last_checkin_day": day})


def missing_people(*, scope: Scope, campaign: Campaign, day: dt.date) -> QuerySet[Person]:
    """Everyone in scope without a check-in that counts for `day`: one indexed filter."""
    return scope.people().exclude(reported_q(campaign=campaign, day=day))
