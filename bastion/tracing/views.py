"""Pages of tracing (thin: parse, call a selector, render): the desk, the key-area ledger,
cluster warnings."""

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_export, audit_view
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.tracing import clusters, selectors
from bastion.tracing.export import key_area_ledger_xlsx
from bastion.tracing.ledgers import exporter_name, ledger_file, ledger_scope, ledger_scope_name
from bastion.tracing.selectors import Whereabouts

LIST_LIMIT = 200  # rows on the page; the xlsx holds them all


# The three parts of the key-area ledger (R7): their titles, as pages and sheets name them.
WHEREABOUTS_TITLES = {
    Whereabouts.WENT: gettext_lazy("People in or back from key areas"),
    Whereabouts.BACK: gettext_lazy("People back from key areas"),
    Whereabouts.THERE: gettext_lazy("People in key areas now"),
}


def _whereabouts(request: HttpRequest) -> Whereabouts:
    try:
        return Whereabouts(request.GET.get("where") or Whereabouts.WENT)
    except ValueError:
        raise Http404 from None


@login_required
def key_area_ledger(request: HttpRequest) -> HttpResponse:
    """People in reach in or back from a key area within the quarantine window: all of them,
    those back (?where=back) or those still there (?where=there)."""
    scope, unit = ledger_scope(request)
    where = _whereabouts(request)
    campaign = active_campaign()
    context = {
        "campaign": campaign,
        "unit": unit,
        "limit": LIST_LIMIT,
        "where": where,
        "title": WHEREABOUTS_TITLES[where],
        "parts": list(WHEREABOUTS_TITLES.items()),
    }
    if campaign is not None:
        today = business_day()
        count, entries = selectors.key_area_ledger(
            scope=scope, campaign=campaign, today=today, unit=unit, where=where
        )
        context |= {
            "today": today,
            "count": count,
            "entries": list(itertools.islice(entries, LIST_LIMIT)),
            "show_phone": scope.has(Perm.VIEW_PHONE),
            "areas": list(campaign.key_areas.all()),
        }
        audit_view(request, what="tracing.key_area_ledger", rows=len(context["entries"]))
    return render(request, "tracing/key_area_ledger.html", context)


@login_required
def key_area_ledger_download(request: HttpRequest) -> FileResponse:
    """The whole ledger as an xlsx, streamed."""
    scope, unit = ledger_scope(request)
    where = _whereabouts(request)
    campaign = active_campaign()
    if campaign is None:
        raise Http404
    today = business_day()
    _count, entries = selectors.key_area_ledger(
        scope=scope, campaign=campaign, today=today, unit=unit, where=where
    )
    title = str(WHEREABOUTS_TITLES[where])
    scope_name = ledger_scope_name(unit)
    data = key_area_ledger_xlsx(
        title=title,
        entries=entries,
        scope_name=scope_name,
        day=today,
        exporter=exporter_name(request.user),
        show_phone=scope.has(Perm.VIEW_PHONE),
        stamp=audit_export(request, what="tracing.key_area_ledger"),
    )
    return ledger_file(data, name=title, scope_name=scope_name, day=today)


# --- the tracing desk and cluster warnings ---------------------------------------------------


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    """The tracing desk (流调工作台): every ledger, the open warnings, what needs a decision."""
    scope = scope_of(request.user)
    if not scope.has(Perm.VIEW_PEOPLE):
        raise Http404
    return render(
        request,
        "tracing/desk.html",
        {
            "campaign": active_campaign(),
            "parts": list(WHEREABOUTS_TITLES.items()),
            "clusters": list(clusters.clusters_visible(scope=scope).filter(is_open=True)[:20]),
            "can_trace": scope.has(Perm.TRACE),
        },
    )


@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.has(Perm.VIEW_PEOPLE):
        raise Http404
    warnings = clusters.clusters_visible(scope=scope).annotate(size=Count("people"))
    return render(request, "tracing/clusters.html", {"clusters": list(warnings[:LIST_LIMIT])})


@login_required
def cluster_detail(request: HttpRequest, uid: str) -> HttpResponse:
    """A warning with its people (those in the viewer's reach) and the contacts Bastion
    proposes for them."""
    cluster = clusters.cluster_for(request.user, uid)
    scope = scope_of(request.user)
    if request.method == "POST":
        try:
            clusters.cluster_close(actor=request.user, cluster=cluster)
            messages.success(request, _("The cluster warning is closed."))
        except clusters.ClusterRefused as refused:
            messages.error(request, refused.message)
        return redirect("tracing:cluster_detail", uid=cluster.uid)
    people = list(
        scope.people()
        .filter(pk__in=cluster.people.values("pk"))
        .select_related("unit")
        .order_by("unit__path", "number")
    )
    return render(
        request,
        "tracing/cluster_detail.html",
        {
            "cluster": cluster,
            "people": people,
            "proposals": clusters.cluster_contacts(cluster=cluster, scope=scope),
            "can_trace": scope.has(Perm.TRACE),
        },
    )
