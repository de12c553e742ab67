"""The sealer, every minute: chain the entries written since (bastion.audit.services)."""

from huey import crontab
from huey.contrib.djhuey import lock_task

from bastion.audit.services import audit_seal
from bastion.ops.periodic import periodic


@periodic(crontab(minute="*"))
@lock_task("audit-seal")
def audit_seal_tick() -> int:
    """Every minute: seal what was written since the last tick (the head's row lock keeps two
    sealers apart; the task lock only spares a second worker finding nothing to do)."""
    return audit_seal().sealed
