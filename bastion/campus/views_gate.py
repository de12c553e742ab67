"""The pass on a person's phone, the gate page that checks it, and the gate's log."""

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bastion.campus.gate import (
    access_log_visible,
    gate_check,
    may_check,
    pass_issue,
    pass_svg,
    standing,
)
from bastion.campus.models import Direction
from bastion.campus.passes import LIFETIME, PassRefused, public_jwk


def _own(request: HttpRequest):
    person = request.user.person
    if person is None:
        raise Http404
    return person


def _pass_json(person) -> dict:
    now = timezone.now()
    code = pass_issue(person=person, now=now)
    now_standing = standing(person=person, now=now)
    return {
        "code": code,
        "svg": pass_svg(code),
        "colour": now_standing.colour,
        "reason": now_standing.reason,
        "expires": int(now.timestamp()) + LIFETIME,
    }


@login_required
@never_cache
def my_pass(request: HttpRequest) -> HttpResponse:
    """The phone's pass: the QR code, its colour and why; it refreshes itself."""
    person = _own(request)
    return render(request, "campus/pass.html", {"person": person, "gate_pass": _pass_json(person)})


@login_required
@never_cache
def my_pass_code(request: HttpRequest) -> JsonResponse:
    """A fresh code for the pass page (fetched every half minute)."""
    return JsonResponse(_pass_json(_own(request)))


@login_required
def gate(request: HttpRequest) -> HttpResponse:
    """The gate page for a phone or tablet: takes the code (a scanner types it, or the camera
    reads it), verifies it offline with the public key, then asks the server, which decides
    with what it knows now and logs the attempt."""
    if not may_check(request.user):
        raise Http404
    return render(
        request,
        "campus/gate.html",
        {"jwk": json.dumps(public_jwk()), "directions": Direction.choices},
    )


@login_required
@require_POST
def gate_check_view(request: HttpRequest) -> JsonResponse:
    """JSON in, JSON out: {code, direction, gate} → {admitted, reason, name, number, colour}."""
    if not may_check(request.user):
        raise Http404
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": _("The request is not JSON.")}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"detail": _("The request is not JSON.")}, status=400)
    # A gate that checked offline sends its attempts later, with the moment it checked them:
    # the pass is judged at that moment (within the last day, never in the future).
    now = timezone.now()
    at = data.get("offline_at")
    if isinstance(at, int | float) and now.timestamp() - 86400 <= at <= now.timestamp():
        now = dt.datetime.fromtimestamp(at, tz=dt.UTC)
    try:
        answer = gate_check(
            actor=request.user,
            code=str(data.get("code", "")),
            direction=str(data.get("direction", "in")),
            gate=str(data.get("gate", ""))[:50],
            now=now,
        )
    except PassRefused as refused:
        return JsonResponse({"detail": refused.message}, status=refused.status)
    return JsonResponse(
        {
            "admitted": answer.admitted,
            "reason": answer.reason,
            "name": answer.name,
            "number": answer.number,
            "colour": answer.colour,
            "log": answer.log_uid,
        }
    )


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """The log of the gates and key places, newest first, in the actor's reach."""
    entries = access_log_visible(actor=request.user)
    if request.GET.get("refused"):
        entries = entries.filter(admitted=False)
    number = (request.GET.get("person") or "").strip()
    if number:
        entries = entries.filter(person__number=number)
    entries = entries.select_related("person", "visitor", "place", "checked_by").order_by("-at")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "campus/access_log.html", {"page": page, "number": number})
