"""Pages of community liaison (contacts, hand-overs) and student care (my requests, the
counselor's queue). Thin: parse, call one service or selector, render."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.liaison import selectors
from bastion.liaison.models import CareRequestState, ContactKind, NeedKind
from bastion.liaison.services import (
    LiaisonRefused,
    care_done,
    care_request,
    care_take,
    contact_add,
    contact_deactivate,
    contact_edit,
    handover_acknowledge,
    handover_record,
    may_keep_unit,
)
from bastion.lib.lookup import by_uid
from bastion.org.models import PersonKind

LISTED = 200


def _refused(refused: LiaisonRefused) -> None:
    """A refusal's status as the page's answer when there is no form to show it beside."""
    if refused.status == 404:
        raise Http404
    if refused.status == 403:
        raise PermissionDenied(refused.message)


def _need_perm(request: HttpRequest, perm: Perm) -> None:
    if not scope_of(request.user).has(perm):
        raise PermissionDenied(_("This page is for those with the duty."))


# --- contacts -------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The units whose contacts the actor keeps, and the home isolations to hand over."""
    _need_perm(request, Perm.LIAISON)
    return render(
        request,
        "liaison/home.html",
        {
            "units": selectors.units_kept(request.user)[:LISTED],
            "isolations": selectors.home_isolations(request.user)[:LISTED],
        },
    )


def _contact_values(post) -> dict[str, str]:
    return {
        field: post.get(field, "")
        for field in ("kind", "organization", "name", "phone", "division", "note")
    }


