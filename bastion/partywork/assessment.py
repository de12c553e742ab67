"""Cadre assessment in the front line (考察干部, R15): the seeds' criteria as an editable rubric,
an assessor's ratings and notes per cadre, and beside them the evidence Bastion already holds
for the units the cadre leads.

A cadre is whoever holds today a position of college leader, Party secretary, leading group,
counselor or lab head. The units a cadre leads are those of their positions, or, for a Party
secretary, the units their organization leads (属地管理) and the post of a temporary one.

Assessments are the Organization Department's and the leading group's (ASSESS_CADRES): for
anyone else they do not exist (404), a college leader included.
"""

import datetime as dt
import logging
import re
import statistics
import uuid
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campus.plans import plan_status
from bastion.lib.days import at, business_day
from bastion.lib.inputs import text_input
from bastion.lib.refusals import Refused
from bastion.org.models import Person, Position, Unit
from bastion.partywork.models import AssessmentRubric, CadreAssessment, DutyShift, ShiftState
from bastion.reports.models import UnitDayCount
from bastion.reports.selectors import report_rates, reporting_units
from bastion.tracing.cases import Spread, case_intervals
from bastion.tracing.models import Case

log = logging.getLogger(__name__)

CADRE_ROLES = (
    Role.COLLEGE_LEADER,
    Role.PARTY_SECRETARY,
    Role.LEADING_GROUP,
    Role.COUNSELOR,
    Role.LAB_HEAD,
)
RATING_MIN, RATING_MAX = 1, 5
WEIGHT_MAX = 100
CRITERIA_MAX = 20
LABEL_MAX = 100
NOTES_MAX = 5000
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")

RUBRIC_NAME = "疫情防控一线考察领导干部"
# The seeds' own criteria (R15; notices 000, 002, 003, 001, 004), in their words: data that the
# university edits, not interface text.
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "code": "first_priority",
        "label": "把疫情防控作为首要任务来抓，把师生安危放在心里、把防控责任扛在肩上",
        "weight": 1,
    },
    {"code": "front_command", "label": "坚守岗位、靠前指挥", "weight": 1},
    {"code": "timely", "label": "及时发声指导，及时掌握疫情，及时采取行动", "weight": 1},
    {
        "code": "no_blind_spot",
        "label": "严密细致做好疫情监测、排查、预警、防控，严防死守、不留死角",
        "weight": 1,
    },
    {"code": "opinion", "label": "做好舆论引导和舆情应对，稳定师生情绪", "weight": 1},
    {
        "code": "composure",
        "label": "面对复杂局面临危不乱、从容应对、果断决策、狠抓落实",
        "weight": 1,
    },
    {
        "code": "quality",
        "label": "政治素质、宗旨意识、全局观念、驾驭能力、担当精神",
        "weight": 1,
    },
]


class AssessmentRefused(Refused):
    """An assessment or a rubric that may not be written: 400 for bad input, 403 without the
    right, 404 for a cadre out of reach; nothing written."""


def _no_right() -> AssessmentRefused:
    return AssessmentRefused(
        _("Assessing cadres is the Organization Department's and the leading group's work."),
        status=403,
    )


def _not_found() -> AssessmentRefused:
    return AssessmentRefused(_("Not found, or not in your reach."), status=404)


def assessments_readable(scope: Scope) -> bool:
    """Who sees cadres' assessments at all: the holders of ASSESS_CADRES, nobody else."""
    return scope.has(Perm.ASSESS_CADRES)


# --- the rubric ------------------------------------------------------------------------------


def rubric_current() -> AssessmentRubric:
    """The newest active rubric; the seeds' criteria are written as the first on first use."""
    rubric = AssessmentRubric.objects.filter(is_active=True).order_by("-pk").first()
    if rubric is None:
        rubric = AssessmentRubric.objects.create(
            name=RUBRIC_NAME, criteria=[dict(c) for c in DEFAULT_CRITERIA], is_active=True
        )
    return rubric


