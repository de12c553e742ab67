"""Vanguard pages: a member's tasks on their phone (complete, pledge), a member's record, the
branch secretary's page (assign, record a service, the branch's record), the candidates for
admission with their observations, and the committees' work reports."""

import datetime as dt
import uuid
from typing import Any

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
from bastion.lib.days import at, business_day
from bastion.lib.inputs import day_input
from bastion.org.models import PartyOrg
from bastion.partywork import development as dev
from bastion.partywork import vanguard as vg
from bastion.partywork import workreports as wr
from bastion.partywork.models import VanguardKind, VanguardState, WorkReportState


def _or_404(exc: vg.VanguardRefused) -> vg.VanguardRefused:
    if exc.status == 404:
        raise Http404 from exc
    return exc


def vanguard_links(user) -> list[tuple[str, str]]:
    """The vanguard pages this person's duties open."""
    scope = scope_of(user)
    links = [(reverse("partywork:vanguard_tasks"), _("My tasks"))]
    if user.person_id is not None:
        links.append(
            (reverse("partywork:vanguard_member", args=[user.person.number]), _("My record"))
        )
    for org in vg.orgs_led(user):
        links.append((reverse("partywork:vanguard_branch", args=[org.code]), org.name))
        if dev.may_read_candidates(scope):
            links.append(
                (
                    reverse("partywork:vanguard_candidates", args=[org.code]),
                    _("Candidates of %(org)s") % {"org": org.name},
                )
            )
    if scope.has(Perm.BRIEFING) or wr.reports_visible(scope=scope).exists():
        links.append((reverse("partywork:vanguard_reports"), _("Work reports")))
    return links


# --- a member's tasks, on the phone ----------------------------------------------------------


def _tasks_page(
    request: HttpRequest,
    *,
    error: str = "",
    failed: str = "",
    typed: Any = None,
    status: int = 200,
) -> HttpResponse:
    person = request.user.person
    record = vg.member_record(person=person)
    pledged = {
        r.title
        for r in record.records
        if r.kind == VanguardKind.PLEDGE and r.state == VanguardState.ASSIGNED
    }
    pledges = [(code, _(text)) for code, text in vg.PLEDGES.items()]
    return render(
        request,
        "partywork/vanguard_tasks.html",
        {
            "links": vanguard_links(request.user),
            "person": person,
            "record": record,
            "open": [r for r in record.open if r.kind != VanguardKind.PLEDGE],
            "pledged": [r for r in record.open if r.kind == VanguardKind.PLEDGE],
            "done": record.done[:20],
            "pledges": [(code, text) for code, text in pledges if text not in pledged],
            "may_pledge": person.is_party_member and person.party_branch_id is not None,
            "error": error,
            "failed": failed,
            "typed": typed or {},
        },
        status=status,
    )


def _person(request: HttpRequest):
    if request.user.person is None:
        raise Http404
    return request.user.person


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """A member's tasks under way (complete each with its outcome and hours), their pledges
    and what they have done."""
    _person(request)
    return _tasks_page(request)


