"""URLs of the campus leave pages (included by campus/urls.py)."""

from django.urls import path

from bastion.campus import views_leave

urlpatterns: list = [
    path("", views_leave.leave_mine, name="leave"),
    path("queue/", views_leave.leave_queue, name="leave_queue"),
    path("<uuid:uid>/decide/", views_leave.leave_decide, name="leave_decide"),
    path("<uuid:uid>/withdraw/", views_leave.leave_withdraw, name="leave_withdraw"),
]
