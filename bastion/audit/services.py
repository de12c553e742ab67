"""Writing the trail: the explicit entries (bulk writes, views, exports, baselines, purges)
and the sealer that chains them.

Saves and deletes of the registered models are recorded by bastion.audit.recorder without the
services' help. What bypasses save() — bulk_create, bulk_update, queryset.update(), raw SQL —
records itself here, in the same transaction as the write:

    Alert.objects.bulk_create(fresh)           →  audit_bulk(Action.CREATE, fresh)
    before = audit_snapshots(people)
    …change them…; Person.objects.bulk_update(…) →  audit_bulk(Action.UPDATE, people, before=before)
    queryset.update(state=…)                   →  audit_update(queryset, state=…)
"""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bastion.audit import context, signing, snapshot
from bastion.audit.models import Action, AuditEntry, AuditHead
from bastion.audit.registry import REGISTRY, Audited, spec_for
from bastion.lib.chunks import CHUNK, chunks
from bastion.lib.rawsql import prepared, row_params
from bastion.lib.sheets import ExportStamp

logger = logging.getLogger(__name__)

BATCH = 500  # entries per INSERT


def entry(
    *,
    action: Action | int,
    target: str,
    target_id: str = "",
    before: Any = None,
    after: Any = None,
    note: str = "",
    at: dt.datetime | None = None,
    actor: context.Actor | None = None,
) -> AuditEntry:
    """An entry, signed, not yet saved; by whoever is acting now unless `actor` says."""
    actor = actor or context.current()
    at = at or timezone.now()
    data = signing.content(
        at=at,
        actor_id=actor.user_id,
        actor_label=actor.label,
        ip=actor.ip,
        action=action,
        target=target,
        target_id=target_id,
        before=before,
        after=after,
        note=note,
    )
    return AuditEntry(
        at=at,
        actor_id=actor.user_id,
        actor_label=actor.label,
        ip=actor.ip,
        action=int(action),
        target=target,
        target_id=target_id,
        before=before,
        after=after,
        note=note,
        mac=signing.sign(data),
    )


def entries_write(entries: Sequence[AuditEntry], *, using: str | None = None) -> None:
    if entries:
        AuditEntry.objects.using(using).bulk_create(entries, batch_size=BATCH)


def _spec(model: type[models.Model]) -> Audited:
    spec = spec_for(model)
    if spec is None:
        raise ValueError(f"{model._meta.label} is not in the audit registry")
    return spec


# --- records written past save() ----------------------------------------------------------


