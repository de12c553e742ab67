"""URLs of the campus plans pages (included by campus/urls.py)."""

urlpatterns: list = []
