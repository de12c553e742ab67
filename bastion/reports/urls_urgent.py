"""URLs of urgent reports and the daily digests, mounted at /urgent/."""

from django.urls import path

from bastion.reports import views_urgent

app_name = "urgent"
urlpatterns = [
    path("", views_urgent.urgent_list, name="list"),
    path("new/", views_urgent.urgent_new, name="new"),
    path("<uuid:uid>/", views_urgent.urgent_detail, name="detail"),
    path("<uuid:uid>/acknowledge/", views_urgent.urgent_acknowledge, name="acknowledge"),
    path("digest/<str:kind>/<str:day>/", views_urgent.digest_page, name="digest"),
    path("digest/<str:kind>/<str:day>/xlsx/", views_urgent.digest_download, name="digest_xlsx"),
]