def audit_record(
    *,
    action: Action,
    instance: models.Model | None = None,
    target: str = "",
    target_id: str = "",
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> AuditEntry:
    """Write one entry now. Given a registered `instance`, it names the target; a creation
    without `after` takes the instance's audited fields, a deletion without `before` too."""
    if instance is not None:
        spec = _spec(type(instance))
        target, target_id = spec.label, spec.key_of(instance)
        if action == Action.CREATE and after is None:
            after = snapshot.of_instance(spec, instance)
        elif action == Action.DELETE and before is None:
            before = snapshot.of_instance(spec, instance)
    made = entry(
        action=action, target=target, target_id=target_id, before=before, after=after, note=note
    )
    entries_write([made])
    return made


def audit_snapshots(objects: Iterable[models.Model]) -> list[dict[str, Any]]:
    """The audited fields of each object as it is now: what audit_bulk(UPDATE) compares with."""
    objects = list(objects)
    if not objects:
        return []
    spec = _spec(type(objects[0]))
    return [snapshot.of_instance(spec, obj) for obj in objects]


def audit_bulk(
    action: Action,
    objects: Iterable[models.Model],
    *,
    before: Sequence[Mapping[str, Any]] | None = None,
    note: str = "",
) -> int:
    """Record a bulk write of registered records: their creation, their change (`before`:
    audit_snapshots taken before the change, in the same order) or their deletion. A change
    records only the fields that differ; an object with none is left out. How many entries."""
    objects = list(objects)
    if not objects:
        return 0
    spec = _spec(type(objects[0]))
    actor, at = context.current(), timezone.now()
    made = []
    for i, obj in enumerate(objects):
        old = new = None
        if action == Action.CREATE:
            new = snapshot.of_instance(spec, obj)
        elif action == Action.DELETE:
            old = snapshot.of_instance(spec, obj)
        elif action == Action.UPDATE:
            if before is None:
                raise ValueError("audit_bulk(UPDATE) needs the snapshots taken before")
            now = snapshot.of_instance(spec, obj, names=before[i].keys())
            old = {k: v for k, v in before[i].items() if k in now and now[k] != v}
            if not old:
                continue
            new = {k: now[k] for k in old}
        else:
            raise ValueError(f"audit_bulk records changes, not {action!r}")
        made.append(
            entry(
                action=action,
                target=spec.label,
                target_id=spec.key_of(obj),
                before=old,
                after=new,
                note=note,
                at=at,
                actor=actor,
            )
        )
    entries_write(made)
    return len(made)


def _update_values(spec: Audited, values: Mapping[str, Any]) -> dict[str, tuple]:
    """{field name: (field, value)} for the audited fields among an update's values."""
    found = {}
    for f in spec.fields:
        for name in (f.name, f.attname):
            if name in values:
                value = values[name]
                found[f.name] = (f, value.pk if isinstance(value, models.Model) else value)
    return found


def audit_update(queryset: QuerySet, **values: Any) -> int:
    """`queryset.update(**values)`, recorded: each matching row's changed audited fields,
    before and after. The rows are locked and read first (one query per chunk), then updated
    by primary key; answers how many were updated, as update() does."""
    spec = spec_for(queryset.model)
    changing = _update_values(spec, values) if spec is not None else {}
    if not changing:
        return queryset.update(**values)
    fields = [f for f, _v in changing.values()]
    manager = queryset.model._base_manager.using(queryset.db)
    with transaction.atomic(using=queryset.db):
        rows = list(
            queryset.select_for_update(of=("self",))
            .order_by()
            .values_list(
                "pk", *(["uid"] if spec.key == "uid" else []), *(f.attname for f in fields)
            )
        )
        if not rows:
            return 0
        width = 2 if spec.key == "uid" else 1
        updated = 0
        for chunk in chunks([row[0] for row in rows], CHUNK):
            updated += manager.filter(pk__in=chunk).update(**values)
        fresh: dict[int, dict[str, Any]] = {}
        try:
            same = {name: snapshot.normal(f, v) for name, (f, v) in changing.items()}
        except snapshot.Unresolved:
            # F() expressions: read what the database made of them.
            same = None
            for chunk in chunks([row[0] for row in rows], CHUNK):
                for pk, *got in manager.filter(pk__in=chunk).values_list(
                    "pk", *(f.attname for f in fields)
                ):
                    fresh[pk] = snapshot.of_row(fields, got)
        actor, at = context.current(), timezone.now()
        made = []
        for row in rows:
            old = snapshot.of_row(fields, row[width:])
            new = same if same is not None else fresh.get(row[0], {})
            changed = {k: v for k, v in old.items() if k in new and new[k] != v}
            if changed:
                made.append(
                    entry(
                        action=Action.UPDATE,
                        target=spec.label,
                        target_id=str(row[1] if spec.key == "uid" else row[0]),
                        before=changed,
                        after={k: new[k] for k in changed},
                        at=at,
                        actor=actor,
                    )
                )
        entries_write(made, using=queryset.db)
    return updated


def audit_purge(model: type[models.Model], *, match: Mapping[str, Any], note: str) -> AuditEntry:
    """Record that the records of `model` whose audited fields equal `match` are removed in
    bulk by a rule (the retention of health data), instead of one deletion entry each.
    Write it in the transaction that deletes them; verify_audit counts them as purged."""
    spec = _spec(model)
    fields = {f.name: f for f in spec.fields}
    return audit_record(
        action=Action.PURGE,
        target=spec.label,
        after={"match": {k: snapshot.normal(fields[k], v) for k, v in match.items()}},
        note=note,
    )


def audit_baseline(*, source: str, note: str) -> AuditEntry:
    """Record that every registered record up to its model's current highest id came in
    without a trail (before the trail began, or the demo's bulk load): verify_audit counts
    those with no entry as "not traced" rather than as inserted behind Bastion's back."""
    highest = {}
    for spec in REGISTRY:
        top = spec.model._base_manager.aggregate(top=Max("pk"))["top"]
        if top is not None:
            highest[spec.label] = top
    return audit_record(action=Action.BASELINE, target=source, after=highest, note=note)


# --- views and exports of lists ----------------------------------------------------------


def _filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """What was asked, as JSON: lists for repeated parameters, empty values left out."""
    if hasattr(filters, "lists"):
        found = {k: (v if len(v) > 1 else v[0]) for k, v in filters.lists()}
    else:
        found = dict(filters)
    return {
        k: str(v) if not isinstance(v, list) else [str(x) for x in v]
        for k, v in found.items()
        if v not in ("", None, [])
    }


def audit_view(
    request: HttpRequest,
    *,
    what: str,
    rows: int,
    filters: Mapping[str, Any] | None = None,
    target_id: str = "",
    note: str = "",
) -> AuditEntry:
    """Record that `request`'s user saw a list of `what` (a registered model's label, or a
    list's own name): one entry per page shown, with the filters and how many rows it showed."""
    filters = request.GET if filters is None else filters
    return audit_record(
        action=Action.VIEW,
        target=what,
        target_id=target_id,
        after={"path": request.path, "filters": _filters(filters), "rows": rows},
        note=note,
    )


def exporter_of(user) -> str:
    """Who exported, as the sheet and the trail name them: "吴敏（T4001）"."""
    person = getattr(user, "person", None)
    return f"{person.name}（{person.number}）" if person is not None else user.get_username()


def audit_export(
    request: HttpRequest, *, what: str, filters: Mapping[str, Any] | None = None
) -> ExportStamp:
    """The stamp of an export: who and when, and a reference; the spreadsheet writer puts it
    in the file (bastion.lib.sheets) and, done, calls back with the number of rows, which
    records the export in the trail with the filters and that reference."""
    filters = _filters(request.GET if filters is None else filters)
    path = request.path
    at = timezone.now()
    ref = uuid.uuid4().hex[:12]

    def done(rows: int) -> None:
        audit_record(
            action=Action.EXPORT,
            target=what,
            after={"path": path, "filters": filters, "rows": rows, "ref": ref},
        )

    return ExportStamp(who=exporter_of(request.user), at=at, ref=ref, done=done)


# --- a check-in's INSERT in raw SQL -----------------------------------------------------------


_INSERT: dict[str, tuple[list[models.Field], str, str]] = {}


def insert_sql(conn=None) -> tuple[str, str]:
    """(column list, placeholders) of an entry's INSERT, for raw SQL that writes a record
    and its entry in one statement (a data-modifying CTE) or one after the other."""
    conn = conn or connection
    built = _INSERT.get(conn.vendor)
    if built is None:
        qn = conn.ops.quote_name
        fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
        built = (
            prepared(fields),
            ", ".join(qn(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        _INSERT[conn.vendor] = built
    return built[1], built[2]


def insert_params(made: AuditEntry, conn=None) -> list:
    """The parameters of insert_sql's placeholders for this (signed, unsaved) entry."""
    conn = conn or connection
    insert_sql(conn)
    fields = _INSERT[conn.vendor][0]
    return row_params(fields, made, conn)


def created_entry(instance: models.Model) -> AuditEntry:
    """The creation entry of a registered record about to be inserted with raw SQL."""
    spec = _spec(type(instance))
    return entry(
        action=Action.CREATE,
        target=spec.label,
        target_id=spec.key_of(instance),
        after=snapshot.of_instance(spec, instance),
    )


# --- sealing ------------------------------------------------------------------------------------


@dataclass
class Sealed:
    sealed: int = 0
    refused: int = 0  # unsealed entries whose mac does not match: left for verify_audit
    seq: int = 0
    head_ok: bool = True


def head_ok(head: AuditHead) -> bool:
    return signing.verify(signing.head_content(head.seq, head.chain), head.mac)


def _head_locked() -> AuditHead | None:
    """The head, locked; None if there is none yet."""
    return AuditHead.objects.select_for_update().filter(pk=1).first()


def _head_begin() -> None:
    """Create the head the first time: the trail begins, with a baseline of what came before."""
    with transaction.atomic():
        if AuditHead.objects.filter(pk=1).exists():
            return
        try:
            with transaction.atomic():
                AuditHead.objects.create(
                    pk=1, seq=0, chain="", mac=signing.sign(signing.head_content(0, ""))
                )
        except IntegrityError:
            return  # another sealer began it
        audit_baseline(source="audit.trail", note="The trail began.")


def audit_seal(*, batch: int = 2000) -> Sealed:
    """Chain the entries written since the last seal, in id order: check each one's mac, give
    it the next seq and its chain, move the head. One transaction per batch, each holding the
    head's row lock, so writers are never waiting on it (they never take it).

    An entry whose mac does not match is left unsealed (verify_audit reports it); a head whose
    own mac does not match stops the sealer: chaining on from it would launder the tampering.
    """
    result = Sealed()
    _head_begin()
    after_id = 0
    while True:
        with transaction.atomic():
            head = _head_locked()
            if head is None or not head_ok(head):
                logger.error("audit: the chain's head does not match its mac; not sealing")
                result.head_ok = False
                return result
            rows = list(
                AuditEntry.objects.filter(seq__isnull=True, pk__gt=after_id).order_by("pk")[:batch]
            )
            if not rows:
                result.seq = head.seq
                return result
            after_id = rows[-1].pk
            good = []
            for row in rows:
                if not signing.verify(signing.content_of(row), row.mac):
                    result.refused += 1
                    logger.error("audit: entry %s does not match its mac; left unsealed", row.pk)
                    continue
                head.seq += 1
                head.chain = signing.chain_next(head.chain, row.mac)
                row.seq, row.chain = head.seq, head.chain
                good.append(row)
            AuditEntry.objects.bulk_update(good, ["seq", "chain"], batch_size=BATCH)
            head.mac = signing.sign(signing.head_content(head.seq, head.chain))
            head.sealed_at = timezone.now()
            head.save()
            result.sealed += len(good)
            result.seq = head.seq
