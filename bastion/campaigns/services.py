"""Starting, activating and closing campaigns."""

import datetime as dt

from django.db import transaction

from bastion.campaigns.models import Campaign, KeyArea
from bastion.campaigns.presets import PRESETS


@transaction.atomic
def campaign_create_from_preset(
    *, preset: str, starts_on: dt.date, activate: bool = True, **overrides
) -> Campaign:
    """A campaign from a disease preset ("covid19", "influenza"), with its key areas."""
    fields = {k: v for k, v in PRESETS[preset].items() if k != "key_areas"}
    fields.update(overrides)
    campaign = Campaign.objects.create(starts_on=starts_on, **fields)
    KeyArea.objects.bulk_create(
        KeyArea(campaign=campaign, **area) for area in PRESETS[preset]["key_areas"]
    )
    if activate:
        campaign_activate(campaign=campaign)
    return campaign


@transaction.atomic
def campaign_activate(*, campaign: Campaign) -> Campaign:
    """Make `campaign` the one active campaign (the database allows only one)."""
    Campaign.objects.filter(is_active=True).exclude(pk=campaign.pk).update(is_active=False)
    Campaign.objects.filter(pk=campaign.pk).update(is_active=True)
    campaign.is_active = True
    return campaign
