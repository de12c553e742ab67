"""Public-sentiment pages: the report form (phone-first), the handlers' queue, and a report's
page with its events, screenshots and the forms of those who act on it."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.notices.models import SentimentReport, Severity
from bastion.notices.sentiment import (
    MAX_SCREENSHOT_BYTES,
    SentimentRefused,
    sentiment_clarify,
    sentiment_close,
    sentiment_escalate,
    sentiment_for,
    sentiment_handle,
    sentiment_page,
    sentiment_queue,
    sentiment_report,
    sentiment_screenshot,
    sentiments_visible,
)

LISTED = 100


class ReportForm(forms.Form):
    where_seen = forms.CharField(
        label=gettext_lazy("Where seen"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. a class WeChat group")}),
    )
    summary = forms.CharField(
        label=gettext_lazy("What it says"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_rumour = forms.BooleanField(label=gettext_lazy("It looks like a rumour"), required=False)
    spread = forms.CharField(
        label=gettext_lazy("How widely spread"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. forwarded in 3 groups")}),
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )


def _screenshots(request: HttpRequest) -> list[tuple[str, bytes]]:
    """The uploaded files, each read to one byte past the limit (the service refuses more)."""
    return [
        (f.content_type or "", f.read(MAX_SCREENSHOT_BYTES + 1))
        for f in request.FILES.getlist("screenshots")
    ]


@login_required
def report_new(request: HttpRequest) -> HttpResponse:
    """A member reports what they saw; below, their own reports and where they are."""
    person = request.user.person
    if person is None:
        raise Http404
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            report = sentiment_report(
                actor=request.user,
                screenshots=_screenshots(request),
                now=timezone.now(),
                **form.cleaned_data,
            )
        except SentimentRefused as refused:
            form.add_error(None, refused.message)
            status = refused.status
        else:
            messages.success(
                request,
                _("Your report is in: %(owner)s has it.")
                % {"owner": report.owner.name if report.owner else report.get_level_display()},
            )
            return redirect("notices:sentiment_detail", uid=report.uid)
    elif request.method == "POST":
        status = 400
    mine = (
        SentimentReport.objects.filter(reporter=person)
        .select_related("owner")
        .order_by("-reported_at")[:20]
    )
    return render(
        request,
        "notices/sentiment_new.html",
        {
            "form": form,
            "member": person.is_party_member and person.party_branch_id is not None,
            "mine": list(mine),
            "handler": scope_of(request.user).has(Perm.HANDLE_SENTIMENT),
        },
        status=status,
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The handler's desk: the live reports at their level; and every report in their reach."""
    if not scope_of(request.user).has(Perm.HANDLE_SENTIMENT):
        raise Http404
    tab = "all" if request.GET.get("tab") == "all" else "queue"
    if tab == "queue":
        rows = sentiment_queue(actor=request.user, now=timezone.now())
    else:
        rows = (
            sentiments_visible(actor=request.user)
            .select_related("reporter", "branch", "owner")
            .order_by("-reported_at")
        )
    return render(
        request,
        "notices/sentiment_queue.html",
        {"tab": tab, "rows": list(rows[:LISTED]), "more": max(rows.count() - LISTED, 0)},
    )


def _detail(request: HttpRequest, report: SentimentReport, status: int = 200, error: str = ""):
    context = sentiment_page(actor=request.user, report=report, now=timezone.now())
    context["error"] = error
    return render(request, "notices/sentiment_detail.html", context, status=status)


@login_required
def detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _detail(request, sentiment_for(request.user, uid))


@login_required
def screenshot(request: HttpRequest, uid: uuid.UUID, n: int) -> HttpResponse:
    """A screenshot, served from the database to those who may see the report."""
    shot = sentiment_screenshot(report=sentiment_for(request.user, uid), n=n)
    response = HttpResponse(bytes(shot.content), content_type=shot.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _act(request: HttpRequest, uid: uuid.UUID, do, done: str) -> HttpResponse:
    report = sentiment_for(request.user, uid)
    try:
        do(report)
    except SentimentRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        return _detail(request, report, status=refused.status, error=refused.message)
    messages.success(request, done)
    return redirect("notices:sentiment_detail", uid=report.uid)


@login_required
@require_POST
def escalate(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        uid,
        lambda r: sentiment_escalate(
            actor=request.user, report=r, note=request.POST.get("note", ""), now=timezone.now()
        ),
        _("Handed up."),
    )


@login_required
@require_POST
def handle(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        uid,
        lambda r: sentiment_handle(
            actor=request.user, report=r, note=request.POST.get("note", ""), now=timezone.now()
        ),
        _("Marked as being handled."),
    )


@login_required
@require_POST
def clarify(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        uid,
        lambda r: sentiment_clarify(
            actor=request.user,
            report=r,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            now=timezone.now(),
        ),
        _("Clarification published."),
    )


@login_required
@require_POST
def close(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _act(
        request,
        uid,
        lambda r: sentiment_close(
            actor=request.user, report=r, note=request.POST.get("note", ""), now=timezone.now()
        ),
        _("Report closed."),
    )
