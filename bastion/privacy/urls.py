"""URLs of privacy: the notice at /privacy/, my data at /me/data/."""

from django.urls import path

from bastion.privacy import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.notice, name="notice"),
    path("privacy/declined/", views.declined, name="declined"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/download/", views.my_data_download, name="my_data_download"),
]
