"""Pages of the alerts app (thin: parse, call a service or selector, render).

The queue is a phone page: each alert a card with big 确认 / 关闭 buttons that HTMX swaps in
place; without JavaScript the same forms post and come back to the queue.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.alerts import selectors
from bastion.alerts.models import AlertState
from bastion.alerts.services import AlertRefused, alert_acknowledge, alert_close, missing_chase
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The owner's queue: alerts owned by or escalated to me, and my people not checked in."""
    scope = scope_of(request.user)
    if not scope.has(Perm.HANDLE_ALERTS):
        return redirect("alerts:mine")
    state = request.GET.get("state", AlertState.OPEN)
    if state not in selectors.STATES:
        state = AlertState.OPEN
    alerts = list(selectors.alert_queue(scope=scope, state=state)[:200])
    campaign = active_campaign()
    missing_count, missing = 0, []
    if campaign is not None:
        missing_count, missing = selectors.missing_in_reach(
            scope=scope, campaign=campaign, day=business_day()
        )
    return render(
        request,
        "alerts/queue.html",
        {
            "alerts": alerts,
            "state": state,
            "states": AlertState.choices,
            "counts": selectors.alert_queue_counts(scope=scope),
            "campaign": campaign,
            "missing": missing,
            "missing_count": missing_count,
            "may_handle": True,
            "show_phone": scope.has(Perm.VIEW_PHONE),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A person's own alerts, and who is looking after each."""
    person = request.user.person
    alerts = list(selectors.alerts_of_person(person=person)) if person else []
    return render(request, "alerts/mine.html", {"alerts": alerts})


@login_required
def detail(request: HttpRequest, uid) -> HttpResponse:
    """One alert and its history."""
    scope = scope_of(request.user)
    alert = selectors.alert_or_404(scope=scope, uid=uid)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "events": selectors.alert_events(alert=alert),
            "may_handle": scope.has(Perm.HANDLE_ALERTS),
        },
    )


def _back(request: HttpRequest, alert) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = ""
    return redirect(target or "alerts:detail", **({} if target else {"uid": alert.uid}))


def _act(request: HttpRequest, uid, action) -> HttpResponse:
    scope = scope_of(request.user)
    alert = selectors.alert_or_404(scope=scope, uid=uid)
    error = ""
    try:
        alert = action(alert=alert, note=request.POST.get("note", ""))
    except AlertRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        error = refused.message
    if request.headers.get("HX-Request"):
        alert = selectors.alert_or_404(scope=scope, uid=uid)
        return render(
            request,
            "alerts/_alert.html",
            {"alert": alert, "may_handle": True, "error": error},
            status=200 if not error else 422,
        )
    if error:
        messages.error(request, error)
    return _back(request, alert)


@login_required
@require_POST
def acknowledge(request: HttpRequest, uid) -> HttpResponse:
    """确认: the owner has the alert in hand; it stops escalating."""
    return _act(
        request,
        uid,
        lambda alert, note: alert_acknowledge(actor=request.user, alert=alert, note=note),
    )


@login_required
@require_POST
def close(request: HttpRequest, uid) -> HttpResponse:
    """关闭: what was done, and the alert is over."""
    return _act(
        request, uid, lambda alert, note: alert_close(actor=request.user, alert=alert, note=note)
    )


@login_required
@require_POST
def chase(request: HttpRequest) -> HttpResponse:
    """一键催办: remind every one of my people who has not checked in, now."""
    try:
        round_ = missing_chase(actor=request.user, now=timezone.now())
    except AlertRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        messages.error(request, refused.message)
        return redirect("alerts:queue")
    messages.success(
        request,
        _("Reminded %(n)d people by email; call those without an address.") % {"n": round_.people},
    )
    return redirect("alerts:queue")
