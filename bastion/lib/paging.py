"""One page of a list for the API: `{"count", "page", "page_size", "items"}`."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet


def api_page(queryset: QuerySet, *, page: int, page_size: int, out: Callable[[Any], Any]) -> dict:
    """A COUNT and a LIMIT/OFFSET, never the whole list; `out` turns each row into its schema."""
    start = (page - 1) * page_size
    return {
        "count": queryset.count(),
        "page": page,
        "page_size": page_size,
        "items": [out(row) for row in queryset[start : start + page_size]],
    }
