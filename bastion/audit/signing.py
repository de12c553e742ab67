"""The trail's cryptography: each entry's HMAC, the chain, the head's HMAC.

The key is derived from SECRET_KEY with HMAC-SHA256 under a label of its own, so it is used
for nothing else (sessions and password resets sign with other derivations). A key in
SECRET_KEY_FALLBACKS still verifies: rotating SECRET_KEY does not make the trail look forged.

Someone who can write to the database but does not hold SECRET_KEY cannot make a mac: an entry
changed or inserted behind Bastion's back no longer matches its content.
"""

import datetime as dt
import functools
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.utils.encoding import force_bytes

LABEL = b"bastion.audit.entry.v1"


@functools.cache
def _derive(secret: str) -> bytes:
    return hmac.new(force_bytes(secret), LABEL, hashlib.sha256).digest()


def _keys() -> list[bytes]:
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", [])
    return [_derive(settings.SECRET_KEY), *(_derive(s) for s in fallbacks)]


def stamp(at: dt.datetime) -> str:
    """A moment as the mac covers it: UTC, microseconds (what both databases keep)."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(content: dict[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def content(
    *,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    ip: str,
    action: int,
    target: str,
    target_id: str,
    before: Any,
    after: Any,
    note: str,
) -> dict[str, Any]:
    """What an entry's mac covers: everything it says (not its id, seq or chain)."""
    return {
        "at": stamp(at),
        "actor": actor_id,
        "actor_label": actor_label,
        "ip": ip,
        "action": int(action),
        "target": target,
        "target_id": target_id,
        "before": before,
        "after": after,
        "note": note,
    }


def content_of(entry) -> dict[str, Any]:
    """The content of a stored entry (an AuditEntry or a row with the same attributes)."""
    return content(
        at=entry.at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        ip=entry.ip,
        action=entry.action,
        target=entry.target,
        target_id=entry.target_id,
        before=entry.before,
        after=entry.after,
        note=entry.note,
    )


def sign(data: dict[str, Any]) -> str:
    return hmac.new(_keys()[0], canonical(data), hashlib.sha256).hexdigest()


def verify(data: dict[str, Any], mac: str) -> bool:
    message = canonical(data)
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest(), mac or "")
        for key in _keys()
    )


def chain_next(previous: str, mac: str) -> str:
    """The chain after an entry: SHA-256 of the previous chain and the entry's mac."""
    return hashlib.sha256((previous + mac).encode()).hexdigest()


def head_content(seq: int, chain: str) -> dict[str, Any]:
    return {"head": seq, "chain": chain}
