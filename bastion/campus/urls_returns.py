"""URLs of the campus returns pages (included by campus/urls.py)."""

urlpatterns: list = []
