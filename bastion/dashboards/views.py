"""Pages of the dashboards: the viewer's top unit, drill-down by unit, the export."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_export, audit_view
from bastion.campaigns.selectors import active_campaign
from bastion.campus.plans import plan_coverage
from bastion.dashboards import selectors
from bastion.dashboards.export import missing_people_xlsx
from bastion.lib.days import business_day
from bastion.org.models import PersonKind, Unit
from bastion.org.selectors import page_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the viewer's top unit (the university for the leading group)."""
    roots = selectors.dashboard_roots(scope=scope_of(request.user))
    if not roots:
        return render(request, "dashboards/dashboard.html", {"unit": None})
    return _dashboard(request, roots[0], others=roots[1:])


@login_required
def unit(request: HttpRequest, code: str) -> HttpResponse:
    """The same dashboard for one unit of the viewer's reach: the drill-down."""
    found = selectors.dashboard_unit_or_none(scope=scope_of(request.user), code=code)
    if found is None:
        raise Http404
    return _dashboard(request, found, others=[])


def _dashboard(request: HttpRequest, unit: Unit, *, others: list[Unit]) -> HttpResponse:
    scope = scope_of(request.user)
    campaign = active_campaign()
    if campaign is None:
        return render(request, "dashboards/dashboard.html", {"unit": unit, "campaign": None})
    now = timezone.now()
    today = business_day(now)
    missing = selectors.not_checked_in(scope=scope, campaign=campaign, unit=unit, day=today)
    kinds = scope.counted_kinds
    trend = selectors.trend(campaign=campaign, unit=unit, today=today, kinds=kinds)
    page = page_of(missing, page=request.GET.get("page"))
    audit_view(request, what="dashboards.missing", rows=len(page.object_list), note=unit.code)
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "unit": unit,
            "others": others,
            "campaign": campaign,
            "today": today,
            "ancestors": scope.units()
            .filter(path__in=[unit.path[:end] for end in range(4, len(unit.path), 4)])
            .order_by("path"),
            "figures": selectors.today_figures(unit=unit, day=today, kinds=kinds),
            "alerts": selectors.alert_figures(scope=scope, unit=unit, now=now),
            "children": selectors.children_figures(unit=unit, day=today, kinds=kinds),
            "problems": selectors.report_problems(
                scope=scope, campaign=campaign, unit=unit, day=today, now=now
            ),
            "trend": {
                "days": trend.days,
                "coverage": trend.coverage,
                "abnormal": trend.abnormal,
                "key_area": trend.key_area,
            },
            # Units lacking a contingency plan (R3): one query, none for a grid worker.
            "plans": plan_coverage(campaign=campaign, scope=scope, within=unit),
            "page": page,
            "show_phone": scope.has(Perm.VIEW_PHONE),
            "kinds_label": _kinds_label(kinds),
        },
    )


@login_required
def missing_export(request: HttpRequest, code: str) -> FileResponse:
    """Who in this unit's subtree has not checked in today, as an xlsx."""
    scope = scope_of(request.user)
    found = selectors.dashboard_unit_or_none(scope=scope, code=code)
    campaign = active_campaign()
    if found is None or campaign is None:
        raise Http404
    today = business_day()
    people = selectors.not_checked_in(scope=scope, campaign=campaign, unit=found, day=today)
    exporter = request.user.person.name if request.user.person else request.user.get_username()
    data = missing_people_xlsx(
        people=people.iterator(chunk_size=2000),
        unit=found,
        day=today,
        exporter=exporter,
        show_phone=scope.has(Perm.VIEW_PHONE),
        stamp=audit_export(request, what="dashboards.missing", filters={"unit": found.code}),
    )
    return FileResponse(
        data,
        as_attachment=True,
        filename=f"未打卡-{found.name}-{today.isoformat()}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _kinds_label(kinds: tuple[str, ...] | None) -> str:
    """ "Students only" for Student Affairs, "Staff only" for the University Office."""
    if kinds == (PersonKind.STUDENT,):
        return _("Students only")
    if kinds == (PersonKind.STAFF,):
        return _("Staff only")
    return ""
