"""Supplies pages: the stock, an item's ledger (and its xlsx), receiving, requesting, the
keepers' queue (approve, reject, issue), returns and count corrections."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_export
from bastion.lib.lookup import by_uid
from bastion.org.models import Unit
from bastion.supplies import selectors
from bastion.supplies import services as sv
from bastion.supplies.export import ledger_columns, ledger_row, ledger_xlsx
from bastion.supplies.models import Store, SupplyItem, SupplyRequest

LISTED = 200  # rows on a page; the xlsx holds them all


class _NoDuty(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "supplies/refused.html", {"reason": reason}, status=403)


def _keeper(request: HttpRequest) -> None:
    if not scope_of(request.user).has(Perm.KEEP_SUPPLIES):
        raise _NoDuty(_("Only the keepers of the stores (the University Office) may do this."))


def _requester(request: HttpRequest) -> None:
    if not scope_of(request.user).has(Perm.REQUEST_SUPPLIES):
        raise _NoDuty(
            _("Requesting supplies is for college leaders, Party secretaries and lab heads.")
        )


def duty(check):
    """A page for those with a duty: without it, 403 with the reason."""

    def wrap(view):
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                check(request)
            except _NoDuty as no:
                return _refused(request, no.reason)
            return view(request, *args, **kwargs)

        inner.__name__ = view.__name__
        inner.__doc__ = view.__doc__
        return login_required(inner)

    return wrap


def _either(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.has(Perm.KEEP_SUPPLIES) or scope.has(Perm.REQUEST_SUPPLIES)):
        raise _NoDuty(_("Supplies are for the keepers of the stores and those who request."))


def _picked(model, uid: str):
    """A store, item or unit chosen in a form, by uid (a unit by its code)."""
    if model is Unit:
        found = Unit.objects.filter(code=uid).first()
        if found is None:
            raise sv.SupplyRefused(_("Choose a unit."))
        return found
    return by_uid(model.objects.all(), uid, missing=lambda: sv.SupplyRefused(_("Choose one.")))


def _links(request: HttpRequest) -> list[tuple[str, str]]:
    scope = scope_of(request.user)
    links = [("supplies:stock", _("Stock"))]
    if scope.has(Perm.REQUEST_SUPPLIES):
        links.append(("supplies:request", _("Request supplies")))
    if scope.has(Perm.KEEP_SUPPLIES):
        links += [
            ("supplies:queue", _("Requests to handle")),
            ("supplies:receive", _("Receive")),
            ("supplies:return", _("Take back")),
            ("supplies:adjust", _("Correct a count")),
        ]
    return links


@duty(_either)
def stock(request: HttpRequest) -> HttpResponse:
    """Every item's stock per store, low ones flagged."""
    return render(
        request,
        "supplies/stock.html",
        {
            "rows": selectors.stock_overview(),
            "links": _links(request),
            "keeper": scope_of(request.user).has(Perm.KEEP_SUPPLIES),
        },
    )


