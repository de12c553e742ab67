from django.urls import path

from bastion.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.queue, name="queue"),
]
