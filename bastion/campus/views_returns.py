"""Return-to-campus pages: my application (返校申请), the counselor's and college's review with
the bulk approval of the clear ones, and the semester plan."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.campus.models import ReturnApplication, ReturnState, SemesterPlan
from bastion.campus.returns import (
    ReturnRefused,
    applications_sort,
    return_apply,
    return_for,
    return_review,
    return_withdraw,
    returns_approve_clear,
    returns_visible,
    semester_plan,
)
from bastion.checkins.views import division_picked, division_selects
from bastion.lib.divisions import full_name
from bastion.org.models import PersonKind
from bastion.tracing.models import Transport

LISTED = 200


class ReturnForm(forms.Form):
    planned_on = forms.DateField(
        label=gettext_lazy("Planned return"), widget=forms.DateInput(attrs={"type": "date"})
    )
    transport = forms.ChoiceField(label=gettext_lazy("Transport"), choices=Transport.choices)
    number = forms.CharField(
        label=gettext_lazy("Train or flight number"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"placeholder": "G1234 / MU5101", "autocomplete": "off"}),
    )
    route = forms.CharField(
        label=gettext_lazy("Route"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. Wuhan → Beijing West")}),
    )


@login_required
def my_return(request: HttpRequest) -> HttpResponse:
    """A person's return page: the plan, the form, their applications and why."""
    person = request.user.person
    if person is None:
        raise Http404
    campaign = active_campaign()
    plan = semester_plan(campaign)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            return_apply(
                actor=request.user,
                person=person,
                campaign=campaign,
                planned_on=form.cleaned_data["planned_on"],
                origin=division_picked(request.POST, prefix="origin_"),
                route=form.cleaned_data["route"],
                transport=form.cleaned_data["transport"],
                number=form.cleaned_data["number"],
                client_id=request.POST.get("client_id", ""),
            )
        except ReturnRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Your application is in."))
            return redirect("campus:my_return")
    mine = list(
        ReturnApplication.objects.filter(person=person)
        .select_related("campaign")
        .order_by("-submitted_at")[:20]
    )
    return render(
        request,
        "campus/my_return.html",
        {
            "links": campus_links(request.user),
            "plan": plan,
            "form": form,
            "mine": [(a, full_name(a.origin)) for a in mine],
            "open": next((a for a in mine if a.state in ("pending", "counselor_ok")), None),
            "origin_selects": division_selects(
                division_picked(request.POST, prefix="origin_")
                if request.POST
                else person.home_region,
                prefix="origin_",
            ),
            "divisions_url": reverse("api:division_list"),
            "client_id": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    application = return_for(request.user, uid)
    try:
        return_withdraw(actor=request.user, application=application)
    except ReturnRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Application withdrawn."))
    return redirect("campus:my_return")


def campus_links(user) -> list[tuple[str, str]]:
    """The campus pages this person's duties open, for the campus page's list of links."""
    scope = scope_of(user)
    offered = [
        ("campus:pass", _("My pass"), True),
        ("campus:leave", _("Leave to go out"), True),
        (
            "liaison:my_care",
            _("Ask for help (meals, medicine, study, support)"),
            user.person is not None and user.person.kind == PersonKind.STUDENT,
        ),
        ("liaison:care_queue", _("Students' care requests"), scope.has(Perm.STUDENT_CARE)),
        (
            "campus:review",
            _("Return applications"),
            scope.has(Perm.APPROVE_RETURN) or scope.has(Perm.APPROVE_RETURN_COLLEGE),
        ),
        ("campus:leave_queue", _("Leave to decide"), scope.has(Perm.APPROVE_LEAVE)),
        ("campus:gate", _("Gate"), scope.has(Perm.GATE_CHECK)),
        (
            "campus:places",
            _("Key places"),
            scope.has(Perm.MANAGE_PLACES) or scope.has(Perm.GATE_CHECK),
        ),
        ("campus:visitors", _("Visitors"), scope.has(Perm.REGISTER_VISITORS)),
        (
            "campus:plans",
            _("Contingency plans"),
            scope.has(Perm.CONTINGENCY_PLAN) or scope.has(Perm.VIEW_DASHBOARD),
        ),
        ("campus:plan", _("Semester plan"), scope.has(Perm.SEMESTER_PLAN)),
        (
            "campus:access_log",
            _("Access log"),
            scope.has(Perm.GATE_CHECK) or not scope.is_self_only,
        ),
    ]
    return [(reverse(name), label) for name, label, shown in offered if shown]


TABS = ("clear", "held", "college", "decided")


def _reviewer(request: HttpRequest):
    scope = scope_of(request.user)
    if not (scope.has(Perm.APPROVE_RETURN) or scope.has(Perm.APPROVE_RETURN_COLLEGE)):
        raise Http404
    return scope


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """The reviewer's desk: the clear ones to approve in one action, the held ones one by one
    with the reasons, those awaiting the college, and the decided ones with their day."""
    scope = _reviewer(request)
    campaign = active_campaign()
    tab = request.GET.get("tab", "clear")
    if tab not in TABS:
        tab = "clear"
    visible = (
        returns_visible(scope=scope).filter(campaign=campaign).exclude(person_id=scope.person_id)
    )
    pending = visible.filter(state=ReturnState.PENDING)
    counts = {
        "clear": pending.filter(unmet=[]).count(),
        "held": pending.exclude(unmet=[]).count(),
        "college": visible.filter(state=ReturnState.COUNSELOR_APPROVED).count(),
    }
    if tab == "clear":
        rows = pending.filter(unmet=[])
    elif tab == "held":
        rows = pending.exclude(unmet=[])
    elif tab == "college":
        rows = visible.filter(state=ReturnState.COUNSELOR_APPROVED)
    else:
        rows = visible.filter(state__in=[ReturnState.APPROVED, ReturnState.REJECTED])
    rows = rows.select_related("person", "person__unit").order_by("planned_on", "submitted_at")
    return render(
        request,
        "campus/returns_review.html",
        {
            "tab": tab,
            "counts": counts,
            "rows": list(rows[:LISTED]),
            "more": max(rows.count() - LISTED, 0) if tab != "clear" else 0,
            "plan": semester_plan(campaign),
            "college": scope.has(Perm.APPROVE_RETURN_COLLEGE),
        },
    )


@login_required
@require_POST
def approve_clear(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    campaign = active_campaign()
    if campaign is None:
        raise Http404
    try:
        approved, held = returns_approve_clear(actor=request.user, campaign=campaign)
    except ReturnRefused as refused:
        messages.error(request, refused.message)
    else:
        text = _("%(n)d applications approved, each given its day to return.") % {"n": approved}
        if held:
            text += " " + _(
                "%(n)d no longer meet every condition and wait for review one by one."
            ) % {"n": held}
        messages.success(request, text)
    return redirect(f"{reverse('campus:review')}?tab=clear")


@login_required
@require_POST
def decide(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    _reviewer(request)
    application = return_for(request.user, uid)
    tab = request.POST.get("tab", "held")
    try:
        return_review(
            actor=request.user,
            application=application,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ReturnRefused as refused:
        messages.error(request, f"{application.person.name}：{refused.message}")
    else:
        messages.success(
            request, _("Decision recorded for %(name)s.") % {"name": application.person.name}
        )
    return redirect(f"{reverse('campus:review')}?tab={tab if tab in TABS else 'held'}")


@login_required
@require_POST
def resort(request: HttpRequest) -> HttpResponse:
    """Sort every undecided application again by today's facts."""
    _reviewer(request)
    campaign = active_campaign()
    if campaign is not None:
        clear, held = applications_sort(campaign=campaign, now=timezone.now())
        messages.success(
            request,
            _("Sorted again: %(clear)d meet every condition, %(held)d wait for review.")
            % {"clear": clear, "held": held},
        )
    return redirect("campus:review")


class PlanForm(forms.ModelForm):
    class Meta:
        model = SemesterPlan
        fields = [
            "vacation_starts_on",
            "travel_return_on",
            "semester_starts_on",
            "deferred_start_on",
            "return_checkin_days",
            "daily_capacity",
            "college_daily_capacity",
            "staff_on_campus",
            "leave_grace_minutes",
        ]
        widgets = {
            name: forms.DateInput(attrs={"type": "date"})
            for name in (
                "vacation_starts_on",
                "travel_return_on",
                "semester_starts_on",
                "deferred_start_on",
            )
        }

    def clean(self):
        data = super().clean()
        points = [
            data.get(k) for k in ("vacation_starts_on", "travel_return_on", "semester_starts_on")
        ]
        if all(points) and not points[0] <= points[1] <= points[2]:
            raise forms.ValidationError(
                _(
                    "The three time points go in order: vacation, return from travel, "
                    "semester start."
                )
            )
        deferred = data.get("deferred_start_on")
        if deferred and points[2] and deferred < points[2]:
            raise forms.ValidationError(_("A deferred start comes after the planned start."))
        return data


@login_required
def plan_edit(request: HttpRequest) -> HttpResponse:
    """The leading group sets the semester plan of the running campaign."""
    if not scope_of(request.user).has(Perm.SEMESTER_PLAN):
        raise Http404
    campaign = active_campaign()
    if campaign is None:
        raise Http404
    plan = semester_plan(campaign) or SemesterPlan(campaign=campaign)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Semester plan saved."))
        return redirect("campus:plan")
    return render(request, "campus/semester_plan.html", {"form": form, "campaign": campaign})