@login_required
def unit_contacts(request: HttpRequest, code: str) -> HttpResponse:
    """A unit's contacts, with those inherited from the units above it; the add form."""
    unit = scope_of(request.user).units().filter(code=code).first()
    if unit is None:
        raise Http404
    _need_perm(request, Perm.LIAISON)
    keeps = may_keep_unit(request.user, unit)
    typed: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        typed = _contact_values(request.POST)
        try:
            contact_add(actor=request.user, unit=unit, **typed)
        except LiaisonRefused as refused:
            _refused(refused)
            error = refused.message
        else:
            messages.success(request, _("Contact added."))
            return redirect("liaison:unit", code=unit.code)
    contacts = list(selectors.contacts_for_unit(unit))
    kept = set(selectors.units_kept(request.user).values_list("pk", flat=True))
    return render(
        request,
        "liaison/unit.html",
        {
            "unit": unit,
            "rows": [(c, c.unit_id in kept) for c in contacts],
            "keeps": keeps,
            "kinds": ContactKind.choices,
            "typed": typed,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def contact_edit_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    contact = by_uid(selectors.contacts_seen(request.user), uid)
    error = ""
    typed = {
        "kind": contact.kind,
        "organization": contact.organization,
        "name": contact.name,
        "phone": contact.phone,
        "division": contact.division,
        "note": contact.note,
    }
    if request.method == "POST":
        typed = _contact_values(request.POST)
        try:
            contact_edit(actor=request.user, contact=contact, **typed)
        except LiaisonRefused as refused:
            _refused(refused)
            error = refused.message
        else:
            messages.success(request, _("Contact saved."))
            return redirect("liaison:unit", code=contact.unit.code)
    elif not may_keep_unit(request.user, contact.unit):
        raise PermissionDenied(_("You do not keep the contacts of this unit."))
    return render(
        request,
        "liaison/contact_form.html",
        {"contact": contact, "kinds": ContactKind.choices, "typed": typed, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def contact_deactivate_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    contact = by_uid(selectors.contacts_seen(request.user), uid)
    try:
        contact_deactivate(actor=request.user, contact=contact)
    except LiaisonRefused as refused:
        _refused(refused)
        raise
    messages.success(request, _("Contact retired."))
    return redirect("liaison:unit", code=contact.unit.code)


# --- hand-overs -------------------------------------------------------------------------------


@login_required
def isolation_handovers(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """An isolation's hand-overs to the community, and the form to record one."""
    isolation = by_uid(selectors.isolations_seen(request.user), uid)
    _need_perm(request, Perm.LIAISON)
    if request.user.person_id == isolation.person_id:
        raise PermissionDenied(_("This page is for those with the duty."))
    error = ""
    typed: dict[str, str] = {}
    contacts = list(selectors.contacts_for_unit(isolation.person.unit))
    if request.method == "POST":
        typed = {"contact": request.POST.get("contact", ""), "note": request.POST.get("note", "")}
        contact = next((c for c in contacts if str(c.uid) == typed["contact"]), None)
        try:
            if contact is None:
                raise LiaisonRefused(_("Choose an active contact of this person's units."))
            handover_record(
                actor=request.user, isolation=isolation, contact=contact, note=typed["note"]
            )
        except LiaisonRefused as refused:
            _refused(refused)
            error = refused.message
        else:
            messages.success(request, _("Hand-over recorded."))
            return redirect("liaison:isolation", uid=isolation.uid)
    return render(
        request,
        "liaison/isolation.html",
        {
            "isolation": isolation,
            "person": isolation.person,
            "handovers": selectors.handovers_of(isolation),
            "contacts": contacts,
            "typed": typed,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def handover_acknowledge_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    handover = by_uid(selectors.handovers_seen(request.user), uid)
    try:
        handover_acknowledge(actor=request.user, handover=handover)
    except LiaisonRefused as refused:
        _refused(refused)
        raise
    messages.success(request, _("Acknowledgement recorded."))
    return redirect("liaison:isolation", uid=handover.isolation.uid)


# --- student care -----------------------------------------------------------------------------


@login_required
def my_care(request: HttpRequest) -> HttpResponse:
    """A student's requests for care, and the form (phone first)."""
    person = request.user.person
    if person is None or person.kind != PersonKind.STUDENT:
        raise Http404
    error = ""
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {"kind": request.POST.get("kind", ""), "detail": request.POST.get("detail", "")}
        try:
            care_request(
                actor=request.user,
                person=person,
                client_id=request.POST.get("client_id", ""),
                **typed,
            )
        except LiaisonRefused as refused:
            _refused(refused)
            error = refused.message
        else:
            messages.success(request, _("Sent to your counselor."))
            return redirect("liaison:my_care")
    return render(
        request,
        "liaison/my_care.html",
        {
            "person": person,
            "requests": selectors.care_requests_of(person)[:LISTED],
            "kinds": NeedKind.choices,
            "typed": typed,
            "error": error,
            "client_id": uuid.uuid4().hex,
        },
        status=400 if error else 200,
    )


STATES = [CareRequestState.OPEN, CareRequestState.IN_HAND, CareRequestState.DONE]


@login_required
def care_queue(request: HttpRequest) -> HttpResponse:
    """The requests of the students in reach, by state, oldest first, and counts per kind; a
    form to ask on a student's behalf."""
    _need_perm(request, Perm.STUDENT_CARE)
    state = request.GET.get("state", CareRequestState.OPEN)
    if state not in CareRequestState.values:
        state = CareRequestState.OPEN
    error = ""
    typed: dict[str, str] = {}
    if request.method == "POST":
        typed = {
            "number": request.POST.get("number", "").strip(),
            "kind": request.POST.get("kind", ""),
            "detail": request.POST.get("detail", ""),
        }
        person = scope_of(request.user).people().filter(number=typed["number"]).first()
        try:
            if person is None:
                raise LiaisonRefused(_("No student of yours has this number."))
            care_request(
                actor=request.user,
                person=person,
                kind=typed["kind"],
                detail=typed["detail"],
                client_id=request.POST.get("client_id", ""),
            )
        except LiaisonRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Request recorded."))
            return redirect("liaison:care_queue")
    counts = selectors.care_counts(request.user)
    kinds = [
        (label, [counts.get(value, {}).get(s, 0) for s in STATES])
        for value, label in NeedKind.choices
    ]
    return render(
        request,
        "liaison/care_queue.html",
        {
            "state": state,
            "states": CareRequestState.choices,
            "requests": selectors.care_queue(request.user, state=state)[:LISTED],
            "kinds": NeedKind.choices,
            "counts": kinds,
            "totals": [sum(row[i] for _label, row in kinds) for i in range(len(STATES))],
            "typed": typed,
            "error": error,
            "client_id": uuid.uuid4().hex,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def care_take_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    care = by_uid(selectors.care_requests_seen(request.user), uid)
    try:
        care_take(actor=request.user, request=care)
    except LiaisonRefused as refused:
        _refused(refused)
        messages.error(request, refused.message)
    return redirect(f"{_queue_url()}?state={CareRequestState.IN_HAND}")


@login_required
@require_POST
def care_done_view(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    care = by_uid(selectors.care_requests_seen(request.user), uid)
    try:
        care_done(actor=request.user, request=care, outcome=request.POST.get("outcome", ""))
    except LiaisonRefused as refused:
        _refused(refused)
        messages.error(request, refused.message)
        return redirect(f"{_queue_url()}?state={care.state}")
    return redirect(f"{_queue_url()}?state={CareRequestState.DONE}")


def _queue_url() -> str:
    return reverse("liaison:care_queue")
