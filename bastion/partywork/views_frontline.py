"""Pages of the front line (thin: parse, call a service or selector, render): 「党旗在一线」
(every post now, with its temporary Party organization and who is there), a post with its
forms; the duty roster by week, a shift, "my shifts" with check-in and check-out, the share
of shifts held by cadres and Party members and the hours flags; the care page."""

import datetime as dt
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
from bastion.lib.days import SHANGHAI, business_day
from bastion.lib.refusals import Refused
from bastion.lib.text import clean, compact
from bastion.org.models import Person, Unit
from bastion.partywork import care as cr
from bastion.partywork import duty as du
from bastion.partywork import frontline as fl
from bastion.partywork.models import CareCase, DutyShift, FrontlinePost, PostKind, ShiftState

# Up to this many units a form offers a list; past it, the unit's code is typed.
UNIT_CHOICES_MAX = 300
RESOLVED_LIMIT = 20
SHIFT_DEFAULT = dt.timedelta(hours=8)


def _refused(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    """In reach without the right: the reason, with its status."""
    return render(request, "partywork/frontline_refused.html", {"message": message}, status=status)


def _day_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    value = clean(request.GET.get(name, ""))
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


def _person_named(
    request: HttpRequest, number: Any, refused: type[Refused], *, people=None
) -> Person:
    """The person with this number in the viewer's reach (or among `people`); refused (400)
    otherwise."""
    number = compact(number)
    people = scope_of(request.user).people() if people is None else people
    person = people.filter(number=number).first() if number else None
    if person is None:
        raise refused(
            _("No one in your reach has the number %(number)s.") % {"number": number or "—"}
        )
    return person


def _unit_named(units, code: Any, refused: type[Refused]) -> Unit:
    code = clean(code)
    unit = units.filter(code=code).first() if code else None
    if unit is None:
        raise refused(_("No unit coded %(code)s is in your reach.") % {"code": code or "—"})
    return unit


def _choices(units) -> list[Unit] | None:
    units = list(units[: UNIT_CHOICES_MAX + 1])
    return None if len(units) > UNIT_CHOICES_MAX else units


def _local_input(moment: dt.datetime) -> str:
    """A moment as a datetime-local input shows it, in Shanghai."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


# --- posts (党旗在一线) --------------------------------------------------------------------


def _post_or_404(request: HttpRequest, uid) -> FrontlinePost:
    try:
        return fl.post_for(request.user, uid)
    except fl.FrontlineRefused as exc:
        raise Http404 from exc


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    """Every post standing on the day (?day=), grouped by kind, with its temporary Party
    organization, its leader, who is there and who is on duty."""
    scope = scope_of(request.user)
    day = _day_param(request, "day", business_day())
    items = fl.posts_now(scope=scope, day=day)
    return render(
        request,
        "partywork/frontline_posts.html",
        {
            "groups": fl.posts_by_kind(items),
            "count": len(items),
            "day": day,
            "today": business_day(),
            "now": timezone.now(),
            "may_set_up": fl.units_for_posts(scope=scope).exists(),
            "may_plan": du.units_for_duty(scope=scope).exists(),
            "may_care": scope.has(Perm.CARE_FRONTLINE),
        },
    )


def _post_form(
    request: HttpRequest, *, form: Any, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "partywork/frontline_post_form.html",
        {
            "form": form,
            "units": _choices(fl.units_for_posts(scope=scope_of(request.user))),
            "kinds": PostKind.choices,
            "error": error,
        },
        status=status,
    )


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    """Set up a post and its temporary Party organization."""
    scope = scope_of(request.user)
    if not scope.has(Perm.PARTY_TASKS):
        return _refused(request, fl.no_right().message)
    if request.method != "POST":
        return _post_form(
            request, form={"kind": PostKind.QUARANTINE_DORMITORY, "set_up_on": business_day()}
        )
    data = request.POST
    try:
        post = fl.post_set_up(
            actor=request.user,
            unit=_unit_named(
                fl.units_for_posts(scope=scope), data.get("unit"), fl.FrontlineRefused
            ),
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            place=data.get("place", ""),
            leader=_person_named(request, data.get("leader"), fl.FrontlineRefused),
            set_up_on=data.get("set_up_on", ""),
            now=timezone.now(),
        )
    except fl.FrontlineRefused as exc:
        return _post_form(request, form=data, error=exc.message, status=exc.status)
    messages.success(request, _("Post %(name)s set up.") % {"name": post.name})
    return redirect("partywork:frontline_post", uid=post.uid)


def _post_page(
    request: HttpRequest, post: FrontlinePost, *, error: str = "", status: int = 200
) -> HttpResponse:
    today = business_day()
    week = du.week_of(today)
    members = fl.post_members(post)
    shifts = du.roster(
        scope=scope_of(request.user),
        first_day=today,
        last_day=today + dt.timedelta(days=1),
        post=post,
    )
    return render(
        request,
        "partywork/frontline_post.html",
        {
            "post": post,
            "here": [m for m in members if m.to_on is None or m.to_on >= today],
            "left": [m for m in members if m.to_on is not None and m.to_on < today],
            "shifts": list(shifts),
            "today": today,
            "week": week,
            "may_manage": fl.post_may_manage(actor=request.user, post=post),
            "may_plan": du.posts_for_duty(scope=scope_of(request.user)).filter(pk=post.pk).exists(),
            "error": error,
        },
        status=status,
    )


@login_required
def post_detail(request: HttpRequest, uid) -> HttpResponse:
    return _post_page(request, _post_or_404(request, uid))


def _post_act(request: HttpRequest, uid, action: str) -> HttpResponse:
    post = _post_or_404(request, uid)
    data, user = request.POST, request.user
    try:
        if action == "add":
            member = fl.post_member_add(
                actor=user,
                post=post,
                person=_person_named(request, data.get("number"), fl.FrontlineRefused),
                duty=data.get("duty", ""),
                from_on=data.get("from_on", ""),
            )
            message = _("%(name)s is at the post.") % {"name": member.person.name}
        elif action == "remove":
            person = _person_named(request, data.get("number"), fl.FrontlineRefused)
            fl.post_member_remove(actor=user, post=post, person=person, on=data.get("on", ""))
            message = _("%(name)s left the post.") % {"name": person.name}
        else:
            fl.post_dissolve(actor=user, post=post, on=data.get("on", ""))
            message = _("Post %(name)s dissolved.") % {"name": post.name}
    except fl.FrontlineRefused as exc:
        if exc.status == 404 and action != "remove":
            raise Http404 from exc
        return _post_page(request, post, error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("partywork:frontline_post", uid=post.uid)


@login_required
@require_POST
def post_member_add(request: HttpRequest, uid) -> HttpResponse:
    return _post_act(request, uid, "add")


@login_required
@require_POST
def post_member_remove(request: HttpRequest, uid) -> HttpResponse:
    return _post_act(request, uid, "remove")


@login_required
@require_POST
def post_dissolve(request: HttpRequest, uid) -> HttpResponse:
    return _post_act(request, uid, "dissolve")


# --- duty (值班值守) ----------------------------------------------------------------------


def _shift_or_404(request: HttpRequest, uid) -> DutyShift:
    try:
        return du.shift_for(request.user, uid)
    except du.DutyRefused as exc:
        raise Http404 from exc


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The duty roster of a week (?week=any day of it), of a unit (?unit=CODE) or a post
    (?post=UID), as a grid of days; what the viewer may read."""
    scope = scope_of(request.user)
    first = du.week_of(_day_param(request, "week", business_day()))
    last = first + dt.timedelta(days=6)
    unit = post = None
    if request.GET.get("post"):
        post = _post_or_404(request, request.GET["post"])
    elif request.GET.get("unit"):
        unit = scope.units().filter(code=clean(request.GET["unit"])).first()
        if unit is None:
            raise Http404
    shifts = du.roster(scope=scope, first_day=first, last_day=last, unit=unit, post=post)
    query = f"post={post.uid}&" if post else (f"unit={unit.code}&" if unit else "")
    return render(
        request,
        "partywork/frontline_roster.html",
        {
            "grid": du.roster_grid(shifts, first_day=first, last_day=last),
            "first": first,
            "last": last,
            "previous": first - dt.timedelta(days=7),
            "next": first + dt.timedelta(days=7),
            "query": query,
            "unit": unit,
            "post": post,
            "today": business_day(),
            "may_plan": du.units_for_duty(scope=scope).exists()
            or du.posts_for_duty(scope=scope).exists(),
            "may_share": du.units_for_duty(scope=scope).exists(),
        },
    )


def _shift_form(
    request: HttpRequest, *, form: Any, error: str = "", status: int = 200
) -> HttpResponse:
    scope = scope_of(request.user)
    units = du.units_for_duty(scope=scope)
    posts = du.posts_for_duty(scope=scope)
    return render(
        request,
        "partywork/frontline_shift_form.html",
        {
            "form": form,
            "units": _choices(units),
            "posts": list(posts[:UNIT_CHOICES_MAX]),
            "error": error,
        },
        status=status,
    )


@login_required
def shift_new(request: HttpRequest) -> HttpResponse:
    """Assign a shift at a post (its unit's) or for a unit."""
    scope = scope_of(request.user)
    if not scope.has(Perm.DUTY_ROSTER):
        return _refused(request, du.no_right().message)
    if request.method != "POST":
        start = (timezone.now() + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        form = {
            "starts_at": _local_input(start),
            "ends_at": _local_input(start + SHIFT_DEFAULT),
            "post": request.GET.get("post", ""),
            "unit": request.GET.get("unit", ""),
        }
        return _shift_form(request, form=form)
    data = request.POST
    try:
        post = None
        if data.get("post"):
            try:
                post = fl.post_for(request.user, data["post"])
            except fl.FrontlineRefused:
                raise du.DutyRefused(_("Not found, or not in your reach.")) from None
            unit = post.unit
        else:
            unit = _unit_named(du.units_for_duty(scope=scope), data.get("unit"), du.DutyRefused)
        shift = du.shift_assign(
            actor=request.user,
            unit=unit,
            post=post,
            person=_person_named(
                request,
                data.get("number"),
                du.DutyRefused,
                people=du.people_for_duty(actor=request.user, post=post),
            ),
            starts_at=data.get("starts_at", ""),
            ends_at=data.get("ends_at", ""),
            note=data.get("note", ""),
            now=timezone.now(),
        )
    except du.DutyRefused as exc:
        return _shift_form(request, form=data, error=exc.message, status=exc.status)
    messages.success(request, _("Shift of %(name)s assigned.") % {"name": shift.person.name})
    return redirect(
        f"{reverse('partywork:duty_roster')}?week={business_day(shift.starts_at).isoformat()}"
        + (f"&post={shift.post.uid}" if shift.post else f"&unit={shift.unit.code}")
    )


def _shift_page(
    request: HttpRequest, shift: DutyShift, *, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "partywork/frontline_shift.html",
        {
            "shift": shift,
            "may_manage": du.shift_may_manage(actor=request.user, shift=shift)
            and shift.state == ShiftState.PLANNED,
            "is_holder": request.user.person_id == shift.person_id,
            "error": error,
        },
        status=status,
    )


@login_required
def shift_detail(request: HttpRequest, uid) -> HttpResponse:
    return _shift_page(request, _shift_or_404(request, uid))


def _shift_act(request: HttpRequest, uid, action: str) -> HttpResponse:
    shift = _shift_or_404(request, uid)
    user, data, now = request.user, request.POST, timezone.now()
    try:
        if action == "swap":
            people = du.people_for_duty(actor=user, post=shift.post)
            to = _person_named(request, data.get("number"), du.DutyRefused, people=people)
            du.shift_swap(actor=user, shift=shift, to_person=to, now=now)
            message = _("The shift now goes to %(name)s.") % {"name": to.name}
        elif action == "cancel":
            du.shift_cancel(actor=user, shift=shift, reason=data.get("reason", ""), now=now)
            message = _("Shift cancelled.")
        elif action == "check_in":
            du.shift_check_in(actor=user, shift=shift, now=now)
            message = _("Checked in: on duty.")
        else:
            du.shift_check_out(actor=user, shift=shift, now=now)
            message = _("Checked out: the shift is done.")
    except du.DutyRefused as exc:
        if exc.status == 404 and action != "swap":
            raise Http404 from exc
        if action in ("check_in", "check_out") and exc.status == 409:
            messages.error(request, exc.message)
            return redirect("partywork:duty_mine")
        return _shift_page(request, shift, error=exc.message, status=exc.status)
    messages.success(request, message)
    if action in ("check_in", "check_out"):
        return redirect("partywork:duty_mine")
    return redirect("partywork:duty_shift", uid=shift.uid)


@login_required
@require_POST
def shift_swap(request: HttpRequest, uid) -> HttpResponse:
    return _shift_act(request, uid, "swap")


@login_required
@require_POST
def shift_cancel(request: HttpRequest, uid) -> HttpResponse:
    return _shift_act(request, uid, "cancel")


@login_required
@require_POST
def shift_check_in(request: HttpRequest, uid) -> HttpResponse:
    return _shift_act(request, uid, "check_in")


@login_required
@require_POST
def shift_check_out(request: HttpRequest, uid) -> HttpResponse:
    return _shift_act(request, uid, "check_out")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My shifts (phone-first): the one under way or next on top, with its button."""
    now = timezone.now()
    person = request.user.person
    shifts = du.my_shifts(person=person, now=now) if person is not None else []
    current = [s for s in shifts if s.state in (ShiftState.PLANNED, ShiftState.ON)]
    past = [s for s in shifts if s.state not in (ShiftState.PLANNED, ShiftState.ON)]
    for shift in current:
        shift.may_check_in = (
            shift.state == ShiftState.PLANNED
            and shift.starts_at - du.CHECK_IN_EARLY <= now < shift.ends_at
        )
        shift.may_check_out = shift.state == ShiftState.ON
        shift.late = shift.state == ShiftState.PLANNED and shift.ends_at <= now
    return render(
        request,
        "partywork/frontline_mine.html",
        {"current": current, "past": past[::-1], "now": now},
    )


@login_required
def share(request: HttpRequest) -> HttpResponse:
    """Per unit, the shifts of a week held by cadres and Party members, and the hours of
    each person on duty that week, flagged above the limit."""
    scope = scope_of(request.user)
    units = du.units_for_duty(scope=scope)
    if not units.exists():
        return _refused(request, du.no_right().message)
    first = du.week_of(_day_param(request, "week", business_day()))
    last = first + dt.timedelta(days=6)
    if request.GET.get("unit"):
        base = units.filter(code=clean(request.GET["unit"])).first()
        if base is None:
            raise Http404
    else:
        base = units.order_by("depth", "path").first()
    rows = []
    if base is not None:
        children = list(
            Unit.objects.get_children(base).filter(pk__in=units.values("pk")).order_by("path")
        )
        rows = du.duty_share(units=[base, *children], first_day=first, last_day=last)
    hours = du.weekly_hours(scope=scope, unit=base, week_start=first)
    return render(
        request,
        "partywork/frontline_share.html",
        {
            "base": base,
            "total": rows[0] if rows else None,
            "rows": rows[1:],
            "hours": hours,
            "flagged": sum(1 for h in hours if h.flagged),
            "limit": du.weekly_limit(),
            "first": first,
            "last": last,
            "previous": first - dt.timedelta(days=7),
            "next": first + dt.timedelta(days=7),
        },
    )


# --- care (关心关爱) ----------------------------------------------------------------------


def _care_page(
    request: HttpRequest, *, error: str = "", form: Any = None, status: int = 200
) -> HttpResponse:
    scope = scope_of(request.user)
    may_care = scope.has(Perm.CARE_FRONTLINE)
    open_cases = list(cr.care_cases_open(scope=scope))
    if not may_care and not open_cases:
        return _refused(request, cr.no_right().message)
    now = timezone.now()
    return render(
        request,
        "partywork/frontline_care.html",
        {
            "may_care": may_care,
            "open_cases": open_cases,
            "resolved": list(cr.care_cases_resolved(scope=scope)[:RESOLVED_LIMIT]),
            "workers": cr.care_workers(scope=scope, now=now),
            "equipment": list(cr.equipment_recent(scope=scope)),
            "limit": du.weekly_limit(),
            "today": business_day(now),
            "form": form or {},
            "error": error,
        },
        status=status,
    )


@login_required
def care(request: HttpRequest) -> HttpResponse:
    """The difficulties of front-line workers (the hospital's first), to assign and resolve;
    equipment issued; each worker's hours of the last week beside their cases."""
    return _care_page(request)


def _case_or_404(request: HttpRequest, uid) -> CareCase:
    try:
        return cr.care_case_for(request.user, uid)
    except cr.CareRefused as exc:
        raise Http404 from exc


def _care_act(request: HttpRequest, action: str, uid=None) -> HttpResponse:
    user, data, now = request.user, request.POST, timezone.now()
    case = _case_or_404(request, uid) if uid is not None else None
    try:
        if action == "register":
            person = _person_named(request, data.get("number"), cr.CareRefused)
            cr.care_case_register(
                actor=user, person=person, difficulty=data.get("difficulty", ""), now=now
            )
            message = _("Difficulty of %(name)s registered.") % {"name": person.name}
        elif action == "equipment":
            person = _person_named(request, data.get("number"), cr.CareRefused)
            issue = cr.equipment_issue(
                actor=user,
                person=person,
                item=data.get("item", ""),
                quantity=data.get("quantity", ""),
                on=data.get("on", ""),
            )
            message = _("%(item)s × %(n)d issued to %(name)s.") % {
                "item": issue.item,
                "n": issue.quantity,
                "name": person.name,
            }
        elif action == "assign":
            to = _person_named(request, data.get("number"), cr.CareRefused)
            cr.care_case_assign(actor=user, case=case, to_person=to, now=now)
            message = _("Case given to %(name)s.") % {"name": to.name}
        else:
            cr.care_case_resolve(
                actor=user, case=case, resolution=data.get("resolution", ""), now=now
            )
            message = _("Case resolved.")
    except cr.CareRefused as exc:
        return _care_page(request, error=exc.message, form=data, status=exc.status)
    messages.success(request, message)
    return redirect("partywork:care")


@login_required
@require_POST
def care_register(request: HttpRequest) -> HttpResponse:
    return _care_act(request, "register")


@login_required
@require_POST
def care_equipment(request: HttpRequest) -> HttpResponse:
    return _care_act(request, "equipment")


@login_required
@require_POST
def care_assign(request: HttpRequest, uid) -> HttpResponse:
    return _care_act(request, "assign", uid)


@login_required
@require_POST
def care_resolve(request: HttpRequest, uid) -> HttpResponse:
    return _care_act(request, "resolve", uid)
