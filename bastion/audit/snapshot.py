"""A record's audited fields as JSON values, the same whether read from an instance in memory
or from a row of the database: the trail's `after` is compared with the table's current row.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.expressions import Combinable

from bastion.audit.registry import Audited

_TEXT = (models.CharField, models.TextField)
_INT = models.IntegerField  # and the auto fields, and the big and small ones


class Unresolved(Exception):
    """A field holds an expression (F("n") + 1) that only the database has evaluated."""


def normal(field: models.Field, value: Any) -> Any:
    """`value` of `field` as plain JSON: ids for relations, ISO text for moments (UTC) and
    days, decimals as text at the field's places, a digest for binary content."""
    if value is None:
        return None
    if field.is_relation:
        field = field.target_field
    # The common cases first, as they are (a check-in's entry is made on its hot path).
    kind = type(value)
    if (kind is str and isinstance(field, _TEXT)) or (kind is int and isinstance(field, _INT)):
        return value
    if kind is bool and isinstance(field, models.BooleanField):
        return value
    if isinstance(value, Combinable):
        raise Unresolved(field.name)
    if isinstance(field, models.JSONField):
        return json.loads(json.dumps(value, cls=field.encoder))
    value = field.to_python(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        places = getattr(field, "decimal_places", None)
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places))
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview | bytearray):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)  # a UUID, an IP address…


def of_instance(
    spec: Audited, instance: models.Model, names: Iterable[str] | None = None
) -> dict[str, Any]:
    """The audited fields (or those named) as the instance holds them; deferred ones are left
    out (reading them would cost a query each)."""
    deferred = instance.get_deferred_fields()
    wanted = None if names is None else set(names)
    return {
        f.name: normal(f, getattr(instance, f.attname))
        for f in spec.fields
        if (wanted is None or f.name in wanted) and f.attname not in deferred
    }


def of_row(fields: Sequence[models.Field], values: Sequence[Any]) -> dict[str, Any]:
    """The fields of a row read with values_list(*attnames), in the same order."""
    return {f.name: normal(f, v) for f, v in zip(fields, values, strict=True)}