def _weight(value: Any, *, label: str) -> int:
    try:
        weight = int(str(value).strip())
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= WEIGHT_MAX:
        raise AssessmentRefused(
            _("The weight of “%(label)s” must be a whole number from 1 to %(n)d.")
            % {"label": label, "n": WEIGHT_MAX}
        )
    return weight


def _criteria(criteria: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The criteria as typed, checked: a label and a weight each, codes kept or made. Rows
    without a label are dropped (a blank row of the editor)."""
    out: list[dict[str, Any]] = []
    for item in criteria:
        label = text_input(
            item.get("label"), limit=LABEL_MAX, what=_("criterion"), refused=AssessmentRefused
        )
        if not label:
            continue
        code = str(item.get("code") or "").strip()
        if code and not _CODE.fullmatch(code):
            raise AssessmentRefused(_("Unknown criterion code %(code)s.") % {"code": code[:40]})
        out.append(
            {"code": code, "label": label, "weight": _weight(item.get("weight"), label=label)}
        )
    if not out:
        raise AssessmentRefused(_("A rubric needs at least one criterion."))
    if len(out) > CRITERIA_MAX:
        raise AssessmentRefused(_("At most %(n)d criteria.") % {"n": CRITERIA_MAX})
    taken = {c["code"] for c in out if c["code"]}
    if len(taken) != sum(1 for c in out if c["code"]):
        raise AssessmentRefused(_("Two criteria have the same code."))
    labels = [c["label"] for c in out]
    if len(set(labels)) != len(labels):
        raise AssessmentRefused(_("Two criteria have the same wording."))
    n = 1
    for c in out:
        while not c["code"]:
            candidate = f"c{n}"
            n += 1
            if candidate not in taken:
                c["code"] = candidate
                taken.add(candidate)
    return out


def rubric_update(
    *, actor: User, criteria: Iterable[dict[str, Any]], now: dt.datetime | None = None
) -> AssessmentRubric:
    """Replace the criteria (each {code, label, weight}; a new one without a code gets one).

    The edit is a new rubric and the old one is kept inactive: past assessments keep the
    criteria they were rated by. Unchanged criteria write nothing.
    """
    if not assessments_readable(scope_of(actor)):
        raise _no_right()
    checked = _criteria(criteria)
    with transaction.atomic():
        current = rubric_current()
        current = AssessmentRubric.objects.select_for_update().get(pk=current.pk)
        if checked == current.criteria and current.is_active:
            return current
        AssessmentRubric.objects.filter(is_active=True).update(is_active=False)
        rubric = AssessmentRubric.objects.create(
            name=current.name, criteria=checked, is_active=True
        )
    log.info("assessment rubric %s by %s", rubric.pk, actor.get_username())
    return rubric


def rating_score(*, criteria: list[dict[str, Any]], ratings: dict[str, Any]) -> float | None:
    """The weighted mean of the ratings (1 to 5), one decimal; None without any."""
    total = weights = 0
    for c in criteria:
        value = ratings.get(c["code"])
        if isinstance(value, int):
            total += value * c["weight"]
            weights += c["weight"]
    return round(total / weights, 1) if weights else None


# --- who is a cadre, and which units they lead ------------------------------------------------


def _cadre_positions(day: dt.date) -> QuerySet[Position]:
    return Position.objects.active(day).filter(role__in=CADRE_ROLES)


def is_cadre(person: Person, day: dt.date) -> bool:
    """Does `person` hold on `day` a position that makes them a cadre?"""
    return _cadre_positions(day).filter(person=person).exists()


def cadres(*, day: dt.date) -> QuerySet[Person]:
    """Everyone holding a cadre's position on `day`."""
    return Person.objects.filter(pk__in=_cadre_positions(day).values("person_id")).order_by(
        "unit__path", "number"
    )


def cadre_positions(*, people: Iterable[Person], day: dt.date) -> dict[int, list[Position]]:
    """The cadre positions each of `people` holds on `day` (one query)."""
    out: dict[int, list[Position]] = {}
    positions = (
        _cadre_positions(day)
        .filter(person__in=[p.pk for p in people])
        .select_related("unit", "party_org")
        .order_by("role", "pk")
    )
    for position in positions:
        out.setdefault(position.person_id, []).append(position)
    return out


def cadre_units(*, cadre: Person, day: dt.date) -> list[Unit]:
    """The units `cadre` leads on `day`: those of their positions; for a Party secretary, the
    units their organization leads and the post of a temporary one. A unit inside another of
    the list is left out (the subtree counts it)."""
    positions = _cadre_positions(day).filter(person=cadre)
    orgs = positions.filter(party_org__isnull=False).values("party_org_id")
    found = Unit.objects.filter(
        Q(pk__in=positions.filter(unit__isnull=False).values("unit_id"))
        | Q(party_org_id__in=orgs)
        | Q(posts__party_org_id__in=orgs)
    ).distinct()
    kept: list[Unit] = []
    for unit in sorted(found, key=lambda u: u.path):
        if not any(unit.path.startswith(k.path) for k in kept):
            kept.append(unit)
    return kept


# --- the evidence -------------------------------------------------------------------------------


def _subtrees(units: list[Unit], field: str) -> Q:
    return reduce(or_, [Q(**{f"{field}__startswith": u.path}) for u in units])


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 3600)


