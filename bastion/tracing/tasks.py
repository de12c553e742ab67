"""Background work of tracing: re-evaluating a key area after it changed."""

from huey.contrib.djhuey import HUEY, db_task

from bastion.campaigns.models import KeyArea
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