@login_required
@require_POST
def complete(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    record = vg.record_for(request.user, uid)
    try:
        vg.task_complete(
            actor=request.user,
            record=record,
            outcome=request.POST.get("outcome", ""),
            hours=request.POST.get("hours", ""),
        )
    except vg.VanguardRefused as exc:
        _or_404(exc)
        if exc.status == 403:
            return _refused_page(request, exc, _back(request, record))
        if record.person_id != request.user.person_id:
            messages.error(request, exc.message)
            return redirect(_back(request, record))
        return _tasks_page(
            request,
            error=exc.message,
            failed=str(record.uid),
            typed=request.POST,
            status=exc.status,
        )
    messages.success(request, _("Done: “%(title)s” is on your record.") % {"title": record.title})
    return redirect(_back(request, record))


def _back(request: HttpRequest, record) -> str:
    """Back where the form was: the member's tasks, or the branch page of the secretary."""
    if record.person_id == request.user.person_id:
        return reverse("partywork:vanguard_tasks")
    code = request.POST.get("branch", "")
    if code:
        return reverse("partywork:vanguard_branch", args=[code])
    return reverse("partywork:vanguard_member", args=[record.person.number])


@login_required
@require_POST
def cancel(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    record = vg.record_for(request.user, uid)
    try:
        vg.task_cancel(actor=request.user, record=record, reason=request.POST.get("reason", ""))
    except vg.VanguardRefused as exc:
        _or_404(exc)
        if exc.status == 403:
            return _refused_page(request, exc, _back(request, record))
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled: %(title)s") % {"title": record.title})
    return redirect(_back(request, record))


@login_required
@require_POST
def pledge(request: HttpRequest) -> HttpResponse:
    _person(request)
    try:
        vg.pledge_make(
            actor=request.user,
            pledge=request.POST.get("pledge", ""),
            detail=request.POST.get("detail", ""),
        )
    except vg.VanguardRefused as exc:
        _or_404(exc)
        return _tasks_page(
            request, error=exc.message, failed="pledge", typed=request.POST, status=exc.status
        )
    messages.success(request, _("Your pledge is on your record."))
    return redirect("partywork:vanguard_tasks")


# --- a member's record -------------------------------------------------------------------------


@login_required
def member(request: HttpRequest, number: str) -> HttpResponse:
    """A member's record: tasks, services, pledges, hours, posts (themself, or in reach)."""
    person = scope_of(request.user).person_or_404(number)
    return render(
        request,
        "partywork/vanguard_member.html",
        {
            "links": vanguard_links(request.user),
            "person": person,
            "record": vg.member_record(person=person),
            "own": person.pk == request.user.person_id,
        },
    )


# --- the branch secretary's page ----------------------------------------------------------------


def _branch_page(
    request: HttpRequest,
    org: PartyOrg,
    *,
    error: str = "",
    failed: str = "",
    typed: Any = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_of(request.user)
    today = business_day()
    may_assign = vg.may_assign(request.user, org)
    members = []
    people = []
    if may_assign:
        members = list(
            vg.members_of(org, day=today).filter(scope.people_q()).order_by("name", "number")
        )
        people = list(
            scope.people()
            .filter(
                vg.belongs_q(org, day=today),
                political_status__in=vg.MEMBER_STATUSES + vg.CANDIDATE_STATUSES,
            )
            .order_by("name", "number")
        )
    return render(
        request,
        "partywork/vanguard_branch.html",
        {
            "links": vanguard_links(request.user),
            "org": org,
            "record": vg.branch_record(party_org=org, scope=scope, day=today),
            "open": list(vg.open_tasks(party_org=org, scope=scope)[:200]),
            "may_assign": may_assign,
            "may_candidates": dev.may_read_candidates(scope),
            "members": members,
            "people": people,
            "service_kinds": [(k.value, k.label) for k in vg.SERVICE_KINDS],
            "error": error,
            "failed": failed,
            "typed": typed or {},
            "today": today,
        },
        status=status,
    )


@login_required
def branch(request: HttpRequest, code: str) -> HttpResponse:
    """A Party organization's page: assign a task to a member, record a service, the open
    tasks and the record of each member."""
    return _branch_page(request, vg.branch_for(request.user, code))


def _named(org: PartyOrg, number: str, request: HttpRequest):
    """The person picked in the form, among those in reach (refused, not 404: it is a form)."""
    person = scope_of(request.user).people().filter(number=number.strip()).first()
    if person is None:
        raise vg.VanguardRefused(_("Pick a member from the list."))
    return person


@login_required
@require_POST
def assign(request: HttpRequest, code: str) -> HttpResponse:
    org = vg.branch_for(request.user, code)
    post = request.POST
    try:
        record = vg.task_assign(
            actor=request.user,
            party_org=org,
            person=_named(org, post.get("person", ""), request),
            title=post.get("title", ""),
            detail=post.get("detail", ""),
            due_on=post.get("due_on", ""),
        )
    except vg.VanguardRefused as exc:
        _or_404(exc)
        return _branch_page(
            request, org, error=exc.message, failed="assign", typed=post, status=exc.status
        )
    messages.success(
        request,
        _("Task assigned to %(name)s: %(title)s")
        % {"name": record.person.name, "title": record.title},
    )
    return redirect("partywork:vanguard_branch", code=org.code)


@login_required
@require_POST
def record(request: HttpRequest, code: str) -> HttpResponse:
    org = vg.branch_for(request.user, code)
    post = request.POST
    try:
        done = vg.vanguard_record(
            actor=request.user,
            party_org=org,
            person=_named(org, post.get("person", ""), request),
            kind=post.get("kind", ""),
            title=post.get("title", ""),
            detail=post.get("detail", ""),
            team=post.get("team", ""),
            due_on=post.get("due_on", ""),
            hours=post.get("hours", ""),
        )
    except vg.VanguardRefused as exc:
        _or_404(exc)
        return _branch_page(
            request, org, error=exc.message, failed="record", typed=post, status=exc.status
        )
    messages.success(
        request,
        _("Recorded for %(name)s: %(title)s") % {"name": done.person.name, "title": done.title},
    )
    return redirect("partywork:vanguard_branch", code=org.code)


# --- candidates for admission -------------------------------------------------------------------


def _candidates_access(request: HttpRequest, code: str):
    try:
        return dev.candidates_branch_for(request.user, code)
    except vg.VanguardRefused as exc:
        _or_404(exc)
        return exc


def _refused_page(request: HttpRequest, exc: vg.VanguardRefused, back: str) -> HttpResponse:
    return render(
        request,
        "partywork/vanguard_refused.html",
        {"message": exc.message, "back": back},
        status=exc.status,
    )


@login_required
def candidates(request: HttpRequest, code: str) -> HttpResponse:
    """The branch's activists and applicants with their observations, for admission."""
    access = _candidates_access(request, code)
    if isinstance(access, vg.VanguardRefused):
        return _refused_page(request, access, reverse("partywork:vanguard_tasks"))
    scope, org = access
    return render(
        request,
        "partywork/vanguard_candidates.html",
        {
            "links": vanguard_links(request.user),
            "org": org,
            "rows": dev.candidates(branch=org, scope=scope),
        },
    )


@login_required
def candidate(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """One candidate's record as the basis for admission; the branch adds observations."""
    access = _candidates_access(request, code)
    if isinstance(access, vg.VanguardRefused):
        return _refused_page(request, access, reverse("partywork:vanguard_tasks"))
    scope, org = access
    person = dev.candidate_for(scope=scope, branch=org, number=number)
    error, status, typed = "", 200, {}
    if request.method == "POST":
        try:
            dev.observation_add(
                actor=request.user,
                person=person,
                branch=org,
                observed_on=request.POST.get("observed_on", ""),
                performance=request.POST.get("performance", ""),
                rating=request.POST.get("rating", ""),
            )
        except vg.VanguardRefused as exc:
            _or_404(exc)
            error, status, typed = exc.message, exc.status, request.POST
        else:
            messages.success(request, _("Observation recorded."))
            return redirect("partywork:vanguard_candidate", code=org.code, number=person.number)
    return render(
        request,
        "partywork/vanguard_candidate.html",
        {
            "links": vanguard_links(request.user),
            "org": org,
            "view": dev.candidate_view(person=person),
            "may_observe": dev.may_observe(scope),
            "error": error,
            "typed": typed,
            "today": business_day(),
            "ratings": range(5, 0, -1),
        },
        status=status,
    )


# --- work reports -------------------------------------------------------------------------------


def _reports_page(
    request: HttpRequest, *, error: str = "", typed: Any = None, status: int = 200
) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.is_self_only:
        raise Http404
    now = timezone.now()
    today = business_day(now)
    monday = today - dt.timedelta(days=today.weekday())
    return render(
        request,
        "partywork/vanguard_reports.html",
        {
            "links": vanguard_links(request.user),
            "periods": wr.reports_by_period(scope=scope, now=now),
            "may_draft": scope.has(Perm.BRIEFING),
            "error": error,
            "typed": typed
            or {
                "period_start": (monday - dt.timedelta(days=7)).isoformat(),
                "period_end": (monday - dt.timedelta(days=1)).isoformat(),
                "due_day": (monday + dt.timedelta(days=1)).isoformat(),
                "due_time": "17:00",
            },
        },
        status=status,
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """The committees' work reports by period, the missing ones flagged."""
    return _reports_page(request)


@login_required
@require_POST
def reports_draft(request: HttpRequest) -> HttpResponse:
    """The Organization Department drafts the period's reports of every committee."""
    scope = scope_of(request.user)
    if scope.is_self_only:
        raise Http404
    post = request.POST
    try:
        if not scope.has(Perm.BRIEFING):
            raise wr.WorkReportRefused(
                _("Asking the committees for their reports is the Organization Department's."),
                status=403,
            )
        due_day = day_input(
            post.get("due_day", ""), what=_("deadline"), refused=wr.WorkReportRefused
        )
        try:
            due_time = dt.time.fromisoformat(post.get("due_time", "").strip() or "17:00")
        except ValueError:
            raise wr.WorkReportRefused(_("The deadline's time must be such as 17:00.")) from None
        drafted = wr.work_reports_draft_all(
            period_start=post.get("period_start", ""),
            period_end=post.get("period_end", ""),
            due_at=at(due_day, due_time),
        )
    except wr.WorkReportRefused as exc:
        return _reports_page(request, error=exc.message, typed=post, status=exc.status)
    messages.success(request, _("%(n)d reports drafted.") % {"n": len(drafted)})
    return redirect("partywork:vanguard_reports")


@login_required
def report(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """A committee's report: its figures and words; its secretary edits, refreshes the
    figures and submits it."""
    found = wr.report_for(request.user, uid)
    now = timezone.now()
    may_write = found.state == WorkReportState.DRAFT and wr.is_committee_secretary(
        request.user, found.party_org, day=business_day(now)
    )
    error, status, body = "", 200, found.body
    if request.method == "POST":
        action = request.POST.get("action", "save")
        body = request.POST.get("body", "")
        try:
            if action == "refresh":
                wr.work_report_refresh(actor=request.user, report=found, now=now)
                messages.success(request, _("Figures drafted again from today's records."))
            elif action == "submit":
                wr.work_report_submit(actor=request.user, report=found, body=body, now=now)
                messages.success(request, _("Report submitted to the Organization Department."))
            else:
                wr.work_report_edit(actor=request.user, report=found, body=body, now=now)
                messages.success(request, _("Draft saved."))
        except wr.WorkReportRefused as exc:
            _or_404(exc)
            error, status = exc.message, exc.status
        else:
            return redirect("partywork:vanguard_report", uid=found.uid)
    return render(
        request,
        "partywork/vanguard_report.html",
        {
            "links": vanguard_links(request.user),
            "report": found,
            "figures": _figure_rows(found.figures),
            "may_write": may_write,
            "late": wr.is_late(found, now=now),
            "error": error,
            "body": body,
        },
        status=status,
    )


def _figure_rows(figures: dict) -> list[tuple[str, Any]]:
    labels = [
        ("members", _("Party members")),
        ("probationary", _("of them probationary")),
        ("branches", _("Party branches")),
        ("posts", _("Front-line posts")),
        ("members_on_duty", _("Members on duty")),
        ("duty_shifts", _("Duty shifts")),
        ("duty_hours", _("Hours on duty")),
        ("tasks_done", _("Tasks done")),
        ("commando", _("Commando team services")),
        ("volunteer", _("Volunteer services")),
        ("pioneer", _("Pioneer post services")),
        ("vanguard_hours", _("Vanguard hours")),
        ("pledges", _("Take-the-lead pledges")),
        ("stories_published", _("Stories published")),
        ("commendations", _("Commendations")),
        ("care_cases", _("Difficulties of front-line staff")),
        ("care_resolved", _("of them resolved")),
    ]
    return [(label, figures.get(key, 0)) for key, label in labels]
