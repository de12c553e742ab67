"""Pages of cases (thin: parse, call a service or selector, render): the cases ledger with the
four earlies, its xlsx, a new case, one case with its moves and moments."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import Scope, scope_of
from bastion.audit.services import audit_export, audit_view
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import SHANGHAI, business_day
from bastion.lib.sheets import xlsx_table
from bastion.tracing import cases as svc
from bastion.tracing.contacts import case_contacts_visible
from bastion.tracing.ledgers import (
    exporter_name,
    ledger_file,
    ledger_scope,
    ledger_scope_name,
    ledger_title,
)
from bastion.tracing.models import Case, CaseStatus, Contact

LIST_LIMIT = 200  # rows on the page; the xlsx holds them all
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _status(request: HttpRequest) -> str:
    """The status filter (?status=…): empty for every status, or for one not known."""
    status = request.GET.get("status", "").strip()
    return status if status in CaseStatus.values else ""


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases ledger (病例台账) and the four earlies per unit."""
    scope, unit = ledger_scope(request, may_read=svc.cases_may_read)
    status = _status(request)
    campaign = active_campaign()
    context = {
        "campaign": campaign,
        "unit": unit,
        "status": status,
        "statuses": CaseStatus.choices,
        "limit": LIST_LIMIT,
        "may_trace": scope.has(Perm.TRACE),
    }
    if campaign is not None:
        cases = svc.case_ledger(scope=scope, campaign=campaign, status=status, unit=unit)
        context |= {
            "count": cases.count(),
            "rows": list(svc.ledger_rows(cases[:LIST_LIMIT])),
            "earlies": svc.four_earlies(scope=scope, campaign=campaign, unit=unit),
            "query": request.GET.urlencode(),
        }
        audit_view(request, what="tracing.case", rows=len(context["rows"]))
    return render(request, "tracing/cases.html", context)


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def case_list_download(request: HttpRequest) -> FileResponse:
    """The whole ledger as an xlsx, streamed, as an office prints it."""
    scope, unit = ledger_scope(request, may_read=svc.cases_may_read)
    status = _status(request)
    campaign = active_campaign()
    if campaign is None:
        raise Http404
    today = business_day()
    cases = svc.case_ledger(scope=scope, campaign=campaign, status=status, unit=unit)
    scope_name = ledger_scope_name(unit)
    if status:
        scope_name = f"{scope_name}（{CaseStatus(status).label}）"
    title = ledger_title(
        what=_("Cases ledger"),
        scope_name=scope_name,
        day=today,
        exporter=exporter_name(request.user),
    )
    columns = [
        (_("Number"), 14),
        (_("Name"), 10),
        (_("Unit"), 24),
        (_("Status"), 10),
        (_("Symptoms began on"), 12),
        (_("Discovered at"), 17),
        (_("Reported at"), 17),
        (_("Isolated at"), 17),
        (_("Treated at"), 17),
        (_("Where treated"), 18),
        (_("Hours to report"), 10),
        (_("Hours to isolate"), 10),
        (_("Hours to treat"), 10),
    ]
    labels = {value: str(label) for value, label in CaseStatus.choices}

    def hours(value: float | None) -> float | str:
        return round(value, 1) if value is not None else ""

    def rows():
        for row in svc.ledger_rows(cases.iterator(chunk_size=500)):
            case = row.case
            yield [
                case.person.number,
                case.person.name,
                case.person.unit.name,
                labels[case.status],
                case.onset_on.isoformat() if case.onset_on else "",
                _when(case.discovered_at),
                _when(case.reported_at),
                _when(case.isolated_at),
                _when(case.treated_at),
                case.hospital,
                hours(row.hours.to_report),
                hours(row.hours.to_isolate),
                hours(row.hours.to_treat),
            ]

    stamp = audit_export(request, what="tracing.case")
    data = xlsx_table(sheet=_("Cases"), title=title, columns=columns, rows=rows(), stamp=stamp)
    return ledger_file(data, name="病例台账", scope_name=scope_name, day=today)


class CaseForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("Student or staff number"), max_length=32, strip=True
    )
    onset_on = forms.DateField(
        label=gettext_lazy("Symptoms began on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    discovered_at = forms.DateTimeField(
        label=gettext_lazy("Discovered at (empty: now)"), required=False, widget=DATETIME_INPUT
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=svc.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.has(Perm.TRACE):
        raise Http404
    form = CaseForm(request.POST or None, initial={"client_id": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = scope.people().filter(number=data["person"]).first()
        if person is None:
            form.add_error("person", _("No such person in your reach."))
        else:
            try:
                case = svc.case_record(
                    actor=request.user,
                    person=person,
                    discovered_at=data["discovered_at"],
                    onset_on=data["onset_on"],
                    note=data["note"],
                    client_id=data["client_id"],
                )
            except svc.CaseRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Case recorded. The urgent report has gone to every level above."),
                )
                return redirect("tracing:case_detail", uid=case.uid)
    return render(
        request, "tracing/case_new.html", {"form": form}, status=400 if form.errors else 200
    )


class CaseTimesForm(forms.Form):
    isolated_at = forms.DateTimeField(
        label=gettext_lazy("Isolated at"), required=False, widget=DATETIME_INPUT
    )
    treated_at = forms.DateTimeField(
        label=gettext_lazy("Treated at"), required=False, widget=DATETIME_INPUT
    )
    hospital = forms.CharField(
        label=gettext_lazy("Where treated"), required=False, max_length=svc.HOSPITAL_MAX
    )


def case_or_404(request: HttpRequest, uid) -> Case:
    """The case, if the viewer may read it: 404 otherwise, as if missing."""
    try:
        return svc.case_for(request.user, uid)
    except svc.CaseRefused as exc:
        raise Http404 from exc


def _contacts_in_reach(case: Case, scope: Scope) -> tuple[list[Contact], int]:
    """The case's contacts in the viewer's reach, and how many more there are out of it."""
    contacts = list(case_contacts_visible(scope=scope, case=case))
    return contacts, case.contacts.count() - len(contacts)


@login_required
def case_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = case_or_404(request, uid)
    scope = scope_of(request.user)
    may_trace = scope.has(Perm.TRACE)
    contacts, contacts_hidden = _contacts_in_reach(case, scope)
    times = CaseTimesForm(
        initial={
            "isolated_at": case.isolated_at and timezone.localtime(case.isolated_at),
            "treated_at": case.treated_at and timezone.localtime(case.treated_at),
            "hospital": case.hospital,
        }
    )
    context = {
        "case": case,
        "hours": svc.case_intervals(case),
        "events": list(case.events.select_related("actor", "actor__person")),
        "reports": list(svc.case_urgent_reports(case=case)),
        "next_states": svc.case_next_states(case) if may_trace else [],
        "may_trace": may_trace,
        "times": times,
        "contacts": contacts,
        "contacts_hidden": contacts_hidden,
    }
    return render(request, "tracing/case_detail.html", context)


def _case_step(
    request: HttpRequest, case: Case, step: Callable[..., Case], *, done: str, **values: Any
) -> HttpResponse:
    """Take one step on the case from its page, and back to it with what came of it; a
    refusal for a case out of reach is a 404, as if missing."""
    try:
        step(actor=request.user, case=case, **values)
    except svc.CaseRefused as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("tracing:case_detail", uid=case.uid)


@login_required
@require_POST
def case_move(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = case_or_404(request, uid)
    return _case_step(
        request,
        case,
        svc.case_move,
        done=_("Status changed."),
        status=request.POST.get("status", ""),
        note=request.POST.get("note", ""),
        hospital=request.POST.get("hospital", ""),
    )


@login_required
@require_POST
def case_times(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    case = case_or_404(request, uid)
    form = CaseTimesForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("tracing:case_detail", uid=case.uid)
    data = form.cleaned_data
    return _case_step(
        request,
        case,
        svc.case_times_set,
        done=_("Saved."),
        isolated_at=data["isolated_at"],
        treated_at=data["treated_at"],
        hospital=data["hospital"] if data["hospital"] != case.hospital else None,
    )
