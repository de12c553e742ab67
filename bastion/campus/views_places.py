"""Pages of key places and visitors (thin: parse, call a service or selector, render): the
places in reach with how full they are, one place with today's log and the keeper's entry
form, the forms to set a place up, and the visitors with their registration form."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.campus import places as pl
from bastion.campus.models import AccessLog, Direction, KeyPlace, KeyPlaceKind, Visitor
from bastion.lib import idcard
from bastion.lib.days import SHANGHAI, business_day
from bastion.org.models import Unit

LOG_LIMIT = 200  # rows of a day's log on a place's page
LIST_LIMIT = 200  # visitors in each part of the list
# Up to this many units the place form offers a list; past it, the unit's code is typed.
UNIT_CHOICES_MAX = 300
# A visit registered at the gate lasts this long unless the form says otherwise.
VISIT_DEFAULT = dt.timedelta(hours=4)


def _place_or_404(request: HttpRequest, uid) -> KeyPlace:
    try:
        return pl.place_for(request.user, uid)
    except pl.PlaceRefused as exc:
        raise Http404 from exc


def _visitor_or_404(request: HttpRequest, uid) -> Visitor:
    try:
        return pl.visitor_for(request.user, uid)
    except pl.PlaceRefused as exc:
        raise Http404 from exc


# --- places ------------------------------------------------------------------------------------


@login_required
def place_list(request: HttpRequest) -> HttpResponse:
    """The key places the viewer keeps or guards, each with how many are inside."""
    scope = scope_of(request.user)
    if not (scope.has(Perm.GATE_CHECK) or scope.has(Perm.MANAGE_PLACES)):
        raise Http404
    return render(
        request,
        "campus/places.html",
        {
            "loads": pl.places_load(scope=scope),
            "may_add": pl.units_kept(scope=scope).exists(),
            "may_register": scope.has(Perm.REGISTER_VISITORS),
        },
    )


def _unit_choices(request: HttpRequest) -> list[Unit] | None:
    """The units the viewer may put a place in, or None when there are too many to list."""
    units = list(pl.units_kept(scope=scope_of(request.user))[: UNIT_CHOICES_MAX + 1])
    return None if len(units) > UNIT_CHOICES_MAX else units


def _unit_named(request: HttpRequest, code: str) -> Unit:
    unit = pl.units_kept(scope=scope_of(request.user)).filter(code=code.strip()).first()
    if unit is None:
        raise pl.PlaceRefused(_("No unit coded %(code)s is in your reach.") % {"code": code or "—"})
    return unit


def _place_form(
    request: HttpRequest,
    *,
    place: KeyPlace | None,
    form: dict,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "campus/places_form.html",
        {
            "place": place,
            "form": form,
            "units": _unit_choices(request),
            "kinds": KeyPlaceKind.choices,
            "error": error,
        },
        status=status,
    )


@login_required
def place_new(request: HttpRequest) -> HttpResponse:
    """Set up a key place of a unit the viewer keeps."""
    if not pl.units_kept(scope=scope_of(request.user)).exists():
        raise Http404
    if request.method != "POST":
        return _place_form(request, place=None, form={"kind": KeyPlaceKind.OFFICE})
    post = request.POST
    try:
        place = pl.key_place_add(
            actor=request.user,
            unit=_unit_named(request, post.get("unit", "")),
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            capacity=post.get("capacity", ""),
            dormitory=post.get("dormitory", ""),
        )
    except pl.PlaceRefused as exc:
        return _place_form(request, place=None, form=post, error=exc.message, status=exc.status)
    messages.success(request, _("Key place %(name)s set up.") % {"name": place.name})
    return redirect("campus:place_detail", uid=place.uid)


@login_required
def place_edit(request: HttpRequest, uid) -> HttpResponse:
    place = _place_or_404(request, uid)
    if not pl.place_may_manage(actor=request.user, place=place):
        raise Http404
    if request.method != "POST":
        form = {
            "unit": place.unit.code,
            "name": place.name,
            "kind": place.kind,
            "capacity": place.capacity,
            "dormitory": place.dormitory,
            "is_active": "1" if place.is_active else "",
        }
        return _place_form(request, place=place, form=form)
    post = request.POST
    try:
        pl.key_place_edit(
            actor=request.user,
            place=place,
            unit=_unit_named(request, post.get("unit", "")),
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            capacity=post.get("capacity", ""),
            dormitory=post.get("dormitory", ""),
            is_active=post.get("is_active") == "1",
        )
    except pl.PlaceRefused as exc:
        return _place_form(request, place=place, form=post, error=exc.message, status=exc.status)
    messages.success(request, _("Key place %(name)s saved.") % {"name": place.name})
    return redirect("campus:place_detail", uid=place.uid)


def _labelled(logs) -> list[AccessLog]:
    """Each row with who it names: a person's number, a visitor's code, or nobody."""
    logs = list(logs)
    for log in logs:
        if log.person is not None:
            log.who, log.who_id = log.person.name, log.person.number
        elif log.visitor is not None:
            log.who, log.who_id = log.visitor.name, pl.visitor_code(log.visitor)
        else:
            log.who, log.who_id = "—", ""
    return logs


def _place_page(
    request: HttpRequest, place: KeyPlace, *, error: str = "", status: int = 200
) -> HttpResponse:
    today = business_day()
    logs = pl.place_log_day(place=place, day=today)
    may_manage = pl.place_may_manage(actor=request.user, place=place)
    load = pl.PlaceLoad(place, place.occupancy, place.capacity)
    return render(
        request,
        "campus/places_detail.html",
        {
            "place": place,
            "load": load,
            "today": today,
            "logs": _labelled(logs[:LOG_LIMIT]),
            "log_count": logs.count(),
            "log_limit": LOG_LIMIT,
            "may_log": pl.place_may_log(actor=request.user, place=place),
            "may_manage": may_manage,
            "allowed": list(place.allowed.select_related("unit").order_by("number"))
            if may_manage
            else [],
            "no_visitors": place.kind in pl.NO_VISITORS,
            "error": error,
        },
        status=status,
    )


@login_required
def place_detail(request: HttpRequest, uid) -> HttpResponse:
    """A place: how full it is, today's log, the entry form, and who may enter."""
    return _place_page(request, _place_or_404(request, uid))


