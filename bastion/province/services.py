"""Reporting once (一次填报、多方共享): the university sends, the province receives.

**Sending** (a university's instance, BASTION_PROVINCE_URL set). When the university's own
report for a day (its root unit's, signed by its responsible person) is submitted, the
reports service calls `province_report_queue` in its transaction: one outbox row with the
report's counts, never a name or a person's number, and a version (1, 2, … for each
submission of the day). After commit a task sends it; a failure waits its backoff and the
periodic sweep tries again, for as long as the province stays away. Delivery is at least once,
as in notify.services: an attempt claims its row (attempts + 1 and a lease, in one conditional
UPDATE), posts, then marks the row sent; a worker killed in between leaves the row to be tried
again once the lease has run out. A repeat is harmless: it carries the same Idempotency-Key,
and the province answers it from its receipt without writing anything.

**Receiving** (a province's instance). Each member university is a unit of the province's tree
(kind university) with the key it signs with. A report received becomes that unit's daily
report, so that the province's pages and dashboards show its universities as a university's
show its colleges; its counts by kind of people become the unit's daily counts. A later
version replaces the report; an earlier one, arriving late, is acknowledged and changes
nothing.
"""

import datetime as dt
import hashlib
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.audit.context import acting_as
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.lib.refusals import Refused
from bastion.org.models import Unit, UnitKind
from bastion.org.services import unit_add
from bastion.province import signing
from bastion.province.models import (
    Dispatch,
    DispatchState,
    Member,
    Receipt,
    ReceiptOutcome,
)
from bastion.reports.models import DailyReport, UnitDayCount
from bastion.reports.selectors import ABNORMAL_FIELDS, COUNT_FIELDS, report_deadline

logger = logging.getLogger(__name__)

PATH = "/api/v1/province/reports"  # where a province takes reports, under its base URL
TIMEOUT = 10  # seconds: a province that does not answer by then is tried again later
LEASE = dt.timedelta(minutes=2)  # an attempt under way holds its row; far above TIMEOUT
# Wait after attempt 1, 2, …; the last one repeats for as long as the province stays away.
BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
)
# Answers after which sending the same request again cannot help: the report itself is wrong.
FINAL_REFUSALS = frozenset({400, 422})
KEY_MIN_LENGTH = 32


def report_key(*, member: str, day: dt.date, version: int) -> str:
    """The Idempotency-Key of one version of a member's report for a day."""
    return f"{member}/{day.isoformat()}/v{version}"


def canonical(data: dict) -> bytes:
    """The bytes sent (and digested) for a report: the same for the same content."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- sending (a university) ---------------------------------------------------------------


def province_report_queue(*, report: DailyReport) -> Dispatch | None:
    """Queue the report's counts for the province, in the caller's transaction, when this
    instance is a member and the report is the university's own (its root unit's)."""
    if not settings.BASTION_PROVINCE_URL or report.unit.depth != 1:
        return None
    last = Dispatch.objects.filter(day=report.day).aggregate(v=Max("version"))["v"] or 0
    version = last + 1
    # An earlier version not yet sent need not be: the province keeps only the latest.
    Dispatch.objects.filter(day=report.day, state=DispatchState.PENDING).update(
        state=DispatchState.SUPERSEDED, next_attempt_at=None
    )
    dispatch = Dispatch.objects.create(
        key=report_key(member=settings.BASTION_PROVINCE_MEMBER, day=report.day, version=version),
        report=report,
        day=report.day,
        version=version,
        payload=report_payload(report=report, version=version),
    )
    transaction.on_commit(lambda: _send_later([dispatch.key]))
    return dispatch


def report_payload(*, report: DailyReport, version: int) -> dict:
    """What the province receives of a report: its counts, whether it is a zero report, when
    it was signed and whether by its deadline. No name, no person's number, no note (a note
    is free text and may name someone)."""
    return {
        "day": report.day.isoformat(),
        "version": version,
        "is_zero": report.is_zero,
        "counts": {f: int(report.counts.get(f, 0)) for f in COUNT_FIELDS},
        "counts_by_kind": _counts_by_kind(unit=report.unit, day=report.day),
        "submitted_at": report.submitted_at.astimezone(dt.UTC).isoformat(),
        "on_time": not report.is_late,
    }


def _counts_by_kind(*, unit: Unit, day: dt.date) -> dict[str, dict[str, int]]:
    """The subtree's counts of `day` for each kind of people (students, staff): one query."""
    rows = (
        UnitDayCount.objects.filter(unit__path__startswith=unit.path, day=day)
        .values("kind")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
        .order_by("kind")
    )
    return {row["kind"]: {f: int(row[f] or 0) for f in COUNT_FIELDS} for row in rows}


