"""URLs of the campus plans pages (included by campus/urls.py)."""

from django.urls import path

from bastion.campus import views_plans

urlpatterns = [
    path("", views_plans.plan_list, name="plans"),
    path("plans.xlsx", views_plans.plan_list_download, name="plans_xlsx"),
    path("units/<str:code>/", views_plans.plan_unit, name="plan_unit"),
    path("units/<str:code>/versions/", views_plans.plan_version_add, name="plan_version_add"),
    path("<uuid:uid>/", views_plans.plan_detail, name="plan_detail"),
    path(
        "<uuid:uid>/versions/<int:number>/",
        views_plans.plan_version_download,
        name="plan_version_download",
    ),
]
