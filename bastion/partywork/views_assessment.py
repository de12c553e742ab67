"""Pages of cadre assessment (R15), commendation and accountability (R16) and discipline
inspection (R17). Thin: parse, call one service or selector, render.

Assessments are shown only to their holders (ASSESS_CADRES), commendations and actions only
to COMMEND holders, discipline cases only to discipline inspection: to anyone else each page
is a 404, as if it did not exist.
"""

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.scoping import Scope, scope_of
from bastion.alerts.models import Alert, AlertEvent, AlertState
from bastion.checkins.models import CheckIn
from bastion.lib import divisions
from bastion.lib.days import business_day
from bastion.org.models import HealthStatus
from bastion.partywork import assessment, discipline
from bastion.partywork.models import ActionKind, CaseKind, CommendationKind
from bastion.reports.models import DailyReport
from bastion.reports.selectors import count_labels

LISTED = 200


def _assessor(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not assessment.assessments_readable(scope):
        raise Http404
    return scope


def _commender(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not discipline.commends(scope):
        raise Http404
    return scope


def _inspector(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if not discipline.inspects(scope):
        raise Http404
    return scope


# --- cadre assessment ----------------------------------------------------------------------


@login_required
def cadre_list(request: HttpRequest) -> HttpResponse:
    """The cadres in reach, with their positions and when they were last assessed."""
    scope = _assessor(request)
    today = business_day()
    query = request.GET.get("q", "").strip()[:50]
    people = assessment.cadres_listed(scope=scope, day=today, query=query)
    total = people.count()
    shown = list(people[:LISTED])
    positions = assessment.cadre_positions(people=shown, day=today)
    return render(
        request,
        "partywork/assessment_cadres.html",
        {
            "rows": [(p, positions.get(p.pk, [])) for p in shown],
            "more": max(total - LISTED, 0),
            "query": query,
            "today": today,
        },
    )


def _ratings_posted(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix("rating_"): value
        for key, value in request.POST.items()
        if key.startswith("rating_")
    }


@login_required
def cadre(request: HttpRequest, number: str) -> HttpResponse:
    """A cadre's assessment: the rubric's form and, beside it, the evidence computed from the
    units the cadre leads; their past assessments below."""
    scope = _assessor(request)
    person = assessment.cadre_or_404(scope=scope, number=number)
    now = timezone.now()
    today = business_day(now)
    rubric = assessment.rubric_current()
    error = ""
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted = {"ratings": _ratings_posted(request), "notes": request.POST.get("notes", "")}
        try:
            done = assessment.assessment_record(
                actor=request.user, cadre=person, ratings=posted["ratings"], notes=posted["notes"]
            )
        except assessment.AssessmentRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("partywork:assessment", uid=done.uid)
    past = list(assessment.assessments_of(cadre=person)[:50])
    for a in past:
        a.score = assessment.rating_score(criteria=a.rubric.criteria, ratings=a.ratings)
    ratings = posted.get("ratings", {})
    return render(
        request,
        "partywork/assessment_cadre.html",
        {
            "person": person,
            "positions": assessment.cadre_positions(people=[person], day=today).get(person.pk, []),
            "is_cadre": assessment.is_cadre(person, today),
            "rubric": rubric,
            "criteria": [(c, str(ratings.get(c["code"], ""))) for c in rubric.criteria],
            "scale": [str(n) for n in range(assessment.RATING_MIN, assessment.RATING_MAX + 1)],
            "notes": posted.get("notes", ""),
            "error": error,
            "ev": assessment.cadre_evidence(cadre=person, today=today, now=now),
            "past": past,
            "today": today,
        },
        status=400 if error else 200,
    )


@login_required
def assessment_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """One assessment: the ratings per criterion, the notes, and the evidence as it stood."""
    found = assessment.assessment_for(request.user, uid)
    criteria = found.rubric.criteria
    return render(
        request,
        "partywork/assessment_detail.html",
        {
            "a": found,
            "rows": [(c, found.ratings.get(c["code"])) for c in criteria],
            "score": assessment.rating_score(criteria=criteria, ratings=found.ratings),
            "ev": found.evidence,
        },
    )


BLANK_ROWS = 3


@login_required
def rubric_edit(request: HttpRequest) -> HttpResponse:
    """The rubric's criteria, their wording and weights; blank rows add criteria, emptying a
    wording removes one."""
    _assessor(request)
    rubric = assessment.rubric_current()
    error = ""
    rows: list[dict[str, Any]] = [dict(c) for c in rubric.criteria]
    if request.method == "POST":
        rows = [
            {"code": code, "label": label, "weight": weight}
            for code, label, weight in zip(
                request.POST.getlist("code"),
                request.POST.getlist("label"),
                request.POST.getlist("weight"),
                strict=False,
            )
        ]
        try:
            assessment.rubric_update(actor=request.user, criteria=rows)
        except assessment.AssessmentRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Rubric saved."))
            return redirect("partywork:rubric")
    rows = [r for r in rows if r.get("label")]
    rows += [{"code": "", "label": "", "weight": 1} for _n in range(BLANK_ROWS)]
    return render(
        request,
        "partywork/assessment_rubric.html",
        {"rubric": rubric, "rows": rows, "error": error},
        status=400 if error else 200,
    )


# --- commendation and accountability ------------------------------------------------------------


@login_required
def commendations(request: HttpRequest) -> HttpResponse:
    """Commendations and proposals for bold use; criticism, talks and accountability; the
    forms to record either (POST `what`=commendation or action)."""
    scope = _commender(request)
    error = ""
    what = request.POST.get("what", "")
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        number = request.POST.get("person", "").strip()
        person = scope.people().filter(number=number).first() if number else None
        try:
            if what == "action":
                if person is None:
                    raise discipline.DisciplineRefused(_("No person with this number in reach."))
                discipline.disciplinary_action_record(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    person=person,
                    reason=request.POST.get("reason", ""),
                    taken_on=request.POST.get("on", ""),
                )
            else:
                code = request.POST.get("party_org", "").strip()
                org = scope.party_orgs().filter(code=code).first() if code else None
                if (number and person is None) or (code and org is None):
                    raise discipline.DisciplineRefused(
                        _("No person or Party organization with this number or code in reach.")
                    )
                discipline.commendation_record(
                    actor=request.user,
                    kind=request.POST.get("kind", ""),
                    person=person,
                    party_org=org,
                    citation=request.POST.get("citation", ""),
                    awarded_on=request.POST.get("on", ""),
                )
        except discipline.DisciplineRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Recorded."))
            return redirect("partywork:commendations")
    return render(
        request,
        "partywork/assessment_commendations.html",
        {
            "commendations": discipline.commendations_visible(scope=scope)[:LISTED],
            "actions": discipline.actions_visible(scope=scope)[:LISTED],
            "commendation_kinds": CommendationKind.choices,
            "action_kinds": ActionKind.choices,
            "what": what,
            "form": form,
            "error": error,
            "today": business_day(),
        },
        status=400 if error else 200,
    )


# --- discipline inspection ------------------------------------------------------------------------


@login_required
def discipline_cases(request: HttpRequest) -> HttpResponse:
    """Discipline inspection's cases, the open ones first."""
    scope = _inspector(request)
    cases = discipline.discipline_cases_visible(scope=scope)
    return render(
        request,
        "partywork/assessment_discipline_list.html",
        {"cases": cases[:LISTED], "more": max(cases.count() - LISTED, 0)},
    )


@login_required
def discipline_open(request: HttpRequest) -> HttpResponse:
    """Open a case: the person (by number), then what it is about, the summary and the
    records concerned, ticked from the person's own."""
    scope = _inspector(request)
    source = request.POST if request.method == "POST" else request.GET
    number = source.get("person", "").strip()
    person = scope.people().filter(number=number).select_related("unit").first() if number else None
    error = ""
    if number and person is None:
        error = _("No person with this number in reach.")
    if request.method == "POST" and person is not None:
        try:
            case = discipline.discipline_case_open(
                actor=request.user,
                person=person,
                kind=request.POST.get("kind", ""),
                summary=request.POST.get("summary", ""),
                evidence_refs=request.POST.getlist("ref"),
            )
        except discipline.DisciplineRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Case opened."))
            return redirect("partywork:discipline_case", uid=case.uid)
    return render(
        request,
        "partywork/assessment_discipline_open.html",
        {
            "number": number,
            "person": person,
            "records": discipline.person_records(person=person) if person else [],
            "kinds": CaseKind.choices,
            "form": request.POST,
            "picked": set(request.POST.getlist("ref")),
            "error": error,
        },
        status=400 if error and request.method == "POST" else 200,
    )


def _label(model: type[Model], field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


def _shown(field: str, value: Any) -> str:
    """A captured value as a reader reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if field == "status" or field == "severity":
        return str(HealthStatus(value).label) if value in HealthStatus.values else str(value)
    if field == "state":
        return str(AlertState(value).label) if value in AlertState.values else str(value)
    if field == "location":
        return divisions.full_name(value) or str(value)
    if (field == "at" or field.endswith("_at")) and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _evidence(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The captured records, put into words: a check-in as a table of its versions (the
    values that changed marked), a report and an alert as facts, an alert's events."""
    out = []
    for entry in entries:
        kind = entry.get("kind")
        if kind == discipline.EvidenceKind.CHECKIN:
            fields = discipline.CHECKIN_FIELDS
            versions = []
            previous: dict[str, Any] | None = None
            for version in entry.get("versions", []):
                values = version.get("values", {})
                cells = [
                    (
                        _shown(f, values.get(f)),
                        previous is not None and values.get(f) != previous.get(f),
                    )
                    for f in fields
                    if f != "submitted_at"
                ]
                versions.append(
                    {
                        "revision": version.get("revision"),
                        "submitted_at": _shown("submitted_at", values.get("submitted_at")),
                        "replaced_at": _shown("replaced_at", version.get("replaced_at")),
                        "cells": cells,
                    }
                )
                previous = values
            out.append(
                {
                    "kind": kind,
                    "title": _("Check-in of %(day)s") % {"day": entry.get("day")},
                    "uid": entry.get("uid"),
                    "headers": [_label(CheckIn, f) for f in fields if f != "submitted_at"],
                    "versions": versions,
                    "edited": len(versions) > 1,
                }
            )
        elif kind == discipline.EvidenceKind.DAILY_REPORT:
            values = entry.get("values", {})
            unit = entry.get("unit", {})
            out.append(
                {
                    "kind": kind,
                    "title": _("Daily report of %(unit)s for %(day)s")
                    % {"unit": unit.get("name", ""), "day": entry.get("day")},
                    "uid": entry.get("uid"),
                    "facts": [
                        (_label(DailyReport, f), _shown(f, values.get(f)))
                        for f in ("is_zero", "submitted_at", "is_late", "note")
                    ]
                    + [
                        (
                            _label(DailyReport, "counts"),
                            "、".join(
                                f"{label} {values.get('counts', {}).get(f, 0)}"
                                for f, label in count_labels()
                            ),
                        )
                    ],
                }
            )
        elif kind == discipline.EvidenceKind.ALERT:
            values = entry.get("values", {})
            actions = dict(AlertEvent.Action.choices)
            out.append(
                {
                    "kind": kind,
                    "title": _("Alert of %(day)s") % {"day": entry.get("day")},
                    "uid": entry.get("uid"),
                    "facts": [
                        (_label(Alert, f), _shown(f, values.get(f)))
                        for f in (
                            "summary",
                            "severity",
                            "state",
                            "raised_at",
                            "acknowledged_at",
                            "closed_at",
                            "note",
                        )
                    ],
                    "events": [
                        {
                            "action": str(actions.get(e.get("action"), e.get("action"))),
                            "at": _shown("at", e.get("at")),
                            "by": e.get("by") or "—",
                            "note": e.get("note", ""),
                        }
                        for e in entry.get("events", [])
                    ],
                }
            )
    return out


@login_required
def discipline_case(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """A case with its evidence as captured when opened, and the form to close it."""
    case = discipline.discipline_case_for(request.user, uid)
    return render(
        request,
        "partywork/assessment_discipline_case.html",
        {"case": case, "evidence": _evidence(case.evidence or [])},
    )


@login_required
@require_POST
def discipline_close(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = discipline.discipline_case_for(request.user, uid)
    try:
        discipline.discipline_case_close(
            actor=request.user, case=case, conclusion=request.POST.get("conclusion", "")
        )
    except discipline.DisciplineRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Case closed."))
    return redirect("partywork:discipline_case", uid=case.uid)
