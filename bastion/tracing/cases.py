"""Cases (病例) and the four earlies (早发现、早报告、早隔离、早治疗).

A case is recorded by a tracer when a person is suspected: Bastion files the urgent report at
once, proposes the person's contacts and their isolation. A case only moves forward
(CASE_NEXT); confirming it files a second urgent report. The four moments on the case
(discovered, reported, isolated, treated) measure how early was early, per unit.
"""

import datetime as dt
import statistics
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import SHANGHAI, at, business_day
from bastion.lib.lookup import by_uid
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.org.models import Person, Unit
from bastion.reports.models import UrgentReport
from bastion.tracing.contacts import contacts_propose
from bastion.tracing.isolation import isolations_propose_many
from bastion.tracing.models import (
    CASE_NEXT,
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Isolation,
    IsolationEvent,
    IsolationState,
)

NOTE_MAX = 2000
HOSPITAL_MAX = 100


class CaseRefused(Refused):
    """A case that cannot be recorded or moved: 400 for bad input, 403 for a role that does
    not trace, 404 for a person or case out of reach (the same answer as a missing one)."""


def _not_found() -> CaseRefused:
    return CaseRefused(_("Not found, or not in your reach."), status=404)


def _check_may_trace(*, actor: User, person: Person) -> None:
    """Out of reach first (404, as if missing), then the role (403, with the reason)."""
    scope = scope_of(actor)
    if not scope.people().filter(pk=person.pk).exists():
        raise _not_found()
    if not scope.has(Perm.TRACE):
        raise CaseRefused(
            _(
                "Your role does not record cases; tell the counselor or the college leader, "
                "who trace."
            ),
            status=403,
        )


def _moment(value: dt.datetime | None, *, which: str, now: dt.datetime) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, SHANGHAI)
    if value > now:
        raise CaseRefused(
            _("The time %(which)s cannot be in the future.") % {"which": which},
        )
    return value


def _label(status: str) -> str:
    return str(CaseStatus(status).label)


# --- selectors ---------------------------------------------------------------------------


def cases_may_read(scope: Scope) -> bool:
    """Those who read people's records or trace read cases.

    A person without either reads no case, not even their own: the case file is the tracers'.
    """
    return scope.has(Perm.VIEW_PEOPLE) or scope.has(Perm.TRACE)


def cases_visible(*, scope: Scope) -> QuerySet[Case]:
    """The cases of the people in reach, for those who may read cases."""
    if not cases_may_read(scope):
        return Case.objects.none()
    return Case.objects.filter(scope.people_q(prefix="person__")).select_related(
        "person", "person__unit", "campaign"
    )


def case_for(user: User, uid: uuid.UUID | str) -> Case:
    """One visible case, or CaseRefused(404) when missing or out of reach."""
    return by_uid(cases_visible(scope=scope_of(user)), uid, missing=_not_found)


def case_recorded_before(*, actor: User, client_id: str) -> Case | None:
    """The case this actor already recorded with this client id, if any (a retry)."""
    client_id = clean(client_id)
    if not client_id:
        return None
    return Case.objects.filter(recorded_by=actor, client_id=client_id).first()


def case_urgent_reports(*, case: Case) -> QuerySet[UrgentReport]:
    """The urgent reports filed about the case: suspected, then confirmed; not those of a
    later case of the same person."""
    reports = UrgentReport.objects.filter(
        campaign=case.campaign,
        person=case.person,
        kind__in=[UrgentReport.Kind.SUSPECTED_CASE, UrgentReport.Kind.CONFIRMED_CASE],
        reported_at__gte=case.reported_at,
    )
    later = (
        Case.objects.filter(
            campaign=case.campaign, person=case.person, reported_at__gt=case.reported_at
        )
        .order_by("reported_at")
        .values_list("reported_at", flat=True)
        .first()
    )
    if later is not None:
        reports = reports.filter(reported_at__lt=later)
    return reports.order_by("reported_at")


def case_next_states(case: Case) -> list[tuple[str, str]]:
    """The states the case may move to, as (value, label), in the order of CaseStatus."""
    allowed = CASE_NEXT[case.status]
    return [(value, label) for value, label in CaseStatus.choices if value in allowed]


# --- the four earlies ----------------------------------------------------------------------


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    # Isolated before discovery (a contact already in quarantine) is the earliest possible:
    # no delay, never a negative one.
    return max(0.0, (end - start).total_seconds() / 3600)


