"""Pages of leave (请假/出校), thin: "my leave" (apply from a phone, see one's applications and
withdraw one), and the approver's queue (decide pending leaves one by one; see who is out,
the overdue first)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.campus import leave as lv
from bastion.campus.models import LeaveApplication, LeaveState
from bastion.checkins.views import division_picked, division_selects
from bastion.lib.days import SHANGHAI
from bastion.lib.divisions import full_name
from bastion.org.models import Person

LISTED = 50
QUEUE_LIMIT = 100
FIELDS = ("reason", "destination", "leaves_at", "returns_by")


def _person(request: HttpRequest) -> Person:
    """Whose leave: the caller's own, or ?person=NUMBER for one who may approve it (404 out
    of reach)."""
    number = (request.GET.get("person") or request.POST.get("person") or "").strip()
    if not number:
        if request.user.person is None:
            raise Http404
        return request.user.person
    person = scope_of(request.user).people().filter(number=number).first()
    if person is None or not lv.leave_may_apply(actor=request.user, person=person):
        raise Http404
    return person


def _mine_url(person: Person, *, own: bool) -> str:
    url = reverse("campus:leave")
    return url if own else f"{url}?person={person.number}"


@login_required
def leave_mine(request: HttpRequest) -> HttpResponse:
    """My leave: the form (phone first) and my applications with their state."""
    user = request.user
    person = _person(request)
    own = person.pk == user.person_id
    campaign = active_campaign()
    error, status = "", 200
    typed = {name: request.POST.get(name, "") for name in FIELDS}
    division = division_picked(request.POST)
    if request.method == "POST":
        try:
            leave = lv.leave_apply(
                actor=user,
                person=person,
                campaign=campaign,
                division=division,
                client_id=request.POST.get("client_id", ""),
                **typed,
            )
        except lv.LeaveRefused as refused:
            if refused.status == 404:
                raise Http404 from refused
            error, status = refused.message, refused.status
        else:
            messages.success(
                request,
                _("Leave to %(destination)s applied for: it awaits approval.")
                % {"destination": leave.destination},
            )
            return redirect(_mine_url(person, own=own))
    now = timezone.now()
    grace = lv.leave_grace(campaign) if campaign is not None else None
    listed = lv.leaves_visible(scope=scope_of(user)).filter(person=person)[:LISTED]
    rows = [
        {
            "leave": leave,
            "place": full_name(leave.division) if leave.division else "",
            "overdue": grace is not None and lv.leave_is_overdue(leave, now=now, grace=grace),
            "may_withdraw": own
            and leave.state in (LeaveState.PENDING, LeaveState.APPROVED)
            and leave.out_at is None,
        }
        for leave in listed
    ]
    return render(
        request,
        "campus/leave.html",
        {
            "person": person,
            "own": own,
            "campaign": campaign,
            "typed": typed,
            "selects": division_selects(division),
            "divisions_url": reverse("api:division_list"),
            "client_id": request.POST.get("client_id") or uuid.uuid4(),
            "earliest": now.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            "rows": rows,
            "error": error,
            "may_approve": scope_of(user).has(Perm.APPROVE_LEAVE),
        },
        status=status,
    )


def _leave_or_404(request: HttpRequest, uid) -> LeaveApplication:
    try:
        return lv.leave_for(request.user, uid)
    except lv.LeaveRefused as exc:
        raise Http404 from exc


@login_required
@require_POST
def leave_withdraw(request: HttpRequest, uid) -> HttpResponse:
    """The applicant withdraws a leave not yet used."""
    leave = _leave_or_404(request, uid)
    try:
        lv.leave_withdraw(actor=request.user, leave=leave)
    except lv.LeaveRefused as refused:
        if refused.status == 404:
            raise Http404 from refused
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Leave withdrawn."))
    return redirect("campus:leave")


def _queue(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    if not scope_of(user).has(Perm.APPROVE_LEAVE):
        raise Http404
    now = timezone.now()
    pending = list(lv.leaves_to_decide(actor=user)[:QUEUE_LIMIT])
    out, graces = [], {}
    for leave in lv.leaves_out(actor=user)[: QUEUE_LIMIT * 2]:
        if leave.campaign_id not in graces:
            graces[leave.campaign_id] = lv.leave_grace(leave.campaign)
        grace = graces[leave.campaign_id]
        out.append({"leave": leave, "overdue": lv.leave_is_overdue(leave, now=now, grace=grace)})
    out.sort(key=lambda row: not row["overdue"])
    return render(
        request,
        "campus/leave_queue.html",
        {
            "pending": [
                (leave, full_name(leave.division) if leave.division else "") for leave in pending
            ],
            "pending_count": lv.leaves_to_decide(actor=user).count(),
            "out": out,
            "overdue_count": sum(1 for row in out if row["overdue"]),
            "limit": QUEUE_LIMIT,
            "error": error,
        },
        status=status,
    )


@login_required
def leave_queue(request: HttpRequest) -> HttpResponse:
    """The approver's queue: pending leaves in reach, one by one; those out, the overdue
    first."""
    return _queue(request)


@login_required
@require_POST
def leave_decide(request: HttpRequest, uid) -> HttpResponse:
    """Approve or reject one leave (a rejection says why)."""
    leave = _leave_or_404(request, uid)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        return _queue(request, error=_("Choose to approve or to reject."), status=400)
    try:
        leave = lv.leave_decide(
            actor=request.user,
            leave=leave,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except lv.LeaveRefused as refused:
        if refused.status == 404:
            raise Http404 from refused
        return _queue(request, error=refused.message, status=refused.status)
    if leave.state == LeaveState.APPROVED:
        message = _("Leave of %(name)s approved; they have been told.")
    else:
        message = _("Leave of %(name)s rejected; they have been told why.")
    messages.success(request, message % {"name": leave.person.name})
    return redirect("campus:leave_queue")