def _reports(*, campaign: Campaign, units: list[Unit], today: dt.date, now: dt.datetime) -> dict:
    within = Unit.objects.filter(_subtrees(units, "path"))
    owing = list(reporting_units(campaign=campaign, within=within))
    days = (today - campaign.starts_on).days + 1
    rates = report_rates(campaign=campaign, units=owing, last_day=today, days=days, now=now)
    return {
        "units": len(owing),
        "expected": rates.expected,
        "received": rates.received,
        "on_time": rates.on_time,
        "completeness": _pct(rates.received, rates.expected),
        "timeliness": _pct(rates.on_time, rates.expected),
        "missing": [u.name for u, r in rates.units if r.received < r.expected][:10],
    }


def _alerts(*, campaign: Campaign, units: list[Unit], until: dt.datetime) -> dict:
    rows = (
        Alert.objects.filter(_subtrees(units, "person__unit__path"))
        .filter(campaign=campaign, raised_at__lt=until)
        .values_list("raised_at", "acknowledged_at", "closed_at")
        .order_by()
    )
    to_ack: list[float] = []
    to_close: list[float] = []
    count = still_open = 0
    for raised, acknowledged, closed in rows:
        count += 1
        if closed is None:
            still_open += 1
        for values, end in ((to_ack, acknowledged), (to_close, closed)):
            hours = _hours(raised, end)
            if hours is not None:
                values.append(hours)
    return {
        "count": count,
        "open": still_open,
        "acknowledged": len(to_ack),
        "closed": len(to_close),
        "ack_median_hours": _median(to_ack),
        "close_median_hours": _median(to_close),
    }


def _coverage(*, units: list[Unit], today: dt.date) -> dict:
    """Today's check-in coverage, from the per-unit daily counts the dashboards read."""
    sums = UnitDayCount.objects.filter(_subtrees(units, "unit__path"), day=today).aggregate(
        expected=Sum("expected"), checked_in=Sum("checked_in"), abnormal=Sum("abnormal")
    )
    expected, checked_in = sums["expected"] or 0, sums["checked_in"] or 0
    return {
        "expected": expected,
        "checked_in": checked_in,
        "abnormal": sums["abnormal"] or 0,
        "pct": _pct(checked_in, expected),
    }


def _four_earlies(*, campaign: Campaign, units: list[Unit], until: dt.datetime) -> dict:
    """The cases of the units' people and the median hours from discovery to report,
    isolation and treatment, as the cases ledger computes them."""
    cases = (
        Case.objects.filter(_subtrees(units, "person__unit__path"))
        .filter(campaign=campaign, discovered_at__lt=until)
        .only("discovered_at", "reported_at", "isolated_at", "treated_at")
        .order_by()
    )
    report: list[float] = []
    isolate: list[float] = []
    treat: list[float] = []
    count = 0
    for case in cases:
        count += 1
        hours = case_intervals(case)
        for values, value in (
            (report, hours.to_report),
            (isolate, hours.to_isolate),
            (treat, hours.to_treat),
        ):
            if value is not None:
                values.append(value)
    return {
        "cases": count,
        "report_median_hours": Spread.of(report).median,
        "isolate_median_hours": Spread.of(isolate).median,
        "treat_median_hours": Spread.of(treat).median,
    }


