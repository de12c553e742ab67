"""Checking the trail, and the records against it (`bastion verify_audit`).

Three walks, each in chunks of rows (keyset pagination), so that memory stays flat for any
size of trail and tables:

1. the entries: each one's mac against its content (changed, or inserted without the key);
   the sealed ones in seq order, each seq one more than the last and each chain the hash of
   the last chain and its mac (entries removed or reordered), the head at the last one
   (entries removed from the end), no two entries with the same mac (one copied);
2. each registered model's records, in primary-key order, beside their entries: the audited
   fields now against the state the trail folds to (edited directly); a record with no entry
   is "not traced" up to the highest id a baseline names (written before the trail began, or
   the demo's bulk load), and inserted behind Bastion's back above it;
3. each model's trail, in key order: a record the trail has whose last entry is not its
   deletion, and that no purge covers, is gone behind Bastion's back.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from bastion.audit import signing, snapshot
from bastion.audit.models import CHANGES, Action, AuditEntry, AuditHead
from bastion.audit.registry import REGISTRY, Audited

CHUNK = 1000
KEEP = 100  # findings listed per kind; all are counted

# Finding kinds, in the order they are reported.
MAC, GAP, CHAIN, HEAD, DUPLICATE, CHANGED, UNTRACKED, GONE = (
    "mac",
    "gap",
    "chain",
    "head",
    "duplicate",
    "changed",
    "untracked",
    "gone",
)
KINDS = (MAC, GAP, CHAIN, HEAD, DUPLICATE, CHANGED, UNTRACKED, GONE)

_ENTRY = ("at", "actor_id", "actor_label", "ip", "action", "target", "target_id")
_ENTRY += ("before", "after", "note")


@dataclass(frozen=True)
class Finding:
    kind: str
    target: str = ""
    target_id: str = ""
    entry_id: int | None = None
    detail: str = ""


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    findings: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    entries: int = 0
    sealed: int = 0
    unsealed: int = 0
    head_seq: int | None = None
    records: Counter = field(default_factory=Counter)
    not_traced: Counter = field(default_factory=Counter)
    purged: Counter = field(default_factory=Counter)

    def add(self, finding: Finding) -> None:
        self.counts[finding.kind] += 1
        if len(self.findings[finding.kind]) < KEEP:
            self.findings[finding.kind].append(finding)

    @property
    def ok(self) -> bool:
        return not sum(self.counts.values())


@dataclass
class _Row:
    """An entry as values_list gives it, with the attribute names signing.content_of reads."""

    at: Any
    actor_id: Any
    actor_label: str
    ip: str
    action: int
    target: str
    target_id: str
    before: Any
    after: Any
    note: str


def _mac_ok(values: Iterable[Any], mac: str) -> bool:
    return signing.verify(signing.content_of(_Row(*values)), mac)


def _entries(report: Report, progress: Callable[[str], None]) -> set[int]:
    """Walk 1; the ids of the entries whose mac does not match (not to be believed)."""
    bad: set[int] = set()
    seq, chain, last = 0, "", 0
    while True:
        rows = list(
            AuditEntry.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("pk", "seq", "chain", "mac", *_ENTRY)[:CHUNK]
        )
        if not rows:
            break
        for pk, row_seq, row_chain, mac, *values in rows:
            report.sealed += 1
            if not _mac_ok(values, mac):
                bad.add(pk)
                report.add(Finding(MAC, values[5], values[6], pk))
            if row_seq != seq + 1:
                report.add(Finding(GAP, entry_id=pk, detail=f"{seq + 1}–{row_seq - 1}"))
            elif row_chain != signing.chain_next(chain, mac):
                report.add(Finding(CHAIN, values[5], values[6], pk, detail=str(row_seq)))
            seq, chain = row_seq, row_chain  # go on from what is there: one finding, not all
        last = rows[-1][1]
        progress("sealed")
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if report.sealed:
            report.add(Finding(HEAD, detail="missing"))
    else:
        report.head_seq = head.seq
        if not signing.verify(signing.head_content(head.seq, head.chain), head.mac):
            report.add(Finding(HEAD, detail="mac"))
        elif head.seq != seq or head.chain != chain:
            report.add(Finding(HEAD, detail=f"{head.seq}≠{seq}"))
    last = 0
    while True:
        rows = list(
            AuditEntry.objects.filter(seq__isnull=True, pk__gt=last)
            .order_by("pk")
            .values_list("pk", "mac", *_ENTRY)[:CHUNK]
        )
        if not rows:
            break
        for pk, mac, *values in rows:
            report.unsealed += 1
            if not _mac_ok(values, mac):
                bad.add(pk)
                report.add(Finding(MAC, values[5], values[6], pk))
        last = rows[-1][0]
        progress("unsealed")
    report.entries = report.sealed + report.unsealed
    for mac, n in (
        AuditEntry.objects.values_list("mac")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("mac", "n")
    ):
        report.add(Finding(DUPLICATE, detail=f"{mac[:12]}… ×{n}"))
    return bad


@dataclass
class _State:
    values: dict[str, Any]
    deleted: bool
    last_id: int


def _fold(label: str, keys: list[str], bad: set[int]) -> dict[str, _State]:
    """The state each record's entries add up to: its creation's fields, each change's on
    top, a deletion ends it. A record that came before the trail has only its changes."""
    states: dict[str, _State] = {}
    for pk, key, action, after in (
        AuditEntry.objects.filter(target=label, target_id__in=keys, action__in=CHANGES)
        .order_by("pk")
        .values_list("pk", "target_id", "action", "after")
    ):
        if pk in bad:
            continue
        state = states.get(key)
        if action == Action.CREATE or state is None or state.deleted:
            state = states[key] = _State({}, False, pk)
        if action == Action.DELETE:
            state.deleted = True
        elif isinstance(after, dict):
            state.values.update(after)
        state.last_id = pk
    return states


def _shown(value: Any) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _records(spec: Audited, report: Report, bad: set[int], baseline: int) -> None:
    """Walk 2 for one model."""
    width = 2 if spec.key == "uid" else 1
    extra = ["uid"] if spec.key == "uid" else []
    last = 0
    while True:
        rows = list(
            spec.model._base_manager.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", *extra, *spec.attnames)[:CHUNK]
        )
        if not rows:
            break
        keys = [str(row[width - 1]) for row in rows]
        states = _fold(spec.label, keys, bad)
        for row, key in zip(rows, keys, strict=True):
            report.records[spec.label] += 1
            state = states.get(key)
            if state is None:
                if row[0] <= baseline:
                    report.not_traced[spec.label] += 1
                else:
                    report.add(Finding(UNTRACKED, spec.label, key))
                continue
            if state.deleted:
                report.add(Finding(CHANGED, spec.label, key, state.last_id, "deleted"))
                continue
            now = snapshot.of_row(spec.fields, row[width:])
            differ = [n for n, v in state.values.items() if n in now and now[n] != v]
            if differ:
                detail = "; ".join(
                    f"{n}: {_shown(state.values[n])} → {_shown(now[n])}" for n in differ
                )
                report.add(Finding(CHANGED, spec.label, key, state.last_id, detail))
        last = rows[-1][0]


def _present(spec: Audited, keys: list[str]) -> set[str]:
    if spec.key == "uid":
        uids = []
        for key in keys:
            try:
                uids.append(uuid.UUID(key))
            except ValueError:
                continue
        found = spec.model._base_manager.filter(uid__in=uids).values_list("uid", flat=True)
    else:
        pks = [int(key) for key in keys if key.isdigit()]
        found = spec.model._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
    return {str(value) for value in found}


def _purged(state: _State, purges: list[tuple[int, dict]]) -> bool:
    return any(
        pk > state.last_id and all(state.values.get(k) == v for k, v in match.items())
        for pk, match in purges
    )


def _gone(spec: Audited, report: Report, bad: set[int], purges: list[tuple[int, dict]]) -> None:
    """Walk 3 for one model."""
    last = ""
    while True:
        keys = list(
            AuditEntry.objects.filter(target=spec.label, action__in=CHANGES, target_id__gt=last)
            .order_by("target_id")
            .values_list("target_id", flat=True)
            .distinct()[:CHUNK]
        )
        if not keys:
            break
        present = _present(spec, keys)
        missing = [key for key in keys if key not in present]
        if missing:
            states = _fold(spec.label, missing, bad)
            for key in missing:
                state = states.get(key)
                if state is None or state.deleted:
                    continue
                if _purged(state, purges):
                    report.purged[spec.label] += 1
                else:
                    report.add(Finding(GONE, spec.label, key, state.last_id))
        last = keys[-1]


def audit_verify(*, progress: Callable[[str], None] | None = None) -> Report:
    """Check the trail and every registered record against it; nothing is written."""
    progress = progress or (lambda _step: None)
    report = Report()
    bad = _entries(report, progress)
    baselines: dict[str, int] = defaultdict(int)
    purges: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    special = AuditEntry.objects.filter(action__in=(Action.BASELINE, Action.PURGE)).values_list(
        "pk", "action", "target", "after"
    )
    for pk, action, target, after in special:
        if pk in bad or not isinstance(after, dict):
            continue
        if action == Action.BASELINE:
            for label, top in after.items():
                if isinstance(top, int):
                    baselines[label] = max(baselines[label], top)
        elif isinstance(after.get("match"), dict):
            purges[target].append((pk, after["match"]))
    for spec in REGISTRY:
        _records(spec, report, bad, baselines[spec.label])
        _gone(spec, report, bad, purges[spec.label])
        progress(spec.label)
    return report
