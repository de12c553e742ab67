"""Pages of tracing (thin: parse, call a selector, render): the key-area ledger."""

import itertools

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.org.models import Unit
from bastion.tracing import selectors
from bastion.tracing.export import key_area_ledger_xlsx

LIST_LIMIT = 200  # rows on the page; the xlsx holds them all


def _ledger_args(request: HttpRequest) -> tuple[Scope, Unit | None]:
    """The viewer's scope and the unit filter (?unit=CODE); 404 for those without a ledger
    or a unit out of reach."""
    scope = scope_of(request.user)
    if not scope.has(Perm.VIEW_PEOPLE):
        raise Http404
    code = request.GET.get("unit", "").strip()
    unit = scope.units().filter(code=code).first() if code else None
    if code and unit is None:
        raise Http404
    return scope, unit


@login_required
def key_area_ledger(request: HttpRequest) -> HttpResponse:
    """People in reach in or back from a key area within the quarantine window."""
    scope, unit = _ledger_args(request)
    campaign = active_campaign()
    context = {"campaign": campaign, "unit": unit, "limit": LIST_LIMIT}
    if campaign is not None:
        today = business_day()
        count, entries = selectors.key_area_ledger(
            scope=scope, campaign=campaign, today=today, unit=unit
        )
        context |= {
            "today": today,
            "count": count,
            "entries": list(itertools.islice(entries, LIST_LIMIT)),
            "show_phone": scope.has(Perm.VIEW_PHONE),
            "areas": list(campaign.key_areas.all()),
        }
    return render(request, "tracing/key_area_ledger.html", context)


@login_required
def key_area_ledger_download(request: HttpRequest) -> FileResponse:
    """The whole ledger as an xlsx, streamed."""
    scope, unit = _ledger_args(request)
    campaign = active_campaign()
    if campaign is None:
        raise Http404
    today = business_day()
    _count, entries = selectors.key_area_ledger(
        scope=scope, campaign=campaign, today=today, unit=unit
    )
    exporter = request.user.person.name if request.user.person else request.user.get_username()
    scope_name = unit.name if unit is not None else _("all in your reach")
    data = key_area_ledger_xlsx(
        entries=entries,
        scope_name=scope_name,
        day=today,
        exporter=exporter,
        show_phone=scope.has(Perm.VIEW_PHONE),
    )
    return FileResponse(
        data,
        as_attachment=True,
        filename=f"涉重点地区人员台账-{scope_name}-{today.isoformat()}.xlsx",
    )
