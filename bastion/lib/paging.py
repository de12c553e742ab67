"""One page of a list for the API: `{"count", "page", "page_size", "items"}`."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


def api_page(queryset: QuerySet, *, page: int, page_size: int, out: Callable[[Any], Any]) -> dict:
    """A COUNT and a LIMIT/OFFSET, never the whole list; `out` turns each row into its schema.

    A page past the end is empty without asking the database: an offset beyond its 64-bit
    integers (?page=10**17) would be an error there, not an empty page."""
    start = (page - 1) * page_size
    count = queryset.count()
    rows = queryset[start : start + page_size] if start < count else []
    return {"count": count, "page": page, "page_size": page_size, "items": [out(r) for r in rows]}
