"""Party-work pages under /party/: each part keeps its own URL list."""

from django.urls import include, path

from bastion.partywork import (
    urls_assessment,
    urls_frontline,
    urls_stories,
    urls_vanguard,
    views,
)

app_name = "partywork"
urlpatterns = [
    path("", views.home, name="home"),
    path("", include(urls_frontline)),
    path("", include(urls_vanguard)),
    path("", include(urls_assessment)),
    path("", include(urls_stories)),
]
