"""Pages of the reports app: a unit leader's daily report, and the level above's overview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.reports import selectors
from bastion.reports.services import ReportRefused, daily_report_submit, zero_refusal


@login_required
def daily(request: HttpRequest) -> HttpResponse:
    """Today's report of my units with the form; the units below with status and rates."""
    campaign = active_campaign()
    if campaign is None:
        return render(request, "reports/daily.html", {"campaign": None})
    scope = scope_of(request.user)
    now = timezone.now()
    today = business_day(now)
    mine = list(
        selectors.reporting_units(
            campaign=campaign,
            within=selectors.units_submittable_by(person=request.user.person, day=today),
        )
    )
    statuses = {
        s.unit.pk: s
        for s in selectors.unit_statuses(campaign=campaign, units=mine, day=today, now=now)
    }
    labels = selectors.count_labels()
    own = []
    for unit in mine:
        prepared = selectors.daily_report_prepare(campaign=campaign, unit=unit, day=today)
        own.append(
            {
                "unit": unit,
                "prepared": prepared,
                "counts": [(label, prepared.counts[f]) for f, label in labels],
                "status": statuses[unit.pk],
                # A first report is taken even after the deadline (marked late); a report
                # received can be replaced only until the deadline.
                "can_submit": statuses[unit.pk].report is None or now <= prepared.deadline,
                "refusal": "" if prepared.zero_allowed else zero_refusal(max(prepared.blocking, 1)),
                "history": selectors.daily_reports_of(unit=unit, limit=14),
            }
        )
    below = [
        u
        for u in selectors.reporting_units(campaign=campaign, within=scope.units())
        if u.pk not in statuses
    ]
    overview = []
    if below:
        week = selectors.report_rates(
            campaign=campaign, units=below, last_day=today, days=7, now=now
        )
        month = selectors.report_rates(
            campaign=campaign, units=below, last_day=today, days=30, now=now
        )
        today_status = selectors.unit_statuses(campaign=campaign, units=below, day=today, now=now)
        overview = [
            {"status": s, "week": w, "month": m}
            for s, (_u, w), (_v, m) in zip(today_status, week.units, month.units, strict=True)
        ]
    else:
        week = month = None
    return render(
        request,
        "reports/daily.html",
        {
            "campaign": campaign,
            "today": today,
            "own": own,
            "overview": overview,
            "week": week,
            "month": month,
        },
    )


@login_required
@require_POST
def submit(request: HttpRequest, code: str) -> HttpResponse:
    """The form of the daily page: 零报告 or 有异常, with a note."""
    unit = selectors.unit_in_scope_or_none(scope=scope_of(request.user), code=code)
    if unit is None:
        raise Http404
    choice = request.POST.get("kind", "")
    if choice not in ("zero", "abnormal"):
        messages.error(request, _("Choose a zero report or a report with abnormal cases."))
        return redirect("reports:daily")
    try:
        daily_report_submit(
            actor=request.user,
            unit=unit,
            day=business_day(),
            is_zero=choice == "zero",
            note=request.POST.get("note", ""),
        )
    except ReportRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The daily report of %(unit)s was submitted.") % {"unit": unit.name}
        )
    return redirect("reports:daily")
