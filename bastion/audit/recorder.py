"""Recording every save() and delete() of the registered models, whoever calls them.

Why signals here, when Bastion's style puts the audit row in the service (as Zulip does):
there are more than a hundred services across a dozen apps that write these records, and an
audit trail that a forgotten line in one of them silently skips cannot be trusted to show
"every change". A receiver on the model's save and delete cannot be forgotten, and sees the
cascades of a deletion too. It runs inside the service's transaction, so the entry commits or
rolls back with the change. What bypasses save() (bulk_create, bulk_update, update(), raw SQL)
records itself explicitly through bastion.audit.services; verify_audit finds any path that does
not (a record that differs from its trail, or has none).

The "before" of a change is read from the database just before the UPDATE (one query, of the
fields being saved): the services lock the row first, so it is what the change replaced, not
what an instance loaded earlier remembered.
"""

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from bastion.audit import snapshot
from bastion.audit.models import Action
from bastion.audit.registry import REGISTRY, Audited, spec_for

_BEFORE = "_audit_before"


def _saved_fields(spec: Audited, update_fields) -> list[models.Field]:
    if update_fields is None:
        return spec.fields
    named = set(update_fields)
    return [f for f in spec.fields if f.name in named or f.attname in named]


def _pre_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs) -> None:
    spec = spec_for(sender)
    if spec is None or instance._state.adding or instance.pk is None:
        setattr(instance, _BEFORE, None)
        return
    fields = _saved_fields(spec, update_fields)
    if not fields:
        setattr(instance, _BEFORE, {})
        return
    row = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values_list(*(f.attname for f in fields))
        .first()
    )
    setattr(instance, _BEFORE, None if row is None else snapshot.of_row(fields, row))


def _after(spec: Audited, instance, names, using) -> dict[str, Any]:
    """The saved fields as they now are: from the instance, or from the row for those the
    instance holds as expressions (F("n") + 1) or did not load."""
    try:
        found = snapshot.of_instance(spec, instance, names=names)
    except snapshot.Unresolved:
        found = {}
    missing = [f for f in spec.fields if f.name in names and f.name not in found]
    if missing:
        row = (
            spec.model._base_manager.using(using)
            .filter(pk=instance.pk)
            .values_list(*(f.attname for f in missing))
            .first()
        )
        if row is not None:
            found |= snapshot.of_row(missing, row)
    return found


def _post_save(sender, instance, created, raw=False, using=None, update_fields=None, **kw) -> None:
    from bastion.audit.services import entries_write, entry

    spec = spec_for(sender)
    if spec is None:
        return
    before = instance.__dict__.pop(_BEFORE, None)
    if created:
        made = entry(
            action=Action.CREATE,
            target=spec.label,
            target_id=spec.key_of(instance),
            after=_after(spec, instance, spec.names, using),
        )
    else:
        names = list(before) if before is not None else [f.name for f in spec.fields]
        if not names:
            return
        now = _after(spec, instance, names, using)
        if before is not None:
            changed = [n for n in names if n in now and now[n] != before.get(n)]
            if not changed:
                return
            old, new = {n: before.get(n) for n in changed}, {n: now[n] for n in changed}
        else:
            old, new = None, now  # saved with a primary key the row did not have before
        made = entry(
            action=Action.UPDATE,
            target=spec.label,
            target_id=spec.key_of(instance),
            before=old,
            after=new,
        )
    entries_write([made], using=using)


def _post_delete(sender, instance, using=None, **kwargs) -> None:
    from bastion.audit.services import entries_write, entry

    spec = spec_for(sender)
    if spec is None:
        return
    try:
        before = snapshot.of_instance(spec, instance)
    except snapshot.Unresolved:
        before = None
    entries_write(
        [
            entry(
                action=Action.DELETE,
                target=spec.label,
                target_id=spec.key_of(instance),
                before=before,
            )
        ],
        using=using,
    )


def _set_null_receiver(spec: Audited, field: models.ForeignKey):
    """When a record that `field` points at is deleted, the database sets `field` to NULL on
    the registered rows that pointed at it, past save(): record those changes."""

    def receiver(sender, instance, using=None, **kwargs) -> None:
        from bastion.audit.services import entries_write, entry

        rows = list(
            spec.model._base_manager.using(using)
            .filter(**{field.attname: instance.pk})
            .values_list("pk", *(["uid"] if spec.key == "uid" else []))
        )
        value = snapshot.normal(field, instance.pk)
        entries_write(
            [
                entry(
                    action=Action.UPDATE,
                    target=spec.label,
                    target_id=str(row[-1]),
                    before={field.name: value},
                    after={field.name: None},
                    note="on_delete=SET_NULL",
                )
                for row in rows
            ],
            using=using,
        )

    return receiver


_KEEP: list = []  # the SET_NULL receivers, referenced (signals hold them weakly otherwise)


def connect() -> None:
    for spec in REGISTRY:
        uid = f"audit:{spec.model_label}"
        pre_save.connect(_pre_save, sender=spec.model, dispatch_uid=uid)
        post_save.connect(_post_save, sender=spec.model, dispatch_uid=uid)
        post_delete.connect(_post_delete, sender=spec.model, dispatch_uid=uid)
        for field in spec.fields:
            if (
                isinstance(field, models.ForeignKey)
                and field.remote_field.on_delete is models.SET_NULL
            ):
                receiver = _set_null_receiver(spec, field)
                _KEEP.append(receiver)
                pre_delete.connect(
                    receiver,
                    sender=field.related_model,
                    dispatch_uid=f"audit:{spec.model_label}.{field.name}",
                )
