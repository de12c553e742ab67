"""URLs of the campus gate pages (included by campus/urls.py)."""

urlpatterns: list = []