def _send_later(keys: list[str]) -> None:
    from bastion.province.tasks import province_reports_send

    province_reports_send(keys)


class DeliveryError(Exception):
    """The province did not take the report; `final` when sending it again cannot help."""

    def __init__(self, message: str, *, status: int | None = None, final: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.final = final


def province_reports_deliver(
    *, keys: Iterable[str] | None = None, now: dt.datetime | None = None
) -> int:
    """Send the pending reports with these keys (or every one that is due); returns how many
    the province took. Runs outside any transaction: a slow province must not hold locks."""
    if not settings.BASTION_PROVINCE_URL:
        return 0
    now = now or timezone.now()
    rows = Dispatch.objects.filter(state=DispatchState.PENDING)
    if keys is None:
        rows = rows.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    else:
        rows = rows.filter(key__in=list(keys))
    return sum(dispatch_attempt(dispatch=d, now=now) for d in rows.order_by("day", "version"))


def dispatch_attempt(*, dispatch: Dispatch, now: dt.datetime) -> bool:
    """Claim one row for one attempt, post it to the province and record the outcome."""
    tried = dispatch.attempts
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Dispatch.objects.filter(
        due, pk=dispatch.pk, state=DispatchState.PENDING, attempts=tried
    ).update(attempts=tried + 1, next_attempt_at=timezone.now() + LEASE)
    if not claimed:
        return False  # sent, superseded, not yet due, or another worker has it
    mine = Dispatch.objects.filter(pk=dispatch.pk, attempts=tried + 1, state=DispatchState.PENDING)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            status = _post(dispatch)
    except DeliveryError as exc:
        if exc.final:
            mine.update(
                state=DispatchState.REFUSED,
                status=exc.status,
                error=str(exc)[:2000],
                next_attempt_at=None,
            )
            logger.error("province refused report %s for good: %s", dispatch.key, exc)
        else:
            wait = BACKOFF[min(tried, len(BACKOFF) - 1)]
            mine.update(status=exc.status, error=str(exc)[:2000], next_attempt_at=now + wait)
            logger.warning("report %s not delivered (attempt %s): %s", dispatch.key, tried + 1, exc)
        return False
    mine.update(
        state=DispatchState.SENT,
        sent_at=timezone.now(),
        status=status,
        error="",
        next_attempt_at=None,
    )
    return True


def _post(dispatch: Dispatch) -> int:
    """POST one report to the province, signed; its HTTP status, or DeliveryError."""
    url = settings.BASTION_PROVINCE_URL.rstrip("/") + PATH
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(
            _("The province's address is not a web address: %(url)s") % {"url": url}
        )
    body = canonical(dispatch.payload)
    headers = signing.signed_headers(
        member=settings.BASTION_PROVINCE_MEMBER,
        key=settings.BASTION_PROVINCE_KEY,
        method="POST",
        path=urlsplit(url).path,
        body=body,
        idempotency_key=dispatch.key,
        now=time.time(),
    )
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=body,
        method="POST",
        headers={**headers, "Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            _("The province answered HTTP %(status)s: %(detail)s")
            % {"status": exc.code, "detail": _detail(exc)},
            status=exc.code,
            final=exc.code in FINAL_REFUSALS,
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(
            _("The province cannot be reached: %(error)s") % {"error": exc}
        ) from exc


def _detail(exc: urllib.error.HTTPError) -> str:
    """The `detail` of an error answer, else the start of its body."""
    try:
        raw = exc.read()
    except OSError:
        return ""
    try:
        detail = json.loads(raw).get("detail", "")
    except (ValueError, AttributeError):
        return raw[:200].decode(errors="replace")
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)[:500]


# --- receiving (a province) ---------------------------------------------------------------


class ProvinceRefused(Refused):
    """A report the province does not take: a message, and nothing written.

    400: the report itself is wrong (sending it again cannot help); 401: not signed by a
    member university, or signed too long ago or ahead; 409: the province cannot take it now
    (no campaign running) and will once it can.
    """


@dataclass(frozen=True)
class Incoming:
    """A report as a member sent it (the API's schema has checked its shape)."""

    day: dt.date
    version: int
    is_zero: bool
    counts: dict[str, int]
    counts_by_kind: dict[str, dict[str, int]]
    submitted_at: dt.datetime
    on_time: bool

    def as_json(self) -> dict:
        return {
            "day": self.day.isoformat(),
            "version": self.version,
            "is_zero": self.is_zero,
            "counts": self.counts,
            "counts_by_kind": self.counts_by_kind,
            "submitted_at": self.submitted_at.astimezone(dt.UTC).isoformat(),
            "on_time": self.on_time,
        }


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    replayed: bool = False  # the same answer as before, nothing written


def member_authenticate(
    *,
    code: str,
    timestamp: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    now: dt.datetime | None = None,
) -> Member:
    """The member university that signed this request, or ProvinceRefused (401)."""
    now = now or timezone.now()
    member = (
        Member.objects.select_related("unit").filter(unit__code=code, is_active=True).first()
        if code
        else None
    )
    if member is None:
        raise ProvinceRefused(
            _("No member university is registered with the code %(code)s.") % {"code": code},
            status=401,
        )
    if not signing.signature_matches(
        key=member.key, method=method, path=path, timestamp=timestamp, body=body, given=signature
    ):
        raise ProvinceRefused(
            _("The signature does not match: check the key the province gave."), status=401
        )
    if not signing.timestamp_fresh(timestamp, now=now):
        raise ProvinceRefused(
            _(
                "The request's time is more than 5 minutes away from the province's clock: "
                "check the clocks, and send the report again."
            ),
            status=401,
        )
    return member


def province_report_receive(
    *, member: Member, key: str, report: Incoming, now: dt.datetime | None = None
) -> Answer:
    """Take a member's report (201), or acknowledge an older version (200); a repeat of a key
    answers as the first time and writes nothing."""
    now = now or timezone.now()
    code = member.unit.code
    expected = report_key(member=code, day=report.day, version=report.version)
    if key != expected:
        raise ProvinceRefused(
            _("The Idempotency-Key must be %(key)s for this report.") % {"key": expected}
        )
    digest = hashlib.sha256(canonical(report.as_json())).hexdigest()
    with transaction.atomic(), acting_as(f"province member:{code}"):
        # One member's reports are taken one at a time: a repeat racing its first sending
        # waits for it, then finds its receipt.
        Member.objects.select_for_update().filter(pk=member.pk).first()
        earlier = Receipt.objects.filter(key=key).first()
        if earlier is not None:
            if earlier.digest != digest:
                raise ProvinceRefused(
                    _(
                        "This Idempotency-Key was already used for a different report: a "
                        "corrected report needs a new version."
                    )
                )
            return Answer(status=earlier.status, body=earlier.answer, replayed=True)
        campaign = _check(report=report, now=now)
        held = (
            Receipt.objects.filter(member=member, day=report.day, outcome=ReceiptOutcome.ACCEPTED)
            .order_by("-version")
            .first()
        )
        if held is not None and held.version > report.version:
            outcome, status = ReceiptOutcome.SUPERSEDED, 200
            held_report = DailyReport.objects.filter(unit=member.unit, day=report.day).first()
            is_late = held_report is not None and held_report.is_late
        else:
            outcome, status = ReceiptOutcome.ACCEPTED, 201
            is_late = _write(member=member, campaign=campaign, report=report)
        body = {
            "key": key,
            "outcome": outcome.value,
            "day": report.day.isoformat(),
            "version": report.version,
            "is_late": is_late,
            "received_at": now.isoformat(),
        }
        Receipt.objects.create(
            member=member,
            key=key,
            day=report.day,
            version=report.version,
            digest=digest,
            outcome=outcome,
            status=status,
            answer=body,
            received_at=now,
        )
    return Answer(status=status, body=body)


def _check(*, report: Incoming, now: dt.datetime):
    """The province's campaign the report belongs to, or ProvinceRefused."""
    campaign = active_campaign()
    if campaign is None:
        raise ProvinceRefused(
            _("No epidemic prevention campaign is running at the province yet."), status=409
        )
    if report.day > business_day(now):
        raise ProvinceRefused(_("A daily report cannot be submitted for a day in the future."))
    if report.day < campaign.starts_on:
        raise ProvinceRefused(
            _("The campaign started on %(day)s; there is no report to submit before it.")
            % {"day": campaign.starts_on.isoformat()}
        )
    if report.submitted_at > now + signing.SKEW:
        raise ProvinceRefused(_("The report's submission time is in the future."))
    if report.is_zero and any(report.counts.get(f, 0) for f in ABNORMAL_FIELDS):
        raise ProvinceRefused(
            _("A zero report cannot count abnormal, isolated, suspected or confirmed people.")
        )
    return campaign


def _write(*, member: Member, campaign, report: Incoming) -> bool:
    """Make the report the member unit's daily report and its counts the unit's daily counts;
    whether it is late by the province's deadline.

    Timeliness is the first version's: a correction sent after the deadline does not make a
    report that came in time late (at the university, a report can be replaced only before
    its deadline anyway).
    """
    unit = member.unit
    deadline = report_deadline(campaign=campaign, unit=unit, day=report.day)
    existing = DailyReport.objects.select_for_update().filter(unit=unit, day=report.day).first()
    is_late = report.submitted_at > deadline and (existing is None or existing.is_late)
    fields = {
        "campaign": campaign,
        "is_zero": report.is_zero,
        "counts": {f: report.counts.get(f, 0) for f in COUNT_FIELDS},
        "note": "",
        "submitted_by": None,  # a person of the university: the province holds no name
        "submitted_at": report.submitted_at,
        "is_late": is_late,
    }
    if existing is None:
        DailyReport.objects.create(unit=unit, day=report.day, **fields)
    else:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
    UnitDayCount.objects.filter(unit=unit, day=report.day).exclude(
        kind__in=list(report.counts_by_kind)
    ).delete()
    for kind, counts in report.counts_by_kind.items():
        UnitDayCount.objects.update_or_create(
            unit=unit,
            day=report.day,
            kind=kind,
            defaults={"campaign": campaign, **{f: counts.get(f, 0) for f in COUNT_FIELDS}},
        )
    return is_late


# --- members (a province) -----------------------------------------------------------------


def member_register(
    *, code: str, name: str = "", parent_code: str = "", key: str = ""
) -> tuple[Member, str]:
    """Register a university as a member, or give a registered one a new key; the key.

    The university becomes a unit (kind university) under `parent_code`, or under the
    province's root when there is one root; an existing unit of that code is taken as it is.
    """
    code = code.strip()
    if not code:
        raise ProvinceRefused(_("Give the university's code."))
    key = key or secrets.token_urlsafe(32)
    if len(key) < KEY_MIN_LENGTH:
        raise ProvinceRefused(
            _("The key must be at least %(n)d characters long.") % {"n": KEY_MIN_LENGTH}
        )
    with transaction.atomic():
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            if not name.strip():
                raise ProvinceRefused(_("Give the university's name."))
            unit = unit_add(
                parent=_parent(parent_code), code=code, name=name.strip(), kind=UnitKind.UNIVERSITY
            )
        elif unit.kind != UnitKind.UNIVERSITY:
            raise ProvinceRefused(
                _("The unit %(code)s exists and is not a university.") % {"code": code}
            )
        member, _created = Member.objects.update_or_create(
            unit=unit, defaults={"key": key, "is_active": True}
        )
    return member, key


def _parent(code: str) -> Unit:
    if code:
        parent = Unit.objects.filter(code=code).first()
        if parent is None:
            raise ProvinceRefused(_("No unit has the code %(code)s.") % {"code": code})
        return parent
    roots = list(Unit.objects.filter(depth=1)[:2])
    if len(roots) != 1:
        raise ProvinceRefused(
            _("Name the unit the university belongs under (the province has no single root).")
        )
    return roots[0]
