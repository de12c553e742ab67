"""Pages of urgent reports and the daily digests (thin: parse, call, render)."""

import datetime as dt
import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_export, audit_view
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.org.models import Unit
from bastion.reports import digests, urgent
from bastion.reports.models import UrgentReport


class UrgentReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=UrgentReport.Kind.choices)
    summary = forms.CharField(
        label=gettext_lazy("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=urgent.SUMMARY_MAX,
    )
    person = forms.CharField(
        label=gettext_lazy("Person concerned (number, optional)"), max_length=32, required=False
    )
    client_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, units, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


@login_required
def urgent_list(request: HttpRequest) -> HttpResponse:
    reports = list(urgent.urgent_reports_visible(request.user)[:200])
    may_file = urgent.urgent_units_for(request.user).exists()
    return render(request, "reports/urgent_list.html", {"reports": reports, "may_file": may_file})


@login_required
def urgent_new(request: HttpRequest) -> HttpResponse:
    units = urgent.urgent_units_for(request.user)
    if not units.exists():
        raise Http404
    initial = {"client_id": uuid.uuid4().hex}
    own = request.user.person.unit_id if request.user.person_id else None
    if own is not None and units.filter(pk=own).exists():
        initial["unit"] = own
    form = UrgentReportForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        try:
            if data["person"]:
                person = scope_of(request.user).person_or_404(data["person"].strip())
            filed = urgent.urgent_report_file(
                actor=request.user,
                unit=data["unit"],
                kind=data["kind"],
                summary=data["summary"],
                person=person,
                client_id=data["client_id"],
            )
        except Http404:
            form.add_error("person", _("No such person in your reach."))
        except urgent.UrgentReportRefused as exc:
            form.add_error(None, exc.message)
        else:
            count = filed.report.recipients.count()
            messages.success(
                request,
                _("Reported. It has been sent to %(n)s people and the group.") % {"n": count},
            )
            return redirect("urgent:detail", uid=filed.report.uid)
    return render(
        request, "reports/urgent_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def urgent_detail(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        report = urgent.urgent_report_for(request.user, uid)
    except urgent.UrgentReportRefused as exc:
        raise Http404 from exc
    recipients = list(report.recipients.all())
    mine = next((r for r in recipients if r.person_id == request.user.person_id), None)
    return render(
        request,
        "reports/urgent_detail.html",
        {"report": report, "recipients": recipients, "mine": mine},
    )


@login_required
@require_POST
def urgent_acknowledge(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        report = urgent.urgent_report_for(request.user, uid)
        urgent.urgent_report_acknowledge(actor=request.user, report=report)
    except urgent.UrgentReportRefused as exc:
        raise Http404 from exc
    messages.success(request, _("Marked as read."))
    return redirect("urgent:detail", uid=report.uid)


# --- digests -----------------------------------------------------------------------------


def _digest_for(request: HttpRequest, kind: str, day: str, *, limit: int | None):
    scope = scope_of(request.user)
    if kind not in digests.KINDS or not digests.digest_may_read(scope, kind):
        raise Http404
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    campaign = active_campaign()
    if campaign is None or when > business_day() or when < campaign.starts_on:
        raise Http404
    return digests.digest_build(scope=scope, kind=kind, campaign=campaign, day=when, limit=limit)


@login_required
def digest_page(request: HttpRequest, kind: str, day: str) -> HttpResponse:
    digest = _digest_for(request, kind, day, limit=digests.LIST_LIMIT)
    shown = len(digest.abnormal_people) + len(digest.missing_people)
    audit_view(request, what="reports.digest", rows=shown, note=f"{kind} {day}")
    return render(request, "reports/digest.html", {"digest": digest, "limit": digests.LIST_LIMIT})


@login_required
def digest_download(request: HttpRequest, kind: str, day: str) -> FileResponse:
    digest = _digest_for(request, kind, day, limit=None)
    exporter = request.user.person.name if request.user.person_id else request.user.get_username()
    return FileResponse(
        digests.digest_xlsx(
            digest,
            exporter=exporter,
            stamp=audit_export(request, what="reports.digest", filters={"kind": kind, "day": day}),
        ),
        as_attachment=True,
        filename=f"{digest.title}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
