"""Sending the university's reports to its province, and trying again while it is away."""

from huey import crontab
from huey.contrib.djhuey import db_task

from bastion.ops.periodic import periodic
from bastion.province.services import province_reports_deliver


@db_task()
def province_reports_send(keys: list[str]) -> None:
    """Send these queued reports to the province now (after the submission's commit)."""
    province_reports_deliver(keys=keys)


@periodic(crontab(minute="*"))
def province_reports_retry() -> None:
    """Every minute: send again the reports whose backoff or lease has passed, so a report
    submitted while the province was away reaches it once it is back."""
    province_reports_deliver()
