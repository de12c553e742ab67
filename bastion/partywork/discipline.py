"""Commendation and accountability (R16) and discipline inspection (R17).

Commendations (表彰嘉奖) and proposals for bold use (大胆使用), criticism (批评教育),
organizational talks (组织约谈) and accountability (问责) are recorded by the holders of
COMMEND: the Organization Department and the leading group.

Discipline inspection cases (falsification, rumours, dereliction, not daring to take
responsibility…) are discipline inspection's alone (DISCIPLINE): to anyone else they do not
exist (the pages answer 404), and opening one is refused (403) with nothing written. A case's
evidence is the records concerned (the person's check-ins, the daily reports they signed,
their alerts) captured as they stood when it was opened, each with the history Bastion keeps
of it: the earlier versions of a check-in (falsification is about edited records), the events
of an alert.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert, AlertEvent
from bastion.checkins.models import CheckIn, CheckInRevision
from bastion.lib.days import business_day
from bastion.lib.inputs import day_input
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.org.models import PartyOrg, Person
from bastion.partywork.models import (
    ActionKind,
    CaseKind,
    Commendation,
    CommendationKind,
    DisciplinaryAction,
    DisciplineCase,
)
from bastion.reports.models import DailyReport

log = logging.getLogger(__name__)

TEXT_MAX = 5000
EVIDENCE_MAX = 50
RECORDS_SHOWN = 30


class DisciplineRefused(Refused):
    """A commendation, an action or a case that may not be written: 400 for bad input, 403
    without the right, 404 out of reach, 409 for a case already closed; nothing written."""


def _not_found() -> DisciplineRefused:
    return DisciplineRefused(_("Not found, or not in your reach."), status=404)


def _text(value: Any, *, what: str, required: bool = True) -> str:
    """A text that keeps its lines; control characters go."""
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if required and not text:
        raise DisciplineRefused(_("Fill in the %(what)s.") % {"what": what})
    if len(text) > TEXT_MAX:
        raise DisciplineRefused(
            _("The %(what)s is longer than %(n)d characters.") % {"what": what, "n": TEXT_MAX}
        )
    return text


def _past_day(value: Any, *, what: str, now: dt.datetime) -> dt.date:
    day = day_input(value, what=what, refused=DisciplineRefused)
    if day > business_day(now):
        raise DisciplineRefused(_("The %(what)s cannot be in the future.") % {"what": what})
    return day


# --- commendation and accountability (R16) ---------------------------------------------------


def commends(scope: Scope) -> bool:
    return scope.has(Perm.COMMEND)


def _check_commend(actor: User) -> Scope:
    scope = scope_of(actor)
    if not commends(scope):
        raise DisciplineRefused(
            _(
                "Commendations and accountability are recorded by the Organization Department "
                "and the leading group."
            ),
            status=403,
        )
    return scope


def _check_person(scope: Scope, actor: User, person: Person) -> None:
    if not scope.people().filter(pk=person.pk).exists():
        raise _not_found()
    if actor.person_id == person.pk:
        raise DisciplineRefused(_("Nobody records this about themselves."), status=403)


def commendation_record(
    *,
    actor: User,
    kind: str,
    citation: Any,
    awarded_on: Any,
    person: Person | None = None,
    party_org: PartyOrg | None = None,
    now: dt.datetime | None = None,
) -> Commendation:
    """Record a commendation or a proposal for bold use, of a person or a Party organization
    (exactly one); a person commended is told."""
    now = now or timezone.now()
    scope = _check_commend(actor)
    if (person is None) == (party_org is None):
        raise DisciplineRefused(_("Name either a person or a Party organization."))
    if person is not None:
        _check_person(scope, actor, person)
    if party_org is not None and not scope.party_orgs().filter(pk=party_org.pk).exists():
        raise _not_found()
    if kind not in CommendationKind.values:
        raise DisciplineRefused(_("Pick a commendation or a proposal for bold use."))
    citation = _text(citation, what=_("citation"))
    awarded_on = _past_day(awarded_on, what=_("day"), now=now)
    with transaction.atomic():
        commendation = Commendation.objects.create(
            uid=uuid.uuid4(),
            kind=kind,
            person=person,
            party_org=party_org,
            citation=citation,
            awarded_on=awarded_on,
            recorded_by=actor,
            recorded_at=now,
        )
        if person is not None:
            _tell_commended(commendation, person)
    log.info("commendation %s by %s", commendation.uid, actor.get_username())
    return commendation


def _tell_commended(commendation: Commendation, person: Person) -> None:
    from bastion.notify.services import notify

    subject = (
        _("You are commended")
        if commendation.kind == CommendationKind.COMMENDATION
        else _("You are proposed for bold use")
    )
    body = commendation.citation
    transaction.on_commit(
        lambda: notify(
            key=f"partywork:commendation:{commendation.uid}",
            recipients=[person],
            subject=subject,
            body=body,
        ),
        robust=True,
    )


def disciplinary_action_record(
    *,
    actor: User,
    kind: str,
    person: Person,
    reason: Any,
    taken_on: Any,
    now: dt.datetime | None = None,
) -> DisciplinaryAction:
    """Record criticism, an organizational talk or accountability for poor work."""
    now = now or timezone.now()
    scope = _check_commend(actor)
    _check_person(scope, actor, person)
    if kind not in ActionKind.values:
        raise DisciplineRefused(_("Pick criticism, an organizational talk or accountability."))
    reason = _text(reason, what=_("reason"))
    taken_on = _past_day(taken_on, what=_("day"), now=now)
    with transaction.atomic():
        action = DisciplinaryAction.objects.create(
            uid=uuid.uuid4(),
            kind=kind,
            person=person,
            reason=reason,
            taken_on=taken_on,
            recorded_by=actor,
            recorded_at=now,
        )
    log.info("disciplinary action %s by %s", action.uid, actor.get_username())
    return action


def commendations_visible(*, scope: Scope) -> QuerySet[Commendation]:
    """Commendations of the people and Party organizations in reach, for COMMEND holders."""
    if not commends(scope):
        return Commendation.objects.none()
    return (
        Commendation.objects.filter(
            Q(person__in=scope.people()) | Q(party_org__in=scope.party_orgs())
        )
        .select_related("person", "person__unit", "party_org", "recorded_by__person")
        .order_by("-awarded_on", "-recorded_at")
    )


def actions_visible(*, scope: Scope) -> QuerySet[DisciplinaryAction]:
    """Criticism, talks and accountability of the people in reach, for COMMEND holders."""
    if not commends(scope):
        return DisciplinaryAction.objects.none()
    return (
        DisciplinaryAction.objects.filter(person__in=scope.people())
        .select_related("person", "person__unit", "recorded_by__person")
        .order_by("-taken_on", "-recorded_at")
    )


# --- discipline inspection cases (R17) -------------------------------------------------------


class EvidenceKind:
    """The records a case may point at (the person's own)."""

    CHECKIN = "checkin"
    DAILY_REPORT = "daily_report"
    ALERT = "alert"
    ALL = (CHECKIN, DAILY_REPORT, ALERT)


def inspects(scope: Scope) -> bool:
    """Discipline inspection, and nobody else, sees and keeps cases."""
    return scope.has(Perm.DISCIPLINE)


def _check_inspector(actor: User) -> Scope:
    scope = scope_of(actor)
    if not inspects(scope):
        log.warning("discipline case: %s refused (not discipline inspection)", actor.get_username())
        raise DisciplineRefused(
            _("Only discipline inspection opens and keeps discipline cases."), status=403
        )
    return scope


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return _iso(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _refs(evidence_refs: Iterable[Any]) -> dict[str, list[uuid.UUID]]:
    """The references as {kind: [uid, …]}, each once; "kind:uid" or {"kind", "uid"}."""
    out: dict[str, list[uuid.UUID]] = {kind: [] for kind in EvidenceKind.ALL}
    seen = 0
    for ref in evidence_refs or ():
        if isinstance(ref, str):
            kind, _sep, raw = ref.partition(":")
        else:
            kind, raw = str(ref.get("kind", "")), str(ref.get("uid", ""))
        try:
            uid = uuid.UUID(raw.strip())
        except ValueError:
            uid = None
        if kind not in out or uid is None:
            raise DisciplineRefused(_("Unknown record %(ref)s.") % {"ref": f"{kind}:{raw}"[:80]})
        if uid not in out[kind]:
            out[kind].append(uid)
            seen += 1
    if seen > EVIDENCE_MAX:
        raise DisciplineRefused(_("At most %(n)d records a case.") % {"n": EVIDENCE_MAX})
    return out


def _names(user_ids: set[int]) -> dict[int, str]:
    """Who a user is, as a reader would name them: the person's name and number."""
    users = User.objects.filter(pk__in=user_ids).select_related("person")
    return {u.pk: str(u.person) if u.person else u.get_username() for u in users}


CHECKIN_FIELDS = (
    "temperature",
    "symptoms",
    "location",
    "on_campus",
    "key_area_contact",
    "case_contact",
    "submitted_at",
    "submitted_by",
    "is_proxy",
    "is_late",
    "status",
    "reason",
)


def _checkin_values(checkin: CheckIn) -> dict[str, Any]:
    return {
        f: _jsonable(getattr(checkin, f if f != "submitted_by" else "submitted_by_id"))
        for f in CHECKIN_FIELDS
    }


def _capture(person: Person, refs: dict[str, list[uuid.UUID]]) -> list[dict[str, Any]]:
    """The records as they stand, with their history; refused if one is not the person's."""
    entries: list[dict[str, Any]] = []
    user_ids: set[int] = set()

    def missing(kind: str, found: Iterable[uuid.UUID]) -> None:
        lost = set(refs[kind]) - set(found)
        if lost:
            raise DisciplineRefused(
                _("The record %(ref)s is not one of %(name)s's.")
                % {"ref": f"{kind}:{sorted(lost)[0]}", "name": person.name}
            )

    if refs[EvidenceKind.CHECKIN]:
        checkins = list(
            CheckIn.objects.filter(person=person, uid__in=refs[EvidenceKind.CHECKIN]).order_by(
                "day"
            )
        )
        missing(EvidenceKind.CHECKIN, [c.uid for c in checkins])
        revisions: dict[int, list[CheckInRevision]] = {}
        for revision in CheckInRevision.objects.filter(checkin__in=checkins).order_by(
            "checkin", "revision"
        ):
            revisions.setdefault(revision.checkin_id, []).append(revision)
        for checkin in checkins:
            versions = [
                {"revision": r.revision, "replaced_at": _iso(r.replaced_at), "values": r.data}
                for r in revisions.get(checkin.pk, [])
            ]
            versions.append(
                {
                    "revision": checkin.revision,
                    "replaced_at": None,
                    "values": _checkin_values(checkin),
                }
            )
            for version in versions:
                if isinstance(version["values"].get("submitted_by"), int):
                    user_ids.add(version["values"]["submitted_by"])
            entries.append(
                {
                    "kind": EvidenceKind.CHECKIN,
                    "uid": str(checkin.uid),
                    "day": checkin.day.isoformat(),
                    "versions": versions,
                }
            )
    if refs[EvidenceKind.DAILY_REPORT]:
        reports = list(
            DailyReport.objects.filter(submitted_by=person, uid__in=refs[EvidenceKind.DAILY_REPORT])
            .select_related("unit")
            .order_by("day")
        )
        missing(EvidenceKind.DAILY_REPORT, [r.uid for r in reports])
        for report in reports:
            entries.append(
                {
                    "kind": EvidenceKind.DAILY_REPORT,
                    "uid": str(report.uid),
                    "day": report.day.isoformat(),
                    "unit": {"code": report.unit.code, "name": report.unit.name},
                    "values": {
                        "is_zero": report.is_zero,
                        "counts": report.counts,
                        "note": report.note,
                        "submitted_at": _iso(report.submitted_at),
                        "is_late": report.is_late,
                    },
                }
            )
    if refs[EvidenceKind.ALERT]:
        alerts = list(
            Alert.objects.filter(person=person, uid__in=refs[EvidenceKind.ALERT]).order_by(
                "raised_at"
            )
        )
        missing(EvidenceKind.ALERT, [a.uid for a in alerts])
        events: dict[int, list[AlertEvent]] = {}
        for event in AlertEvent.objects.filter(alert__in=alerts).order_by("alert", "at", "pk"):
            events.setdefault(event.alert_id, []).append(event)
            if event.actor_id:
                user_ids.add(event.actor_id)
        for alert in alerts:
            entries.append(
                {
                    "kind": EvidenceKind.ALERT,
                    "uid": str(alert.uid),
                    "day": alert.day.isoformat(),
                    "values": {
                        "kind": alert.kind,
                        "severity": alert.severity,
                        "summary": alert.summary,
                        "state": alert.state,
                        "raised_at": _iso(alert.raised_at),
                        "acknowledged_at": _iso(alert.acknowledged_at),
                        "closed_at": _iso(alert.closed_at),
                        "note": alert.note,
                    },
                    "events": [
                        {
                            "action": e.action,
                            "at": _iso(e.at),
                            "by": e.actor_id,
                            "note": e.note,
                        }
                        for e in events.get(alert.pk, [])
                    ],
                }
            )
    names = _names(user_ids) if user_ids else {}
    for entry in entries:
        for version in entry.get("versions", []):
            by = version["values"].get("submitted_by")
            if isinstance(by, int):
                version["values"] = {**version["values"], "submitted_by": names.get(by, "")}
        for event in entry.get("events", []):
            event["by"] = names.get(event["by"], "") if event["by"] else ""
    return entries


def discipline_case_open(
    *,
    actor: User,
    person: Person,
    kind: str,
    summary: Any,
    evidence_refs: Iterable[Any] = (),
    now: dt.datetime | None = None,
) -> DisciplineCase:
    """Open a discipline inspection case about `person`, with the records concerned captured
    as they stand and with their history. Only discipline inspection (403 for anyone else,
    nothing written)."""
    now = now or timezone.now()
    scope = _check_inspector(actor)
    if not scope.people().filter(pk=person.pk).exists():
        raise _not_found()
    if actor.person_id == person.pk:
        raise DisciplineRefused(_("Nobody opens a case about themselves."), status=403)
    if kind not in CaseKind.values:
        raise DisciplineRefused(_("Pick what the case is about."))
    summary = _text(summary, what=_("summary"))
    evidence = _capture(person, _refs(evidence_refs))
    with transaction.atomic():
        case = DisciplineCase.objects.create(
            uid=uuid.uuid4(),
            kind=kind,
            person=person,
            summary=summary,
            evidence=evidence,
            is_open=True,
            opened_by=actor,
            opened_at=now,
        )
    log.info("discipline case %s opened by %s", case.uid, actor.get_username())
    return case


def discipline_case_close(
    *, actor: User, case: DisciplineCase, conclusion: Any, now: dt.datetime | None = None
) -> DisciplineCase:
    """Close a case with its conclusion (discipline inspection only)."""
    now = now or timezone.now()
    scope = _check_inspector(actor)
    if not discipline_cases_visible(scope=scope).filter(pk=case.pk).exists():
        raise _not_found()
    conclusion = _text(conclusion, what=_("conclusion"))
    with transaction.atomic():
        case = DisciplineCase.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise DisciplineRefused(_("This case is already closed."), status=409)
        case.is_open = False
        case.conclusion = conclusion
        case.closed_at = now
        case.save(update_fields=["is_open", "conclusion", "closed_at"])
    log.info("discipline case %s closed by %s", case.uid, actor.get_username())
    return case


def discipline_cases_visible(*, scope: Scope) -> QuerySet[DisciplineCase]:
    """The cases about people in reach, for discipline inspection; none for anyone else."""
    if not inspects(scope):
        return DisciplineCase.objects.none()
    return (
        DisciplineCase.objects.filter(person__in=scope.people())
        .select_related("person", "person__unit", "opened_by__person")
        .order_by("-is_open", "-opened_at")
    )


def discipline_case_for(user: User, uid: uuid.UUID | str) -> DisciplineCase:
    """One case for discipline inspection; 404 for anyone else, as for a missing one."""
    return by_uid(discipline_cases_visible(scope=scope_of(user)), uid)


@dataclass(frozen=True)
class PersonRecord:
    """One of a person's records an inspector may point a case at."""

    kind: str
    uid: uuid.UUID
    day: dt.date
    title: str
    revisions: int = 0  # earlier versions kept (a check-in submitted again)

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.uid}"


def person_records(*, person: Person, limit: int = RECORDS_SHOWN) -> list[PersonRecord]:
    """The person's latest check-ins, the daily reports they signed and their alerts (three
    queries), newest first within each kind."""
    records = [
        PersonRecord(
            EvidenceKind.CHECKIN,
            c.uid,
            c.day,
            f"{c.temperature} ℃ · {c.get_status_display()}",
            c.revision - 1,
        )
        for c in CheckIn.objects.filter(person=person).order_by("-day")[:limit]
    ]
    records += [
        PersonRecord(
            EvidenceKind.DAILY_REPORT,
            r.uid,
            r.day,
            f"{r.unit.name} · {_('zero report') if r.is_zero else _('daily report')}",
        )
        for r in DailyReport.objects.filter(submitted_by=person)
        .select_related("unit")
        .order_by("-day")[:limit]
    ]
    records += [
        PersonRecord(EvidenceKind.ALERT, a.uid, a.day, f"{a.summary} · {a.get_state_display()}")
        for a in Alert.objects.filter(person=person).order_by("-raised_at")[:limit]
    ]
    return records
