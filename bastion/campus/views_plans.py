"""Pages of contingency plans (thin: parse, call a service or selector, render): the units in
reach with their plan's status and its xlsx, a unit's plan with its versions and the form to
add one, and the download of a version's document."""

import datetime as dt
import tempfile
from collections.abc import Iterator
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_export
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.campus import plans
from bastion.campus.models import ContingencyPlan, ContingencyPlanVersion, SemesterPlan
from bastion.lib.days import business_day
from bastion.lib.sheets import ExportStamp, Highlight, xlsx_table
from bastion.org.models import Unit
from bastion.tracing.ledgers import exporter_name, ledger_file, ledger_scope_name, ledger_title

LACKING_FILL = Highlight("F8D7DA")  # the red of an abnormal row
# The three time points, as a version's fields.
POINTS = ("vacation_on", "travel_return_on", "semester_starts_on")


def _scope(request: HttpRequest) -> Scope:
    """The viewer's scope; 404 for those who do not read plans."""
    scope = scope_of(request.user)
    if not plans.plans_readable(scope):
        raise Http404
    return scope


def _unit_or_404(scope: Scope, code: str) -> Unit:
    unit = scope.units().filter(code=code).first() if code else None
    if unit is None:
        raise Http404
    return unit


# --- the list ---------------------------------------------------------------------------------


def _statuses(request: HttpRequest) -> tuple[list[plans.PlanStatus], dict]:
    """The units in reach with their plan's status, filtered (?unit=CODE for a subtree,
    ?lacking=1 for those without a current plan); 404 for an unknown unit or one out of
    reach."""
    scope = _scope(request)
    code = request.GET.get("unit", "").strip()
    within = _unit_or_404(scope, code) if code else None
    lacking_only = request.GET.get("lacking") == "1"
    campaign = active_campaign()
    filters = {"within": within, "lacking_only": lacking_only, "campaign": campaign}
    if campaign is None:
        return [], filters
    units = plans.plan_units(campaign=campaign, scope=scope, within=within)
    statuses = plans.plan_status(campaign=campaign, units=units)
    if lacking_only:
        statuses = [s for s in statuses if s.lacking and s.expected]
    return statuses, filters


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The units in reach that must keep a plan (and any other with one), each with its
    current version or 「缺少预案」."""
    statuses, filters = _statuses(request)
    return render(
        request,
        "campus/plans.html",
        {
            "statuses": statuses,
            "lacking": sum(1 for s in statuses if s.lacking and s.expected),
            "query": request.GET.urlencode(),
            "today": business_day(),
            **filters,
        },
    )


def plans_xlsx(
    *,
    statuses: list[plans.PlanStatus],
    scope_name: str,
    day: dt.date,
    exporter: str,
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
    """The list as an office prints it: one row a unit, those lacking a plan in red."""
    title = ledger_title(
        what=_("Contingency plans"), scope_name=scope_name, day=day, exporter=exporter
    )
    columns = [
        (_("Unit code"), 12),
        (_("Unit"), 26),
        (_("Plan"), 30),
        (_("Version"), 8),
        (_("Vacation"), 12),
        (_("Return from travel"), 12),
        (_("Semester start"), 12),
        (_("Uploaded at"), 17),
        (_("Uploaded by"), 10),
        (_("What changed"), 30),
        (_("Status"), 12),
    ]
    lacking, current = _("No current plan"), _("Current")

    def rows() -> Iterator:
        for s in statuses:
            v = s.current
            if v is None:
                blank = [""] * (len(columns) - 3)
                yield [s.unit.code, s.unit.name, *blank, lacking], LACKING_FILL
                continue
            yield [
                s.unit.code,
                s.unit.name,
                s.plan.title,
                v.number,
                v.vacation_on,
                v.travel_return_on,
                v.semester_starts_on,
                timezone.localtime(v.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                _uploader(v),
                v.note,
                current,
            ]

    return xlsx_table(
        sheet=_("Contingency plans"), title=title, columns=columns, rows=rows(), stamp=stamp
    )


def _uploader(version: ContingencyPlanVersion) -> str:
    user = version.uploaded_by
    if user is None:
        return ""
    return user.person.name if user.person_id else user.get_username()


@login_required
def plan_list_download(request: HttpRequest) -> FileResponse:
    statuses, filters = _statuses(request)
    if filters["campaign"] is None:
        raise Http404
    today = business_day()
    scope_name = ledger_scope_name(filters["within"])
    data = plans_xlsx(
        statuses=statuses,
        scope_name=scope_name,
        day=today,
        exporter=exporter_name(request.user),
        stamp=audit_export(request, what="campus.contingencyplan"),
    )
    return ledger_file(data, name="工作预案", scope_name=scope_name, day=today)


# --- a unit's plan --------------------------------------------------------------------------------


def _history(versions: list[ContingencyPlanVersion]) -> list[dict]:
    """Each version with its three time points and, where one moved, what it was before."""
    rows = []
    for i, version in enumerate(versions):
        before = versions[i + 1] if i + 1 < len(versions) else None
        points = []
        for field in POINTS:
            value = getattr(version, field)
            was = getattr(before, field) if before is not None else None
            points.append(
                {"value": value, "was": was if was is not None and was != value else None}
            )
        rows.append({"v": version, "points": points, "uploader": _uploader(version)})
    return rows


def _defaults(
    *, unit: Unit, plan: ContingencyPlan | None, current, campaign: Campaign | None
) -> dict:
    """What the form starts with: the current version's points, else the semester plan's."""
    values = {
        "title": plan.title
        if plan is not None
        else _("%(unit)s contingency plan for epidemic prevention and control")
        % {"unit": unit.name},
        "summary": "",
        "note": "",
    } | dict.fromkeys(POINTS, "")
    if current is not None:
        values |= {field: getattr(current, field) for field in POINTS}
        return values
    semester = SemesterPlan.objects.filter(campaign=campaign).first() if campaign else None
    if semester is not None:
        values |= {
            "vacation_on": semester.vacation_starts_on,
            "travel_return_on": semester.travel_return_on,
            "semester_starts_on": semester.start_on,
        }
    return values


def _plan_page(
    request: HttpRequest,
    *,
    unit: Unit,
    plan: ContingencyPlan | None,
    error: str = "",
    entered: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    campaign = active_campaign()
    versions = plans.plan_versions(plan) if plan is not None else []
    current = versions[0] if versions else None
    # Versions are added to the running campaign's plan only; an old plan is read-only.
    open_plan = campaign is not None and (plan is None or plan.campaign_id == campaign.pk)
    may_keep = open_plan and plans.plan_may_keep(actor=request.user, unit=unit)
    values = _defaults(unit=unit, plan=plan, current=current, campaign=campaign)
    if entered:
        values |= entered
    return render(
        request,
        "campus/plans_unit.html",
        {
            "unit": unit,
            "plan": plan,
            "campaign": plan.campaign if plan is not None else campaign,
            "history": _history(versions),
            "current": current,
            "may_keep": may_keep,
            "values": values,
            "error": error,
            "accept": ",".join(f".{ext}" for ext in plans.FILE_TYPES),
            "max_mb": plans.MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
def plan_unit(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's plan for the running campaign: its page if it has one, else the form to make
    it (for those who keep it)."""
    scope = _scope(request)
    unit = _unit_or_404(scope, code)
    campaign = active_campaign()
    plan = plans.plan_of(campaign=campaign, unit=unit)
    if plan is not None:
        return redirect("campus:plan_detail", uid=plan.uid)
    return _plan_page(request, unit=unit, plan=None)


