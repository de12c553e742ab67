from django.urls import path

from bastion.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.daily, name="daily"),
]
