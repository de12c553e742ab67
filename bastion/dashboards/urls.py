from django.urls import path

from bastion.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("units/<str:code>/missing.xlsx", views.missing_export, name="missing_export"),
]