def _plan_or_404(request: HttpRequest, uid) -> ContingencyPlan:
    try:
        return plans.plan_for(request.user, uid)
    except plans.PlanRefused as exc:
        raise Http404 from exc


@login_required
def plan_detail(request: HttpRequest, uid) -> HttpResponse:
    """One plan with its versions (newest first, the time points that moved marked)."""
    plan = _plan_or_404(request, uid)
    return _plan_page(request, unit=plan.unit, plan=plan)


def _upload(request: HttpRequest) -> plans.Upload | None:
    """The uploaded document, read up to one byte past the limit (the service refuses it)."""
    file = request.FILES.get("file")
    if file is None:
        return None
    return plans.Upload(
        name=file.name or "",
        content_type=file.content_type or "",
        content=file.read(plans.MAX_BYTES + 1),
    )


@login_required
@require_POST
def plan_version_add(request: HttpRequest, code: str) -> HttpResponse:
    """Add a version to the unit's plan (making the plan with the first); a refusal shows
    beside the form with what was typed, nothing written."""
    scope = _scope(request)
    unit = _unit_or_404(scope, code)
    campaign = active_campaign()
    plan = plans.plan_of(campaign=campaign, unit=unit)
    post = request.POST
    fields = ("title", *POINTS, "summary", "note")
    entered = {field: post.get(field, "") for field in fields}
    try:
        if campaign is None:
            raise plans.PlanRefused(
                _("No campaign is running: there is no plan to keep."), status=409
            )
        version = plans.plan_version_add(
            actor=request.user,
            unit=unit,
            campaign=campaign,
            title=entered["title"],
            vacation_on=entered["vacation_on"],
            travel_return_on=entered["travel_return_on"],
            semester_starts_on=entered["semester_starts_on"],
            summary=entered["summary"],
            upload=_upload(request),
            note=entered["note"],
        )
    except plans.PlanRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _plan_page(
            request, unit=unit, plan=plan, error=exc.message, entered=entered, status=exc.status
        )
    messages.success(request, _("Version %(n)d of the plan saved.") % {"n": version.number})
    return redirect("campus:plan_detail", uid=version.plan.uid)


# --- the document ------------------------------------------------------------------------------


def attachment_header(name: str, *, fallback: str) -> str:
    """Content-Disposition for a download named `name`: an ASCII `filename` for old clients
    and the real name as RFC 5987 `filename*`, so a Chinese name survives."""
    plain = name.isascii() and name.isprintable() and not any(c in name for c in '"\\;')
    ascii_name = name if plain else fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
def plan_version_download(request: HttpRequest, uid, number: int) -> HttpResponse:
    """A version's document as an attachment, with its original file name."""
    plan = _plan_or_404(request, uid)
    version = plans.plan_version_document(plan, number)
    if version is None:
        raise Http404
    ext = version.file_name.rpartition(".")[2].lower()
    response = HttpResponse(
        bytes(version.content), content_type=version.content_type or "application/octet-stream"
    )
    response["Content-Disposition"] = attachment_header(
        version.file_name, fallback=f"plan-v{version.number}.{ext}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
