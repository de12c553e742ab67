"""Pages of contacts (thin: parse, call a service or selector, render): the contacts ledger
and its xlsx, a tracer's decisions, and a case's chain of transmission as a graph."""

import itertools
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_export, audit_view
from bastion.lib.days import business_day
from bastion.lib.refusals import Refused
from bastion.lib.sheets import xlsx_table
from bastion.tracing import contacts as service
from bastion.tracing.ledgers import (
    exporter_name,
    ledger_file,
    ledger_scope,
    ledger_scope_name,
    ledger_title,
)
from bastion.tracing.models import Closeness, Contact, ContactState
from bastion.tracing.views_cases import case_or_404

LIST_LIMIT = 200  # rows on the page; the xlsx holds them all
CHUNK = 2000


def _filters(request: HttpRequest) -> tuple[str, str]:
    """The state and closeness filters (?state=&closeness=): empty for all, or for one not
    known."""
    state = request.GET.get("state", "")
    closeness = request.GET.get("closeness", "")
    return (
        state if state in ContactState.values else "",
        closeness if closeness in Closeness.values else "",
    )


def _rows(scope: Scope, contacts: list[Contact]) -> list[dict]:
    """The ledger's rows for a chunk of contacts: two queries, whatever their number."""
    isolations = service.isolation_states([c.person_id for c in contacts])
    readable = service.names_in_reach(scope, {c.case.person_id for c in contacts})
    return [
        {
            "contact": c,
            "case_in_reach": c.case.person_id in readable,
            "case_person": c.case.person.name
            if c.case.person_id in readable
            else service.OUT_OF_REACH,
            "isolation": isolations.get(c.person_id, ""),
        }
        for c in contacts
    ]


@login_required
def contacts_ledger(request: HttpRequest) -> HttpResponse:
    """The contacts ledger (密切接触者台账) of the people in reach."""
    scope, unit = ledger_scope(request)
    state, closeness = _filters(request)
    contacts = service.contacts_ledger(scope=scope, unit=unit, state=state, closeness=closeness)
    page = list(contacts[: LIST_LIMIT + 1])
    context = {
        "unit": unit,
        "state": state,
        "closeness": closeness,
        "states": ContactState.choices,
        "closenesses": Closeness.choices,
        "rows": _rows(scope, page[:LIST_LIMIT]),
        "more": len(page) > LIST_LIMIT,
        "limit": LIST_LIMIT,
        "may_trace": scope.has(Perm.TRACE),
        "query": request.GET.urlencode(),
    }
    audit_view(request, what="tracing.contact", rows=len(context["rows"]))
    return render(request, "tracing/contact_ledger.html", context)


@login_required
def contacts_ledger_download(request: HttpRequest) -> FileResponse:
    """The whole ledger as an xlsx, as an office prints it, streamed a chunk at a time."""
    scope, unit = ledger_scope(request)
    state, closeness = _filters(request)
    contacts = service.contacts_ledger(scope=scope, unit=unit, state=state, closeness=closeness)
    today = business_day()
    scope_name = ledger_scope_name(unit)
    title = ledger_title(
        what=_("Ledger of contacts"),
        scope_name=scope_name,
        day=today,
        exporter=exporter_name(request.user),
    )
    columns = [
        (_("Number"), 14),
        (_("Name"), 10),
        (_("Unit"), 28),
        (_("Case"), 10),
        (_("Setting"), 16),
        (_("Closeness"), 10),
        (_("Exposed on"), 12),
        (_("State"), 10),
        (_("Degree"), 8),
        (_("Isolation"), 10),
        (_("Why"), 30),
    ]

    def rows() -> Iterator[list]:
        iterator = contacts.iterator(chunk_size=CHUNK)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            for row in _rows(scope, chunk):
                c = row["contact"]
                yield [
                    c.person.number,
                    c.person.name,
                    c.person.unit.name,
                    row["case_person"],
                    c.get_setting_display(),
                    c.get_closeness_display(),
                    c.exposure_on.isoformat(),
                    c.get_state_display(),
                    c.degree,
                    row["isolation"],
                    c.reason,
                ]

    stamp = audit_export(request, what="tracing.contact")
    data = xlsx_table(sheet=_("Contacts"), title=title, columns=columns, rows=rows(), stamp=stamp)
    return ledger_file(data, name="密切接触者台账", scope_name=scope_name, day=today)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on (the ledger or a case), never off the site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("tracing:contacts")
    return redirect(target)


def _refused(request: HttpRequest, refused: Refused) -> HttpResponse:
    """A refusal as a message back on the page; out of reach is a 404, as if missing."""
    if refused.status == 404:
        raise Http404 from refused
    messages.error(request, refused.message)
    return _back(request)


@login_required
@require_POST
def contact_decide(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        contact = service.contact_for(request.user, uid)  # out of reach: 404, whatever posted
    except Refused as exc:
        return _refused(request, exc)
    decision = request.POST.get("decision", "")
    if decision not in ("confirm", "dismiss"):
        messages.error(request, _("Choose to confirm or to dismiss the contact."))
        return _back(request)
    try:
        contact = service.contact_decide(
            actor=request.user,
            contact=contact,
            confirm=decision == "confirm",
            note=request.POST.get("note", ""),
        )
    except Refused as exc:
        return _refused(request, exc)
    if decision == "confirm":
        messages.success(
            request, _("%(name)s is confirmed as a contact.") % {"name": contact.person.name}
        )
    else:
        messages.success(request, _("%(name)s is dismissed.") % {"name": contact.person.name})
    return _back(request)


@login_required
@require_POST
def contact_propose(request: HttpRequest, uid: str) -> HttpResponse:
    """Propose the contacts of a confirmed contact (degree 2)."""
    try:
        contact = service.contact_for(request.user, uid)
        found = service.contacts_of_contact_propose(actor=request.user, contact=contact)
    except Refused as exc:
        return _refused(request, exc)
    messages.success(request, _("%(n)s contacts of contacts proposed.") % {"n": len(found)})
    return _back(request)


@login_required
def case_graph(request: HttpRequest, uid) -> HttpResponse:
    """The chain of transmission from a case: a force graph, and a table beneath it."""
    scope = scope_of(request.user)
    if not scope.has(Perm.VIEW_PEOPLE):
        raise Http404
    case = case_or_404(request, uid)
    graph = service.contact_graph(case=case, scope=scope)
    name = case.person.name
    return render(
        request,
        "tracing/case_graph.html",
        {"case": case, "case_name": name, "graph": graph, "links": graph["links"]},
    )
