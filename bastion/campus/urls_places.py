"""URLs of the campus places pages (included by campus/urls.py)."""

urlpatterns: list = []
