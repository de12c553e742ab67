"""URLs of the key places and visitors pages (included by campus/urls.py under places/)."""

from django.urls import path

from bastion.campus import views_places as views

urlpatterns = [
    path("", views.place_list, name="places"),
    path("new/", views.place_new, name="place_new"),
    path("visitors/", views.visitor_list, name="visitors"),
    path("visitors/new/", views.visitor_new, name="visitor_new"),
    path("visitors/<uuid:uid>/", views.visitor_detail, name="visitor_detail"),
    path("visitors/<uuid:uid>/revoke/", views.visitor_revoke, name="visitor_revoke"),
    path("<uuid:uid>/", views.place_detail, name="place_detail"),
    path("<uuid:uid>/edit/", views.place_edit, name="place_edit"),
    path("<uuid:uid>/pass/", views.place_pass, name="place_pass"),
    path("<uuid:uid>/<slug:action>/", views.place_act, name="place_act"),
]
