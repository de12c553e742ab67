"""Notices and public sentiment under /notices/."""

from django.urls import include, path

from bastion.notices import urls_notices, urls_sentiment

app_name = "notices"
urlpatterns = [
    path("", include(urls_notices)),
    path("sentiment/", include(urls_sentiment)),
]
