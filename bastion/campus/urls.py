"""Campus pages under /campus/: each part keeps its own URL list."""

from django.urls import include, path

from bastion.campus import urls_gate, urls_leave, urls_places, urls_plans, urls_returns

app_name = "campus"
urlpatterns = [
    path("", include(urls_returns)),
    path("gate/", include(urls_gate)),
    path("leave/", include(urls_leave)),
    path("places/", include(urls_places)),
    path("plans/", include(urls_plans)),
]
