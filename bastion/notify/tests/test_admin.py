"""The outbox in the admin: scoped to recipients in reach, read-only."""

from bastion.notify.models import Notification


def test_the_admin_lists_only_notifications_to_people_in_reach(world, client_as):
    Notification.objects.create(
        key="a", channel="email", recipient=world.student, subject="给李明", body="b"
    )
    Notification.objects.create(
        key="b", channel="email", recipient=world.staff, subject="给赵强", body="b"
    )
    Notification.objects.create(key="c", channel="webhook", subject="群消息", body="b")
    page = client_as(world.student_affairs).get("/admin/notify/notification/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "给李明" in text and "给赵强" not in text and "群消息" not in text
    text = client_as(world.org_officer).get("/admin/notify/notification/").content.decode()
    assert "给李明" in text and "给赵强" in text and "群消息" in text


def test_the_admin_is_closed_to_people_without_admin_rights(world, client_as):
    page = client_as(world.counselor).get("/admin/notify/notification/")
    assert page.status_code in (302, 403)