@duty(_keeper)
def ledger(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    item = by_uid(SupplyItem.objects.all(), uid)
    movements = selectors.item_ledger(item)
    count = movements.count()
    shown = movements[max(count - LISTED, 0) :] if count > LISTED else movements
    return render(
        request,
        "supplies/ledger.html",
        {
            "item": item,
            "columns": [header for header, _width in ledger_columns()],
            "rows": [ledger_row(m) for m in shown],
            "count": count,
            "limit": LISTED,
        },
    )


@duty(_keeper)
def ledger_download(request: HttpRequest, uid: uuid.UUID) -> FileResponse:
    item = by_uid(SupplyItem.objects.all(), uid)
    now = timezone.now()
    user = request.user
    exporter = user.person.name if user.person_id else user.get_username()
    data = ledger_xlsx(
        item=item,
        movements=selectors.item_ledger(item),
        exporter=exporter,
        now=now,
        stamp=audit_export(request, what="supplies.supplymovement", filters={"item": item.uid}),
    )
    name = f"{_('Ledger')}-{item.name}-{timezone.localdate(now).isoformat()}.xlsx"
    return FileResponse(data, as_attachment=True, filename=name)


def _movement_page(request: HttpRequest, *, kind: str, title: str, act) -> HttpResponse:
    """The form of a receipt, a return or a count correction, and its handling."""
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            store = _picked(Store, post.get("store", ""))
            item = _picked(SupplyItem, post.get("item", ""))
            act(post, store=store, item=item)
        except sv.SupplyRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Recorded."))
            return redirect("supplies:ledger", uid=item.uid)
    return render(
        request,
        "supplies/movement_form.html",
        {
            "kind": kind,
            "title": title,
            "error": error,
            "form": request.POST,
            "stores": selectors.stores(),
            "items": selectors.items(),
            "units": Unit.objects.order_by("path") if kind == "return" else [],
        },
    )


@duty(_keeper)
def receive(request: HttpRequest) -> HttpResponse:
    def act(post, *, store, item):
        sv.stock_receive(
            actor=request.user,
            store=store,
            item=item,
            quantity=post.get("quantity", ""),
            note=post.get("note", ""),
        )

    return _movement_page(request, kind="receipt", title=_("Receive into stock"), act=act)


@duty(_keeper)
def take_back(request: HttpRequest) -> HttpResponse:
    def act(post, *, store, item):
        sv.supply_return(
            actor=request.user,
            store=store,
            item=item,
            quantity=post.get("quantity", ""),
            unit=_picked(Unit, post.get("unit", "")),
            note=post.get("note", ""),
        )

    return _movement_page(request, kind="return", title=_("Take back into stock"), act=act)


@duty(_keeper)
def adjust(request: HttpRequest) -> HttpResponse:
    def act(post, *, store, item):
        sv.stock_adjust(
            actor=request.user,
            store=store,
            item=item,
            counted=post.get("counted", ""),
            reason=post.get("note", ""),
        )

    return _movement_page(request, kind="adjustment", title=_("Correct a count"), act=act)


@duty(_requester)
def request_form(request: HttpRequest) -> HttpResponse:
    """A requester asks for supplies for one of their units, and sees their units' requests."""
    units = sv.requestable_units(request.user)
    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            unit = next((u for u in units if u.code == post.get("unit", "")), None)
            if unit is None:
                raise sv.SupplyRefused(_("Choose a unit."))
            sv.supply_request(
                actor=request.user,
                unit=unit,
                item=_picked(SupplyItem, post.get("item", "")),
                quantity=post.get("quantity", ""),
                purpose=post.get("purpose", ""),
            )
        except sv.SupplyRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Your request is in."))
            return redirect("supplies:request")
    return render(
        request,
        "supplies/request.html",
        {
            "units": units,
            "items": selectors.items(),
            "error": error,
            "form": request.POST,
            "mine": list(selectors.requests_of_units(units)[:LISTED]),
        },
    )


@duty(_keeper)
def queue(request: HttpRequest) -> HttpResponse:
    """The keepers' desk: requests to decide, then approved ones to issue in priority order."""
    return render(
        request,
        "supplies/queue.html",
        {
            "pending": list(selectors.requests_to_decide()[:LISTED]),
            "approved": list(selectors.allocation_queue()[:LISTED]),
            "stores": list(selectors.stores()),
        },
    )


def _request_or_404(uid: uuid.UUID) -> SupplyRequest:
    return by_uid(SupplyRequest.objects.select_related("unit", "item"), uid)


@require_POST
@duty(_keeper)
def decide(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    supply = _request_or_404(uid)
    try:
        sv.request_decide(
            actor=request.user,
            request=supply,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except sv.SupplyRefused as refused:
        messages.error(request, f"{supply.unit.name}：{refused.message}")
    else:
        messages.success(request, _("Decision recorded for %(unit)s.") % {"unit": supply.unit})
    return redirect("supplies:queue")


@require_POST
@duty(_keeper)
def issue(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    supply = _request_or_404(uid)
    try:
        sv.supply_issue(
            actor=request.user,
            store=_picked(Store, request.POST.get("store", "")),
            item=supply.item,
            quantity=request.POST.get("quantity", supply.quantity),
            unit=supply.unit,
            request=supply,
            note=request.POST.get("note", ""),
        )
    except sv.SupplyRefused as refused:
        messages.error(request, f"{supply.unit.name}：{refused.message}")
    else:
        messages.success(request, _("Issued to %(unit)s.") % {"unit": supply.unit})
    return redirect("supplies:queue")
