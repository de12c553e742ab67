"""Pushing a published notice through the channels, in a worker."""

from huey.contrib.djhuey import db_task


@db_task()
def notice_push(notice_id: int) -> None:
    """Queue the notice by email to its readers with an address, and to the group robot."""
    from bastion.notices.models import Notice
    from bastion.notices.services import notice_push_now

    notice = Notice.objects.filter(pk=notice_id, withdrawn_at__isnull=True).first()
    if notice is not None:
        notice_push_now(notice=notice)