@dataclass(frozen=True)
class Intervals:
    """Hours from discovery to report, to isolation and to treatment (None when not yet)."""

    to_report: float | None
    to_isolate: float | None
    to_treat: float | None


def case_intervals(case: Case) -> Intervals:
    return Intervals(
        to_report=_hours(case.discovered_at, case.reported_at),
        to_isolate=_hours(case.discovered_at, case.isolated_at),
        to_treat=_hours(case.discovered_at, case.treated_at),
    )


@dataclass(frozen=True)
class Spread:
    median: float | None
    max: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(None, None)
        return cls(round(statistics.median(values), 1), round(max(values), 1))


@dataclass(frozen=True)
class FourEarliesRow:
    """One unit (or the total) of the four-earlies table."""

    unit: Unit | None  # None: the total
    name: str
    cases: int
    report: Spread
    isolate: Spread
    treat: Spread


def _row_units(*, scope: Scope, unit: Unit | None) -> list[Unit]:
    """The units the table has a row for: the children of `unit`; else the colleges and
    offices (depth 2) for those who see everyone; else the viewer's own units."""
    if unit is not None:
        children = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        return [unit, *children.order_by("path")]
    if scope.everyone or scope.all_students or scope.all_staff:
        return list(Unit.objects.filter(depth=2).order_by("path"))
    paths = set(scope.unit_paths)
    if scope.grid_ids:
        paths |= set(scope.grids().values_list("unit__path", flat=True))
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def four_earlies(
    *, scope: Scope, campaign: Campaign, unit: Unit | None = None
) -> list[FourEarliesRow]:
    """Cases and the median and longest hours from discovery to report, isolation and
    treatment, per unit in reach and in total, over the campaign's cases.

    Two queries: the units, and the cases' unit paths and moments; the rest is arithmetic.
    """
    units = _row_units(scope=scope, unit=unit)
    cases = cases_visible(scope=scope).filter(campaign=campaign)
    if unit is not None:
        cases = cases.filter(person__unit__path__startswith=unit.path)
    moments = list(
        cases.order_by().values_list(
            "person__unit__path", "discovered_at", "reported_at", "isolated_at", "treated_at"
        )
    )
    # The deepest row unit holding the person's unit: a unit's own people go to its own row
    # when its children have rows too.
    by_depth = sorted(units, key=lambda u: len(u.path), reverse=True)
    buckets: dict[int | None, list[tuple]] = {u.pk: [] for u in units}
    for row in moments:
        path = row[0] or ""
        home = next((u for u in by_depth if path.startswith(u.path)), None)
        if home is not None:
            buckets[home.pk].append(row)

    def summary(unit_: Unit | None, name: str, rows: list[tuple]) -> FourEarliesRow:
        report, isolate, treat = [], [], []
        for _path, discovered, reported, isolated, treated in rows:
            for values, end in ((report, reported), (isolate, isolated), (treat, treated)):
                hours = _hours(discovered, end)
                if hours is not None:
                    values.append(hours)
        return FourEarliesRow(
            unit=unit_,
            name=name,
            cases=len(rows),
            report=Spread.of(report),
            isolate=Spread.of(isolate),
            treat=Spread.of(treat),
        )

    table = [
        summary(u, u.name, buckets[u.pk])
        for u in units
        if buckets[u.pk]  # a unit without cases has nothing to say about earliness
    ]
    total = _("University total") if scope.everyone and unit is None else _("Total")
    table.append(summary(None, total, moments))
    return table


@dataclass(frozen=True)
class LedgerRow:
    case: Case
    hours: Intervals


def case_ledger(
    *, scope: Scope, campaign: Campaign, status: str = "", unit: Unit | None = None
) -> QuerySet[Case]:
    """The cases ledger (病例台账) in reach: newest discovery first, filtered."""
    cases = cases_visible(scope=scope).filter(campaign=campaign)
    if status:
        cases = cases.filter(status=status)
    if unit is not None:
        cases = cases.filter(person__unit__path__startswith=unit.path)
    return cases.order_by("-discovered_at", "pk")


def ledger_rows(cases: Iterable[Case]) -> Iterator[LedgerRow]:
    for case in cases:
        yield LedgerRow(case, case_intervals(case))


# --- services ----------------------------------------------------------------------------