def _duty(*, cadre: Person, since: dt.date | None, until: dt.datetime) -> dict:
    """The shifts the cadre held (done) and missed, and the hours of those held."""
    shifts = DutyShift.objects.filter(person=cadre, starts_at__lt=until)
    if since is not None:
        shifts = shifts.filter(starts_at__gte=at(since, dt.time(0, 0)))
    done = missed = planned = 0
    hours = 0.0
    for state, starts, ends, came, left in shifts.values_list(
        "state", "starts_at", "ends_at", "checked_in_at", "checked_out_at"
    ).order_by():
        if state == ShiftState.DONE:
            done += 1
            hours += _hours(came or starts, left or ends) or 0.0
        elif state == ShiftState.MISSED:
            missed += 1
        elif state in (ShiftState.PLANNED, ShiftState.ON):
            planned += 1
    return {"done": done, "hours": round(hours, 1), "missed": missed, "planned": planned}


def _plans(*, campaign: Campaign, units: list[Unit]) -> list[dict]:
    return [
        {
            "code": s.unit.code,
            "name": s.unit.name,
            "current": s.current is not None,
            "version": s.current.number if s.current else None,
            "uploaded_on": business_day(s.current.uploaded_at).isoformat() if s.current else None,
        }
        for s in plan_status(campaign=campaign, units=units)
    ]


