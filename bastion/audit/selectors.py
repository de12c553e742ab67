"""Reading the trail: whose record a page asks for, may the reader see it, its entries as
rows a person reads (each change as field: before → after)."""

import datetime as dt
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope
from bastion.audit.models import Action, AuditEntry
from bastion.audit.registry import Audited, by_label

PAGE_SIZE = 30


@dataclass(frozen=True)
class Target:
    """The record a trail page is about (None when it no longer exists) and its trail key."""

    spec: Audited
    target_id: str
    record: models.Model | None


def may_read(scope: Scope, spec: Audited) -> bool:
    """audit.read, and the right the record's own pages need where it is narrower."""
    return scope.has(Perm.READ_AUDIT) and (spec.perm is None or scope.has(spec.perm))


def _in_reach(scope: Scope, spec: Audited, record: models.Model | None) -> bool:
    if record is None or spec.person is None:
        return scope.everyone  # a deleted record, or one about no person: the whole trail
    if spec.person == "":
        return scope.people().filter(pk=record.pk).exists()
    people = scope.people_q(prefix=f"{spec.person}__")
    return spec.model._base_manager.filter(people, pk=record.pk).exists()


def target_or_404(*, scope: Scope, label: str, key: str) -> Target:
    """The record named by its model's label and public key (a uid; a person's number), if
    the reader may read its trail; 404 otherwise, the same as for a record never seen."""
    spec = by_label().get(label)
    if spec is None or spec.public_key is None or not may_read(scope, spec):
        raise Http404
    if spec.public_key == "uid":
        try:
            target_id = str(uuid.UUID(key))
        except ValueError:
            raise Http404 from None
        record = spec.model._base_manager.filter(uid=target_id).first()
    else:
        record = spec.model._base_manager.filter(**{spec.public_key: key}).first()
        if record is None:
            raise Http404
        target_id = spec.key_of(record)
    if not _in_reach(scope, spec, record):
        raise Http404
    if record is None and not trail_of(spec=spec, target_id=target_id).exists():
        raise Http404
    return Target(spec, target_id, record)


def trail_of(*, spec: Audited, target_id: str) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(target=spec.label, target_id=target_id)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    who: str
    changes: list[Change]
    detail: str  # a view's or an export's: the rows and filters

    @property
    def created(self) -> bool:
        return self.entry.action == Action.CREATE

    @property
    def deleted(self) -> bool:
        return self.entry.action == Action.DELETE


def _moment(text: str) -> str:
    try:
        return timezone.localtime(dt.datetime.fromisoformat(text)).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return text


class _Words:
    """Values as a person reads them: a related record's name, a choice's label, a moment in
    local time. Related records of a page are read in one query per model."""

    def __init__(self, spec: Audited, entries: list[AuditEntry]) -> None:
        self.fields = {f.name: f for f in spec.fields}
        wanted: dict[type[models.Model], set] = defaultdict(set)
        for entry in entries:
            for values in (entry.before, entry.after):
                for name, value in (values or {}).items():
                    field = self.fields.get(name)
                    if field is not None and field.is_relation and value is not None:
                        wanted[field.related_model].add(value)
        self.related = {
            model: model._base_manager.in_bulk(list(ids)) for model, ids in wanted.items()
        }

    def label(self, name: str) -> str:
        field = self.fields.get(name)
        return str(field.verbose_name) if field is not None else name

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        field = self.fields.get(name)
        if field is not None and field.is_relation:
            found = self.related.get(field.related_model, {}).get(value)
            return str(found) if found is not None else f"#{value}"
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(field, models.DateTimeField):
            return _moment(value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


def _who(entry: AuditEntry) -> str:
    """The actor by name and number, or the task or command that wrote it ("the system" for
    neither); an import confirmed by someone names both."""
    actor = entry.actor
    if actor is None:
        return entry.actor_label or _("the system")
    person = getattr(actor, "person", None)
    who = f"{person.name}（{person.number}）" if person is not None else actor.get_username()
    if entry.actor_label and entry.actor_label != actor.get_username():
        who = f"{who} · {entry.actor_label}"
    return who


def trail_page(*, target: Target, page: object) -> tuple[Page, list[Row]]:
    """One page of the record's entries, newest first, each with its changes in words."""
    entries = trail_of(spec=target.spec, target_id=target.target_id).select_related("actor__person")
    found = Paginator(entries.order_by("-pk"), PAGE_SIZE).get_page(page)
    items = list(found.object_list)
    words = _Words(target.spec, items)
    rows = []
    for entry in items:
        before, after = entry.before or {}, entry.after or {}
        changes = []
        if entry.action in (Action.CREATE, Action.UPDATE, Action.DELETE):
            names = list(after) + [n for n in before if n not in after]
            changes = [
                Change(
                    words.label(n),
                    words.value(n, before.get(n)) if n in before else "",
                    words.value(n, after.get(n)) if n in after else "",
                )
                for n in names
            ]
        detail = ""
        if entry.action in (Action.VIEW, Action.EXPORT) and isinstance(entry.after, dict):
            detail = entry.note or entry.after.get("path", "")
        rows.append(Row(entry, _who(entry), changes, detail))
    return found, rows
