"""Reads of campaigns."""

from bastion.campaigns.models import Campaign


def active_campaign() -> Campaign | None:
    """The campaign now running, or None (then nothing daily happens)."""
    return Campaign.objects.filter(is_active=True).prefetch_related("key_areas").first()
