"""URLs of the notice pages (included by notices/urls.py)."""

from django.urls import path

from bastion.notices import views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.compose, name="compose"),
    path("sent/", views.sent, name="sent"),
    path("knowledge/", views.knowledge_page, name="knowledge"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path("<uuid:uid>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<uuid:uid>/receipts/", views.receipts, name="receipts"),
    path("<uuid:uid>/chase/", views.chase, name="chase"),
    path("<uuid:uid>/withdraw/", views.withdraw, name="withdraw"),
]
