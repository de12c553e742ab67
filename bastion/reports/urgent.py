"""Urgent reports (特殊情况随时上报): filed at once, sent to every level above, acknowledged.

A special situation (a suspected case, a cluster, an incident) does not wait for the daily
report: it goes to every level of the unit's chain of responsibility and to the leading group
through the channels the moment it is filed, and each recipient's acknowledgement is kept.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bastion.accounts.models import User
from bastion.accounts.roles import Perm, Role
from bastion.accounts.scoping import scope_of
from bastion.campaigns.models import Campaign
from bastion.campaigns.selectors import active_campaign
from bastion.lib.days import SHANGHAI
from bastion.lib.refusals import Refused
from bastion.notify.services import notify, notify_group
from bastion.org.models import Person, Position, Unit
from bastion.org.responsibility import chain
from bastion.reports.models import UrgentRecipient, UrgentReport

SUMMARY_MAX = 2000


class UrgentReportRefused(Refused):
    """Bad input or no right: a message a person understands, and nothing written.

    `status` is the HTTP answer: 400 for bad input, 403 for a role that may not report,
    404 for a unit, person or report out of reach (the same answer as a missing one).
    """


@dataclass(frozen=True)
class UrgentFiled:
    report: UrgentReport
    replayed: bool  # the client_id was seen before: nothing was written or sent


def _not_found() -> UrgentReportRefused:
    return UrgentReportRefused(_("Not found, or not in your reach."), status=404)


# --- selectors ---------------------------------------------------------------------------


def urgent_reports_visible(user: User) -> QuerySet[UrgentReport]:
    """Urgent reports the user may read: about a unit in reach, sent to them, or filed by them."""
    scope = scope_of(user)
    where = Q(reported_by=user) if user.is_authenticated else Q(pk__in=[])
    if user.is_authenticated and user.person_id is not None:
        where |= Q(recipients__person_id=user.person_id)
    if scope.everyone or scope.all_students or scope.all_staff:
        where = Q()
    elif not scope.is_self_only:
        where |= Q(unit__in=scope.units().values("pk"))
    ids = UrgentReport.objects.filter(where).values("pk")
    return (
        UrgentReport.objects.filter(pk__in=ids)
        .select_related("unit", "person", "reported_by", "reported_by__person")
        .annotate(
            recipient_count=Count("recipients"),
            acknowledged_count=Count(
                "recipients", filter=Q(recipients__acknowledged_at__isnull=False)
            ),
        )
        .order_by("-reported_at")
    )


def urgent_report_for(user: User, uid: uuid.UUID | str) -> UrgentReport:
    """One visible report with its recipients, or UrgentReportRefused(404)."""
    try:
        uid = uuid.UUID(str(uid))
    except ValueError:
        raise _not_found() from None
    report = (
        urgent_reports_visible(user)
        .filter(uid=uid)
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=UrgentRecipient.objects.select_related("person", "person__unit").order_by(
                    "acknowledged_at", "person__number"
                ),
            )
        )
        .first()
    )
    if report is None:
        raise _not_found()
    return report


def urgent_units_for(user: User) -> QuerySet[Unit]:
    """Units the user may file an urgent report about."""
    scope = scope_of(user)
    if not scope.has(Perm.URGENT_REPORT):
        return Unit.objects.none()
    return scope.units().order_by("path")


def urgent_recipients(*, unit: Unit, exclude: Person | None = None, day: dt.date) -> list[Person]:
    """Everyone a report about `unit` reaches: each level of its chain and the leading group."""
    people: dict[int, Person] = {}
    for level in chain(unit=unit, exclude=exclude, day=day):
        for person in level.people:
            people.setdefault(person.pk, person)
    leading = Position.objects.active(day).filter(role=Role.LEADING_GROUP).select_related("person")
    for position in leading:
        if exclude is None or position.person_id != exclude.pk:
            people.setdefault(position.person_id, position.person)
    return sorted(people.values(), key=lambda p: p.number)


# --- services ----------------------------------------------------------------------------


def urgent_report_file(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    summary: str,
    person: Person | None = None,
    client_id: str = "",
    now: dt.datetime | None = None,
) -> UrgentFiled:
    """File an urgent report and send it at once to every level above and the leading group.

    Idempotent by `client_id` (per actor): a retry answers the report already filed, sends
    nothing. Recipients are notified by email and the group robot after commit.
    """
    now = now or timezone.now()
    scope = scope_of(actor)
    if not scope.units().filter(pk=unit.pk).exists():
        raise _not_found()
    if not scope.has(Perm.URGENT_REPORT):
        raise UrgentReportRefused(
            _("Your role does not let you file urgent reports; tell your counselor or leader."),
            status=403,
        )
    client_id = (client_id or "").strip()
    if len(client_id) > 64:
        raise UrgentReportRefused(_("The client id is longer than 64 characters."))
    if client_id:
        earlier = UrgentReport.objects.filter(reported_by=actor, client_id=client_id).first()
        if earlier is not None:
            return UrgentFiled(earlier, replayed=True)
    if kind not in UrgentReport.Kind.values:
        raise UrgentReportRefused(
            _("Unknown kind of situation “%(kind)s”: choose one of %(kinds)s.")
            % {"kind": kind, "kinds": "、".join(UrgentReport.Kind.values)}
        )
    summary = (summary or "").strip()
    if not summary:
        raise UrgentReportRefused(_("Say what happened."))
    if len(summary) > SUMMARY_MAX:
        raise UrgentReportRefused(
            _("Keep it under %(n)s characters; details can follow.") % {"n": SUMMARY_MAX}
        )
    if person is not None and not scope.people().filter(pk=person.pk).exists():
        raise _not_found()
    campaign = active_campaign()
    if campaign is None:
        raise UrgentReportRefused(_("No campaign is running: there is nothing to report to."))

    report = urgent_report_create(
        campaign=campaign,
        unit=unit,
        kind=kind,
        summary=summary,
        person=person,
        reporter=actor,
        client_id=client_id,
        now=now,
    )
    return UrgentFiled(report, replayed=False)


def urgent_report_create(
    *,
    campaign: Campaign,
    unit: Unit,
    kind: str,
    summary: str,
    reporter: User | None,
    person: Person | None = None,
    client_id: str = "",
    now: dt.datetime,
) -> UrgentReport:
    """Write the report and its recipients and queue the messages, with no checks: for
    urgent_report_file once it has checked, and for Bastion's own reports (a new suspected
    case, a cluster warning), whose `reporter` is the tracer or None."""
    day = now.astimezone(SHANGHAI).date()
    exclude = reporter.person if reporter is not None else None
    recipients = urgent_recipients(unit=unit, exclude=exclude, day=day)
    with transaction.atomic():
        report = UrgentReport.objects.create(
            campaign=campaign,
            unit=unit,
            kind=kind,
            summary=summary[:SUMMARY_MAX],
            person=person,
            reported_by=reporter,
            reported_at=now,
            client_id=client_id,
        )
        UrgentRecipient.objects.bulk_create(
            [UrgentRecipient(report=report, person=p, notified_at=now) for p in recipients]
        )
        _send(report, recipients)
    return report


def _send(report: UrgentReport, recipients: list[Person]) -> None:
    """Queue the messages; their delivery starts when the transaction commits."""
    if report.reported_by is None:
        by = pgettext("system as actor", "Bastion")
    elif report.reported_by.person_id:
        by = report.reported_by.person.name
    else:
        by = report.reported_by.get_username()
    when = report.reported_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    subject = _("Urgent report: %(kind)s at %(unit)s") % {
        "kind": report.get_kind_display(),
        "unit": report.unit.name,
    }
    lines = [
        _("Unit: %(unit)s") % {"unit": report.unit.name},
        _("Reported by %(who)s at %(when)s") % {"who": by, "when": when},
        "",
        report.summary,
    ]
    personal = list(lines)
    if report.person is not None:
        personal.insert(1, _("Person concerned: %(person)s") % {"person": report.person})
    personal += ["", _("Acknowledge it in Bastion: /urgent/%(uid)s/") % {"uid": report.uid}]
    notify(
        key=f"urgent:{report.uid}",
        recipients=recipients,
        subject=subject,
        body="\n".join(personal),
    )
    # The group sees the situation, never the name of the person concerned.
    notify_group(key=f"urgent:{report.uid}", subject=subject, body="\n".join(lines))


def urgent_report_acknowledge(
    *, actor: User, report: UrgentReport, now: dt.datetime | None = None
) -> UrgentRecipient:
    """Record that the actor, a recipient, has read the report (已知悉); the first time stays."""
    now = now or timezone.now()
    if actor.person_id is None:
        raise _not_found()
    with transaction.atomic():
        row = (
            UrgentRecipient.objects.select_for_update()
            .filter(report=report, person_id=actor.person_id)
            .first()
        )
        if row is None:
            raise UrgentReportRefused(
                _("This report was not sent to you, so there is nothing to acknowledge."),
                status=404,
            )
        if row.acknowledged_at is None:
            row.acknowledged_at = now
            row.save(update_fields=["acknowledged_at"])
    return row
