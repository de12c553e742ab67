"""Reaching one record by its public identifier, the same way everywhere."""

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def by_uid(queryset: QuerySet[M], uid: Any, *, missing: Callable[[], Exception] = Http404) -> M:
    """The record of `queryset` (what the user may see) with this uid. `missing()` is raised
    for none, and for a malformed uid: out of reach looks the same as missing."""
    try:
        uid = uuid.UUID(str(uid))
    except (ValueError, TypeError):
        raise missing() from None
    found = queryset.filter(uid=uid).first()
    if found is None:
        raise missing()
    return found