@login_required
@require_POST
def place_pass(request: HttpRequest, uid) -> HttpResponse:
    """Log an entry or an exit by a person's number or a visitor's code; the answer (admitted
    or refused, with the reason) shows at the top of the place's page."""
    place = _place_or_404(request, uid)
    direction = request.POST.get("direction", "")
    try:
        log = pl.place_pass_by_code(
            actor=request.user,
            place=place,
            direction=direction,
            code=request.POST.get("code", ""),
            now=timezone.now(),
        )
    except pl.PlaceRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _place_page(request, place, error=exc.message, status=exc.status)
    if log.direction == Direction.OUT:
        messages.success(request, _("Exit logged: %(reason)s") % {"reason": log.reason})
    elif log.admitted:
        messages.success(request, _("Admitted: %(reason)s") % {"reason": log.reason})
    else:
        messages.error(request, _("Refused: %(reason)s") % {"reason": log.reason})
    return redirect("campus:place_detail", uid=place.uid)


PLACE_ACTIONS = ("allow", "disallow", "recount")


@login_required
@require_POST
def place_act(request: HttpRequest, uid, action: str) -> HttpResponse:
    """Change who may also enter, or correct the count, from the place's page."""
    if action not in PLACE_ACTIONS:
        raise Http404
    place = _place_or_404(request, uid)
    post, user = request.POST, request.user
    try:
        if action == "allow":
            n = pl.key_place_allow(actor=user, place=place, numbers=post.get("numbers", ""))
            message = _("%(n)d added to the list.") % {"n": n}
        elif action == "disallow":
            n = pl.key_place_disallow(actor=user, place=place, numbers=post.getlist("number"))
            message = _("%(n)d taken off the list.") % {"n": n}
        else:
            pl.key_place_recount(actor=user, place=place, occupancy=post.get("occupancy", ""))
            message = _("Count set to %(n)d.") % {"n": place.occupancy}
    except pl.PlaceRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _place_page(request, place, error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("campus:place_detail", uid=place.uid)


# --- visitors ----------------------------------------------------------------------------------


def _coded(visitors) -> list[Visitor]:
    visitors = list(visitors)
    for visitor in visitors:
        visitor.code = pl.visitor_code(visitor)
    return visitors


@login_required
def visitor_list(request: HttpRequest) -> HttpResponse:
    """The visitors in reach: those on campus now and those to come (?show=ended: the past)."""
    scope = scope_of(request.user)
    if not (scope.has(Perm.REGISTER_VISITORS) or scope.has(Perm.GATE_CHECK)):
        raise Http404
    show = request.GET.get("show", "")
    if show not in ("", "ended"):
        raise Http404
    now = timezone.now()
    visitors = pl.visitors_visible(actor=request.user)
    context = {"show": show, "may_register": scope.has(Perm.REGISTER_VISITORS), "now": now}
    if show == "ended":
        context["ended"] = _coded(pl.visitors_ended(visitors, now=now)[:LIST_LIMIT])
    else:
        context["current"] = _coded(pl.visitors_current(visitors, now=now)[:LIST_LIMIT])
        context["upcoming"] = _coded(pl.visitors_upcoming(visitors, now=now)[:LIST_LIMIT])
    return render(request, "campus/visitors.html", context)


def _local_input(moment: dt.datetime) -> str:
    """A moment as a datetime-local input shows it, in Shanghai."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _visitor_form(
    request: HttpRequest, *, form: dict, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request, "campus/visitors_form.html", {"form": form, "error": error}, status=status
    )


@login_required
def visitor_new(request: HttpRequest) -> HttpResponse:
    """Register a visitor with a host and a window of time."""
    if not scope_of(request.user).has(Perm.REGISTER_VISITORS):
        raise Http404
    now = timezone.now()
    if request.method != "POST":
        start = now.replace(second=0, microsecond=0)
        return _visitor_form(
            request,
            form={
                "valid_from": _local_input(start),
                "valid_until": _local_input(start + VISIT_DEFAULT),
            },
        )
    post = request.POST
    try:
        visitor = pl.visitor_register(
            actor=request.user,
            host_number=post.get("host", ""),
            name=post.get("name", ""),
            phone=post.get("phone", ""),
            id_number=post.get("id_number", ""),
            organization=post.get("organization", ""),
            purpose=post.get("purpose", ""),
            valid_from=post.get("valid_from", ""),
            valid_until=post.get("valid_until", ""),
            now=now,
        )
    except pl.PlaceRefused as exc:
        return _visitor_form(request, form=post, error=exc.message, status=exc.status)
    messages.success(
        request,
        _("%(name)s registered; their code at the gate is %(code)s.")
        % {"name": visitor.name, "code": pl.visitor_code(visitor)},
    )
    return redirect("campus:visitor_detail", uid=visitor.uid)


def _visitor_page(
    request: HttpRequest, visitor: Visitor, *, error: str = "", status: int = 200
) -> HttpResponse:
    scope = scope_of(request.user)
    now = timezone.now()
    state = pl.visitor_state(visitor, now=now)
    logs = visitor.access_logs.select_related("place", "checked_by", "checked_by__person")
    return render(
        request,
        "campus/visitors_detail.html",
        {
            "v": visitor,
            "code": pl.visitor_code(visitor),
            "state": state,
            "logs": list(logs.order_by("-at", "-pk")[:LOG_LIMIT]),
            "phone": visitor.phone
            if scope.has(Perm.VIEW_PHONE)
            else idcard.mask_phone(visitor.phone),
            "id_number": visitor.id_number
            if scope.has(Perm.VIEW_ID_NUMBER)
            else idcard.mask(visitor.id_number),
            "may_revoke": state in ("upcoming", "current")
            and pl.visitor_may_revoke(actor=request.user, visitor=visitor),
            "error": error,
        },
        status=status,
    )


@login_required
def visitor_detail(request: HttpRequest, uid) -> HttpResponse:
    """A visitor: who, whose guest, when, their code, and where they went."""
    return _visitor_page(request, _visitor_or_404(request, uid))


@login_required
@require_POST
def visitor_revoke(request: HttpRequest, uid) -> HttpResponse:
    visitor = _visitor_or_404(request, uid)
    try:
        pl.visitor_revoke(actor=request.user, visitor=visitor, now=timezone.now())
    except pl.PlaceRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        return _visitor_page(request, visitor, error=exc.message, status=exc.status)
    messages.success(request, _("The visit of %(name)s is revoked.") % {"name": visitor.name})
    return redirect("campus:visitor_detail", uid=visitor.uid)
