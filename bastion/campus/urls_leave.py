"""URLs of the campus leave pages (included by campus/urls.py)."""

urlpatterns: list = []
