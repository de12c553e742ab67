"""Delivery of queued notifications (channels in notify.channels)."""

from huey.contrib.djhuey import db_task


@db_task()
def notifications_send(keys: list[str]) -> None:
    """Deliver the queued notifications with these keys (implemented with the channels)."""
