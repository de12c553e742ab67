"""Parameters of a model's row for raw SQL, as the ORM's INSERT would send them.

Field.get_db_prep_save runs a field's whole conversion chain for every value; on the check-in's
hot path that chain, for some twenty fields, cost more than the statement. A text, whole-number
or yes/no value of the plain Python type its field holds (and NULL) needs no conversion at all,
so it goes as it is; every other value (days, moments, decimals, JSON, UUIDs) takes the field's
own conversion, so the result is the ORM's.
"""

from django.db import models

_PLAIN = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.IntegerField, int),  # the auto, big, small and positive ones too
)


def _plain_type(field: models.Field) -> type | None:
    """The Python type whose values `field` stores unconverted, or None."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.JSONField):
        return None
    for kind, python in _PLAIN:
        if isinstance(target, kind):
            return python
    return None


def prepared(fields: list[models.Field]) -> list[tuple[models.Field, str, type | None]]:
    """`fields` with what row_params needs of each, worked out once."""
    return [(f, f.attname, _plain_type(f)) for f in fields]


def row_params(fields: list[tuple[models.Field, str, type | None]], obj, connection) -> list:
    """The values of `obj` for `fields` (from prepared()), ready for the database."""
    params = []
    for field, attname, plain in fields:
        value = getattr(obj, attname)
        if plain is not None and (value is None or type(value) is plain):
            params.append(value)
        else:
            params.append(field.get_db_prep_save(value, connection))
    return params
