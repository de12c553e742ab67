from django.urls import path

from bastion.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
]
