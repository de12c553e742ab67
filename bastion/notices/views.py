"""Notice pages: my notices (phone first), one notice (read on opening, acknowledged with a
tap), compose and publish, a notice's receipts per unit with one-tap chase, the knowledge
page with search."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import scope_of
from bastion.notices.models import NoticeKind
from bastion.notices.selectors import (
    knowledge,
    my_receipts,
    my_unread_count,
    notice_for_reader,
    notice_managed,
    notices_managed,
    receipts_by_unit,
    receipts_pending,
)
from bastion.notices.services import (
    NoticeRefused,
    held_party_orgs,
    held_units,
    notice_acknowledge,
    notice_chase,
    notice_publish,
    notice_read,
    notice_withdraw,
)

LISTED = 300  # rows shown on a page; the counts say how many there are


def _person(request: HttpRequest):
    person = request.user.person
    if person is None:
        raise Http404
    return person


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My notices: the unread first."""
    person = _person(request)
    scope = scope_of(request.user)
    receipts = list(my_receipts(person)[:LISTED])
    return render(
        request,
        "notices/mine.html",
        {
            "receipts": receipts,
            "unread": my_unread_count(person),  # all of them, not only those listed
            "may_publish": scope.has(Perm.PUBLISH_NOTICES),
            "may_handle_sentiment": scope.has(Perm.HANDLE_SENTIMENT),
        },
    )


@login_required
def detail(request: HttpRequest, uid) -> HttpResponse:
    """One notice; opening it marks it read."""
    person = _person(request)
    notice, receipt = notice_for_reader(person, uid)
    receipt = notice_read(person=person, notice=notice, now=timezone.now())
    return render(request, "notices/detail.html", {"notice": notice, "receipt": receipt})


@login_required
@require_POST
def acknowledge(request: HttpRequest, uid) -> HttpResponse:
    person = _person(request)
    notice, _receipt = notice_for_reader(person, uid)
    try:
        notice_acknowledge(person=person, notice=notice, now=timezone.now())
    except NoticeRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Acknowledged. Thank you."))
    return redirect("notices:detail", uid=notice.uid)


def _publisher(request: HttpRequest):
    scope = scope_of(request.user)
    if not scope.has(Perm.PUBLISH_NOTICES):
        raise PermissionDenied(_("You may not publish notices."))
    return scope


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    """Write and publish a notice to an audience the author holds."""
    scope = _publisher(request)
    error = ""
    typed = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        audience = {
            "units": request.POST.getlist("units"),
            "party_orgs": request.POST.getlist("party_orgs"),
            "roles": request.POST.getlist("roles"),
            "students": request.POST.get("students") == "on",
            "staff": request.POST.get("staff") == "on",
        }
        try:
            notice = notice_publish(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                audience=audience,
                requires_ack=request.POST.get("requires_ack") == "on",
                now=timezone.now(),
            )
        except NoticeRefused as refused:
            error = refused.message
        else:
            messages.success(
                request,
                _("Published to %(n)d people.") % {"n": notice.receipts.count()},
            )
            return redirect("notices:receipts", uid=notice.uid)
    return render(
        request,
        "notices/compose.html",
        {
            "error": error,
            "typed": typed,
            "chosen_units": set(request.POST.getlist("units")),
            "chosen_orgs": set(request.POST.getlist("party_orgs")),
            "chosen_roles": set(request.POST.getlist("roles")),
            "kinds": NoticeKind.choices,
            "units": list(held_units(scope).order_by("path")[:LISTED]),
            "party_orgs": list(held_party_orgs(scope).order_by("path")[:LISTED]),
            "roles": Role.choices if scope.everyone else [],
            "may_students": scope.everyone or scope.all_students,
            "may_staff": scope.everyone or scope.all_staff,
        },
    )


@login_required
def sent(request: HttpRequest) -> HttpResponse:
    """The notices this actor follows: their own and those reaching their people."""
    scope = _publisher(request)
    notices = notices_managed(scope, request.user).order_by("-published_at", "-pk")[:LISTED]
    return render(request, "notices/sent.html", {"notices": notices})


def _unit_picked(request: HttpRequest, scope):
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if not code:
        return None
    unit = held_units(scope).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


@login_required
def receipts(request: HttpRequest, uid) -> HttpResponse:
    """A notice's receipts per unit within reach, the list of those who have not, and the
    button that chases them all."""
    notice = notice_managed(request.user, uid)
    scope = scope_of(request.user)
    unit = _unit_picked(request, scope)
    by_unit = receipts_by_unit(scope=scope, notice=notice)
    pending = receipts_pending(scope=scope, notice=notice, unit=unit)
    return render(
        request,
        "notices/receipts.html",
        {
            "notice": notice,
            "unit": unit,
            "by_unit": by_unit,
            "totals": {
                "total": sum(r.total for r in by_unit),
                "read": sum(r.read for r in by_unit),
                "acknowledged": sum(r.acknowledged for r in by_unit),
            },
            "pending": pending[:LISTED],
            "pending_count": pending.count(),
            "may_chase": scope.has(Perm.PUBLISH_NOTICES) or notice.author_id == request.user.pk,
            "may_withdraw": notice.withdrawn_at is None
            and (notice.author_id == request.user.pk or scope.everyone),
        },
    )


@login_required
@require_POST
def chase(request: HttpRequest, uid) -> HttpResponse:
    notice = notice_managed(request.user, uid)
    unit = _unit_picked(request, scope_of(request.user))
    try:
        n = notice_chase(actor=request.user, notice=notice, unit=unit, now=timezone.now())
    except NoticeRefused as refused:
        if refused.status == 403:
            raise PermissionDenied(refused.message) from None
        messages.error(request, refused.message)
    else:
        if n:
            messages.success(request, _("Reminded %(n)d people.") % {"n": n})
        else:
            messages.info(
                request, _("Nobody to remind: everyone has, or was reminded within the hour.")
            )
    target = redirect("notices:receipts", uid=notice.uid)
    if unit is not None:
        target["Location"] += f"?unit={unit.code}"
    return target


@login_required
@require_POST
def withdraw(request: HttpRequest, uid) -> HttpResponse:
    notice = notice_managed(request.user, uid)
    try:
        notice_withdraw(actor=request.user, notice=notice, now=timezone.now())
    except NoticeRefused as refused:
        raise PermissionDenied(refused.message) from None
    messages.success(request, _("Notice withdrawn."))
    return redirect("notices:receipts", uid=notice.uid)


@login_required
def knowledge_page(request: HttpRequest) -> HttpResponse:
    """Current guidance: prevention knowledge and policy in force, searchable."""
    query = request.GET.get("q", "")[:100]
    found = knowledge(query)
    return render(
        request,
        "notices/knowledge.html",
        {"query": query, "notices": found[:LISTED], "count": found.count()},
    )
