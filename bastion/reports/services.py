"""Writing daily reports (日报告、零报告): validate, snapshot the counts, record who and when.

A unit's report for a day may be submitted again until its deadline: the second submission
replaces the first (counts, zero or not, note, who and when), in one transaction. After the
deadline a report already received stands; a first report after the deadline is taken and
marked late, so the level above sees it came in.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bastion.accounts.models import User
from bastion.accounts.scoping import EVERYTHING, scope_of
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import business_day
from bastion.lib.refusals import Refused
from bastion.notify.services import notify
from bastion.org.models import Unit
from bastion.org.responsibility import chain
from bastion.province.services import province_report_queue
from bastion.reports.counts import unit_day_counts_refresh
from bastion.reports.models import DailyReport
from bastion.reports.selectors import (
    daily_report_prepare,
    report_deadline,
    reports_missing,
    units_submittable_by,
)

NOTE_MAX = 2000


class ReportRefused(Refused):
    """A report that cannot be taken: a message a person understands, and nothing written.

    `status` is the HTTP answer: 400 bad input, 403 in reach but not this person's unit to
    report, 404 a unit out of reach (indistinguishable from one that does not exist), 409 a
    report already received whose deadline has passed.
    """


@dataclass(frozen=True)
class ReportResult:
    report: DailyReport
    created: bool  # False: an earlier report of the day was replaced


def zero_refusal(blocking: int) -> str:
    """Why a zero report is refused, naming how many people are abnormal."""
    return ngettext(
        "A zero report is not possible: %(n)d person of this unit has an open alert or an "
        "abnormal health status. Submit a report with the abnormal case instead.",
        "A zero report is not possible: %(n)d people of this unit have an open alert or an "
        "abnormal health status. Submit a report with the abnormal cases instead.",
        blocking,
    ) % {"n": blocking}


def _check(
    *, actor: User, unit: Unit, day: dt.date, note: str, now: dt.datetime
) -> tuple[Campaign, str]:
    campaign = active_campaign()
    if campaign is None:
        raise ReportRefused(_("No epidemic prevention campaign is running."))
    scope = scope_of(actor)
    if not scope.units().filter(pk=unit.pk).exists():
        raise ReportRefused(_("Not found, or not in your reach."), status=404)
    if unit.kind not in campaign.reporting_unit_kinds:
        raise ReportRefused(_("This unit does not submit daily reports in this campaign."))
    if (
        not units_submittable_by(person=actor.person, day=business_day(now))
        .filter(pk=unit.pk)
        .exists()
    ):
        raise ReportRefused(
            _(
                "Only the unit's leader or the secretary of the Party organization leading it "
                "may submit this unit's daily report."
            ),
            status=403,
        )
    if day > business_day(now):
        raise ReportRefused(_("A daily report cannot be submitted for a day in the future."))
    if day < campaign.starts_on:
        raise ReportRefused(
            _("The campaign started on %(day)s; there is no report to submit before it.")
            % {"day": campaign.starts_on.isoformat()}
        )
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ReportRefused(_("The note is too long: at most %(n)d characters.") % {"n": NOTE_MAX})
    return campaign, note


def daily_report_submit(
    *,
    actor: User,
    unit: Unit,
    day: dt.date,
    is_zero: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> ReportResult:
    """Take `unit`'s report for `day` from its responsible person, or refuse with a reason."""
    now = now or timezone.now()
    campaign, note = _check(actor=actor, unit=unit, day=day, note=note, now=now)
    with transaction.atomic():
        # The unit's row, locked, queues submissions of its report: two first ones at once
        # (through two app servers) would otherwise both find none and both insert.
        list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk"))
        existing = DailyReport.objects.select_for_update().filter(unit=unit, day=day).first()
        if day == business_day(now):
            # Today's counts are kept current by the services; refreshing the subtree here
            # makes the snapshot exact to the second it is signed.
            subtree = Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True)
            unit_day_counts_refresh(campaign=campaign, day=day, unit_ids=list(subtree))
        prepared = daily_report_prepare(campaign=campaign, unit=unit, day=day)
        if existing is not None and now > prepared.deadline:
            raise ReportRefused(
                _(
                    "This unit's report for %(day)s was already submitted by %(name)s at "
                    "%(time)s, and the deadline has passed: it can no longer be changed."
                )
                % {
                    "day": day.isoformat(),
                    # No person for a report a member university sent its province.
                    "name": existing.submitted_by.name if existing.submitted_by else unit.name,
                    "time": timezone.localtime(existing.submitted_at).strftime("%H:%M"),
                },
                status=409,
            )
        if is_zero and not prepared.zero_allowed:
            raise ReportRefused(zero_refusal(max(prepared.blocking, 1)))
        fields = {
            "campaign": campaign,
            "is_zero": is_zero,
            "counts": prepared.counts,
            "note": note,
            "submitted_by": actor.person,
            "submitted_at": now,
            "is_late": now > prepared.deadline,
        }
        if existing is None:
            report = DailyReport.objects.create(unit=unit, day=day, **fields)
        else:
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save()
            report = existing
        # The university's own report also goes to its province, when it is a member.
        province_report_queue(report=report)
        return ReportResult(report=report, created=existing is None)


def missing_reports_flag(*, now: dt.datetime) -> int:
    """Tell the level above each reporting unit whose report for today is past due, once.

    The key names the unit and the day, so the tick may run every few minutes and a second
    worker adds nothing. Returns how many messages were newly queued.
    """
    campaign = active_campaign()
    if campaign is None:
        return 0
    day = business_day(now)
    queued = 0
    for unit in reports_missing(scope=EVERYTHING, campaign=campaign, day=day, now=now):
        levels = chain(unit=unit, above_unit=True, day=day)
        if not levels:
            continue
        deadline = report_deadline(campaign=campaign, unit=unit, day=day)
        with transaction.atomic():
            queued += notify(
                key=f"report-missing:{unit.code}:{day.isoformat()}",
                recipients=levels[0].people,
                subject=_("Daily report missing: %(unit)s") % {"unit": unit.name},
                body=_(
                    "%(unit)s has not submitted its daily report for %(day)s; it was due at "
                    "%(time)s."
                )
                % {
                    "unit": unit.name,
                    "day": day.isoformat(),
                    "time": deadline.strftime("%H:%M"),
                },
            )
    return queued