def cadre_evidence(
    *,
    cadre: Person,
    today: dt.date,
    campaign: Campaign | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What Bastion holds on the units `cadre` leads, over the campaign up to `today`, as
    JSON (kept as it is as an assessment's snapshot, and shown the same way):

    units, reports (completeness and timeliness, DHIS2's), alerts of their people (median
    hours to acknowledge and to close), today's check-in coverage, the four earlies (median
    hours from discovery to report, isolation, treatment), duty shifts the cadre held, and
    whether each unit has a current contingency plan. A handful of grouped queries.
    """
    # A past day is seen as it stood at its end; today as it stands now.
    end = at(today + dt.timedelta(days=1), dt.time(0, 0))
    now = min(now or timezone.now(), end)
    campaign = campaign if campaign is not None else active_campaign()
    units = cadre_units(cadre=cadre, day=today)
    evidence: dict[str, Any] = {
        "day": today.isoformat(),
        "campaign": campaign.name if campaign else "",
        "since": campaign.starts_on.isoformat() if campaign else None,
        "units": [{"code": u.code, "name": u.name} for u in units],
        "duty": _duty(cadre=cadre, since=campaign.starts_on if campaign else None, until=end),
        "reports": None,
        "alerts": None,
        "coverage": None,
        "four_earlies": None,
        "plans": [],
    }
    if campaign is None or not units or today < campaign.starts_on:
        return evidence
    evidence.update(
        reports=_reports(campaign=campaign, units=units, today=today, now=now),
        alerts=_alerts(campaign=campaign, units=units, until=end),
        coverage=_coverage(units=units, today=today),
        four_earlies=_four_earlies(campaign=campaign, units=units, until=end),
        plans=_plans(campaign=campaign, units=units),
    )
    return evidence


# --- assessing ---------------------------------------------------------------------------------


def _ratings(criteria: list[dict[str, Any]], ratings: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in criteria:
        raw = ratings.get(c["code"])
        try:
            value = int(str(raw).strip()) if raw not in (None, "") else None
        except ValueError:
            value = None
        if value is None or not RATING_MIN <= value <= RATING_MAX:
            raise AssessmentRefused(
                _("Rate every criterion from 1 to 5: “%(label)s” is not rated.")
                % {"label": c["label"]}
            )
        out[c["code"]] = value
    unknown = set(ratings) - set(out)
    if unknown:
        raise AssessmentRefused(
            _("Unknown criterion code %(code)s.") % {"code": sorted(unknown)[0][:40]}
        )
    return out


def _notes(value: Any) -> str:
    """The notes keep their lines; control characters go."""
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > NOTES_MAX:
        raise AssessmentRefused(_("The notes are longer than %(n)d characters.") % {"n": NOTES_MAX})
    return text


def assessment_record(
    *,
    actor: User,
    cadre: Person,
    ratings: dict[str, Any],
    notes: Any = "",
    now: dt.datetime | None = None,
) -> CadreAssessment:
    """Record an assessor's ratings (every criterion of the current rubric, 1 to 5) and notes
    on a cadre, with the evidence Bastion holds today for the cadre's units as its snapshot.

    Refused: without ASSESS_CADRES (403), a person out of reach (404), oneself, someone who is
    not a cadre today, a criterion not rated.
    """
    now = now or timezone.now()
    scope = scope_of(actor)
    if not assessments_readable(scope):
        raise _no_right()
    if not scope.people().filter(pk=cadre.pk).exists():
        raise _not_found()
    if actor.person_id == cadre.pk:
        raise AssessmentRefused(_("Nobody assesses themselves."), status=403)
    today = business_day(now)
    if not is_cadre(cadre, today):
        raise AssessmentRefused(
            _(
                "%(name)s holds no cadre's position today (college leader, Party secretary, "
                "leading group, counselor, lab head): only cadres are assessed."
            )
            % {"name": cadre.name}
        )
    rubric = rubric_current()
    checked = _ratings(rubric.criteria, ratings or {})
    notes = _notes(notes)
    evidence = cadre_evidence(cadre=cadre, today=today, now=now)
    with transaction.atomic():
        assessment = CadreAssessment.objects.create(
            uid=uuid.uuid4(),
            cadre=cadre,
            rubric=rubric,
            ratings=checked,
            notes=notes,
            evidence=evidence,
            assessor=actor,
            assessed_at=now,
        )
    log.info("cadre assessment %s of %s by %s", assessment.uid, cadre.number, actor.get_username())
    return assessment


# --- reading --------------------------------------------------------------------------------


def cadres_listed(*, scope: Scope, day: dt.date, query: str = "") -> QuerySet[Person]:
    """The cadres in reach of an assessor, each with the day of their latest assessment
    (`last_assessed`); none for anyone else."""
    if not assessments_readable(scope):
        return Person.objects.none()
    people = scope.people(cadres(day=day))
    query = (query or "").strip()
    if query:
        people = people.filter(Q(name__contains=query) | Q(number=query))
    latest = CadreAssessment.objects.filter(cadre=OuterRef("pk")).order_by("-assessed_at")
    return people.select_related("unit").annotate(
        last_assessed=Subquery(latest.values("assessed_at")[:1])
    )


def cadre_or_404(*, scope: Scope, number: str) -> Person:
    """A cadre's page: the person in reach, for an assessor only (404 to anyone else). A
    person who is not (or no longer) a cadre is still shown, with their past assessments."""
    if not assessments_readable(scope):
        raise Http404
    return scope.person_or_404(number)


def assessments_of(*, cadre: Person) -> QuerySet[CadreAssessment]:
    """A cadre's assessments, newest first."""
    return (
        CadreAssessment.objects.filter(cadre=cadre)
        .select_related("rubric", "assessor", "assessor__person")
        .order_by("-assessed_at", "-pk")
    )


def assessment_for(user: User, uid: uuid.UUID | str) -> CadreAssessment:
    """One assessment, for an assessor who reaches the cadre; 404 otherwise."""
    scope = scope_of(user)
    if not assessments_readable(scope):
        raise Http404
    try:
        uid = uuid.UUID(str(uid))
    except ValueError:
        raise Http404 from None
    found = (
        CadreAssessment.objects.filter(uid=uid, cadre__in=scope.people())
        .select_related("cadre", "cadre__unit", "rubric", "assessor", "assessor__person")
        .first()
    )
    if found is None:
        raise Http404
    return found