def _isolated_since(person: Person) -> dt.datetime | None:
    """When the person's active isolation started, if they are isolated already."""
    isolation = Isolation.objects.filter(person=person, state=IsolationState.ACTIVE).first()
    if isolation is None:
        return None
    started = (
        IsolationEvent.objects.filter(isolation=isolation, action=IsolationEvent.Action.STARTED)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    if started is not None:
        return started
    if isolation.starts_on is not None:
        return at(isolation.starts_on, dt.time(0, 0))
    return None


def _summary(case: Case, *, title: str) -> str:
    """The urgent report's text, in the office's language whoever files it."""
    person = case.person
    when = case.discovered_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    lines = [
        _("%(title)s: %(name)s (%(number)s), %(unit)s, discovered at %(when)s.")
        % {
            "title": title,
            "name": person.name,
            "number": person.number,
            "unit": person.unit.name,
            "when": when,
        }
    ]
    if case.onset_on is not None:
        lines.append(_("Symptoms began on %(day)s.") % {"day": case.onset_on.isoformat()})
    if case.hospital:
        lines.append(_("Where treated: %(where)s.") % {"where": case.hospital})
    if case.note:
        lines.append(case.note)
    return "\n".join(lines)


def _file_report(*, case: Case, kind: str, actor: User, now: dt.datetime) -> UrgentReport:
    from bastion.reports.urgent import urgent_report_create

    with translation.override(settings.LANGUAGE_CODE):
        title = str(UrgentReport.Kind(kind).label)
        summary = _summary(case, title=title)
    return urgent_report_create(
        campaign=case.campaign,
        unit=case.person.unit,
        kind=kind,
        summary=summary,
        person=case.person,
        reporter=actor,
        now=now,
    )


def _propose_contacts_and_isolation(*, case: Case, now: dt.datetime) -> None:
    """Bastion's proposals for a new case: the person's contacts, and their own isolation."""
    contacts_propose(case=case, now=now)
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Suspected case")
    isolations_propose_many(
        campaign=case.campaign, reasons={case.person_id: reason}, case=case, now=now
    )


def case_record(
    *,
    actor: User,
    person: Person,
    discovered_at: dt.datetime | None = None,
    onset_on: dt.date | None = None,
    note: str = "",
    client_id: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """Record a suspected case: the urgent report goes at once to every level above the
    person's unit and the leading group; contacts and isolation are proposed.

    Everything is checked before anything is written; a retry with the same `client_id`
    (per recorder) answers the case it made and writes nothing. Raises CaseRefused.
    """
    now = now or timezone.now()
    _check_may_trace(actor=actor, person=person)
    client_id = clean(client_id)
    if len(client_id) > 64:
        raise CaseRefused(_("The client id is longer than 64 characters."))
    earlier = case_recorded_before(actor=actor, client_id=client_id)
    if earlier is not None:
        return earlier
    campaign = active_campaign()
    if campaign is None:
        raise CaseRefused(_("No campaign is running: there is no case to record."))
    discovered_at = _moment(discovered_at, which=_("of discovery"), now=now) or now
    if onset_on is not None and onset_on > business_day(now):
        raise CaseRefused(_("Symptoms cannot begin in the future."))
    note = clean(note)
    if len(note) > NOTE_MAX:
        raise CaseRefused(
            _("Keep the note under %(n)s characters; details can follow.") % {"n": NOTE_MAX}
        )
    if Case.objects.filter(
        campaign=campaign, person=person, status__in=OPEN_CASE_STATUSES
    ).exists():
        raise CaseRefused(
            _("%(name)s already has an open case: move that one on instead of recording another.")
            % {"name": person.name}
        )
    person = Person.objects.select_related("unit").get(pk=person.pk)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                campaign=campaign,
                person=person,
                status=CaseStatus.SUSPECTED,
                onset_on=onset_on,
                discovered_at=discovered_at,
                reported_at=now,
                isolated_at=_isolated_since(person),
                note=note,
                recorded_by=actor,
                status_changed_at=now,
                client_id=client_id,
            )
            CaseEvent.objects.create(
                case=case, status=CaseStatus.SUSPECTED, at=now, actor=actor, note=note
            )
            case.urgent_report = _file_report(
                case=case, kind=UrgentReport.Kind.SUSPECTED_CASE, actor=actor, now=now
            )
            case.save(update_fields=["urgent_report"])
            _propose_contacts_and_isolation(case=case, now=now)
    except IntegrityError:
        # The same client id, or a second open case, raced in from another request.
        earlier = case_recorded_before(actor=actor, client_id=client_id)
        if earlier is not None:
            return earlier
        raise CaseRefused(
            _("%(name)s already has an open case: move that one on instead of recording another.")
            % {"name": person.name}
        ) from None
    return case


def case_move(
    *,
    actor: User,
    case: Case,
    status: str,
    note: str = "",
    hospital: str = "",
    at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Move a case forward (suspected → confirmed or excluded; confirmed → an outcome).

    Backwards or sideways is refused with both states named. Confirming files an urgent
    report of a confirmed case. Raises CaseRefused.
    """
    now = now or timezone.now()
    _check_may_trace(actor=actor, person=case.person)
    if status not in CaseStatus.values:
        raise CaseRefused(
            _("Unknown status “%(status)s”: one of %(known)s.")
            % {"status": status or "—", "known": "、".join(CaseStatus.values)}
        )
    moment = _moment(at, which=_("of the change"), now=now) or now
    note = clean(note)
    hospital = clean(hospital)
    if len(note) > NOTE_MAX:
        raise CaseRefused(
            _("Keep the note under %(n)s characters; details can follow.") % {"n": NOTE_MAX}
        )
    if len(hospital) > HOSPITAL_MAX:
        raise CaseRefused(_("The hospital's name is longer than 100 characters."))
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("person", "person__unit", "campaign")
            .get(pk=case.pk)
        )
        if status not in CASE_NEXT[case.status]:
            raise CaseRefused(
                _("A case cannot go from “%(from)s” to “%(to)s”: a case only moves forward.")
                % {"from": _label(case.status), "to": _label(status)}
            )
        if moment < case.discovered_at:
            raise CaseRefused(_("The change cannot be before the case was discovered."))
        case.status = status
        case.status_changed_at = moment
        fields = ["status", "status_changed_at"]
        if hospital:
            case.hospital = hospital
            fields.append("hospital")
        case.save(update_fields=fields)
        CaseEvent.objects.create(case=case, status=status, at=moment, actor=actor, note=note)
        if status == CaseStatus.CONFIRMED:
            _file_report(case=case, kind=UrgentReport.Kind.CONFIRMED_CASE, actor=actor, now=now)
    return case


def case_times_set(
    *,
    actor: User,
    case: Case,
    isolated_at: dt.datetime | None = None,
    treated_at: dt.datetime | None = None,
    hospital: str | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record when the person was isolated and treated (and where); None leaves a value as
    it is. Neither may be in the future; treatment not before discovery, while isolation may
    be (a contact already in quarantine is the earliest possible). Raises CaseRefused."""
    now = now or timezone.now()
    _check_may_trace(actor=actor, person=case.person)
    isolated_at = _moment(isolated_at, which=_("of isolation"), now=now)
    treated_at = _moment(treated_at, which=_("of treatment"), now=now)
    if treated_at is not None and treated_at < case.discovered_at:
        raise CaseRefused(_("Treatment cannot be before the case was discovered."))
    if hospital is not None:
        hospital = clean(hospital)
        if len(hospital) > HOSPITAL_MAX:
            raise CaseRefused(_("The hospital's name is longer than 100 characters."))
    if isolated_at is None and treated_at is None and hospital is None:
        raise CaseRefused(_("Give the time of isolation or of treatment."))
    fields: list[str] = []
    said: list[str] = []
    with translation.override(settings.LANGUAGE_CODE):
        if isolated_at is not None:
            fields.append("isolated_at")
            said.append(
                _("Isolated at %(when)s.")
                % {"when": isolated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")}
            )
        if treated_at is not None:
            fields.append("treated_at")
            said.append(
                _("Treated at %(when)s.")
                % {"when": treated_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")}
            )
        if hospital is not None:
            fields.append("hospital")
            said.append(_("Where treated: %(where)s.") % {"where": hospital or "—"})
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if isolated_at is not None:
            case.isolated_at = isolated_at
        if treated_at is not None:
            case.treated_at = treated_at
        if hospital is not None:
            case.hospital = hospital
        case.save(update_fields=fields)
        CaseEvent.objects.create(
            case=case, status=case.status, at=now, actor=actor, note=" ".join(said)
        )
    return case
