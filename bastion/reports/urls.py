from django.urls import path

from bastion.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.daily, name="daily"),
    path("units/<str:code>/submit/", views.submit, name="submit"),
]
