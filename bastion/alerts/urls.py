from django.urls import path

from bastion.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("chase/", views.chase, name="chase"),
    path("<uuid:uid>/", views.detail, name="detail"),
    path("<uuid:uid>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<uuid:uid>/close/", views.close, name="close"),
]
