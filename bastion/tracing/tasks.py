"""Background work of tracing: re-evaluating a key area after it changed, cluster warnings."""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_task, lock_task

from bastion.campaigns.models import Campaign, KeyArea
from bastion.campaigns.selectors import active_campaign
from bastion.ops.periodic import periodic
from bastion.tracing.clusters import clusters_check
from bastion.tracing.services import key_area_reevaluate


@db_task(retries=2, retry_delay=10)
def key_area_reevaluate_task(key_area_id: int) -> dict[str, int]:
    """Re-evaluate one key area; idempotent, so a retry or a second run changes nothing."""
    key_area = KeyArea.objects.select_related("campaign").filter(pk=key_area_id).first()
    if key_area is None:
        return {}
    with HUEY.lock_task(f"key-area-{key_area_id}"):
        result = key_area_reevaluate(key_area=key_area)
    return {"people": result.people, "raised": result.raised, "closed": result.closed}


@db_task(retries=2, retry_delay=10)
@lock_task("clusters-check")
def clusters_check_task(campaign_id: int) -> int:
    """After an abnormal check-in: warn of any cluster it completes; the number raised."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return len(clusters_check(campaign=campaign)) if campaign is not None else 0


@periodic(crontab(minute="*/5"))
@lock_task("clusters-check")
def clusters_tick() -> int:
    """Every five minutes: the same scan, so that a task lost on the way loses no warning."""
    campaign = active_campaign()
    return len(clusters_check(campaign=campaign)) if campaign is not None else 0
