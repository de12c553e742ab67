"""API of urgent reports (特殊情况随时上报), mounted under /api/v1/.

Handlers are thin: parse, call `urgent_report_file` or a selector, answer. A unit, person or
report out of reach is a 404 indistinguishable from a missing one.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from bastion.accounts.scoping import scope_of
from bastion.reports import urgent
from bastion.reports.models import UrgentRecipient, UrgentReport

router = Router(tags=["urgent reports"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class UrgentReportIn(Schema):
    unit: str = Field(max_length=32, description="Code of the unit where it happened.")
    kind: str = Field(
        max_length=20, description="`suspected_case`, `confirmed_case`, `cluster` or `incident`."
    )
    summary: str = Field(max_length=urgent.SUMMARY_MAX, description="What happened.")
    person: str | None = Field(
        None, max_length=32, description="Number of the person concerned, if one."
    )
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per report: a retry with the same value "
        "answers the report already filed and sends nothing again.",
    )


class RecipientOut(Schema):
    person: str = Field(description="Number of the recipient.")
    name: str
    notified_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class UrgentReportOut(Schema):
    uid: str
    unit: str = Field(description="Unit code.")
    kind: str
    summary: str
    person: str | None = Field(description="Number of the person concerned, if one.")
    reported_at: dt.datetime
    recipients: list[RecipientOut]


class UrgentFilter(Schema):
    limit: int = Field(50, ge=1, le=200, description="At most this many, newest first.")


def _recipient(row: UrgentRecipient) -> dict:
    return {
        "person": row.person.number,
        "name": row.person.name,
        "notified_at": row.notified_at,
        "acknowledged_at": row.acknowledged_at,
    }


def _out(report: UrgentReport, recipients: list[UrgentRecipient]) -> dict:
    return {
        "uid": str(report.uid),
        "unit": report.unit.code,
        "kind": report.kind,
        "summary": report.summary,
        "person": report.person.number if report.person else None,
        "reported_at": report.reported_at,
        "recipients": [_recipient(r) for r in recipients],
    }


def _detail(request: HttpRequest, uid) -> dict:
    report = urgent.urgent_report_for(request.user, uid)
    return _out(report, list(report.recipients.all()))


@router.post(
    "/urgent-reports",
    response={201: UrgentReportOut, 200: UrgentReportOut, 400: Error, 403: Error, 404: Error},
    summary="Report a special situation at once (201), or answer the same report for a retry",
)
def urgent_report_create(request: HttpRequest, data: UrgentReportIn):
    scope = scope_of(request.user)
    unit = scope.units().filter(code=data.unit).first()
    if unit is None:
        raise HttpError(404, _("Not found, or not in your reach."))
    person = None
    if data.person:
        person = scope.people().filter(number=data.person).first()
        if person is None:
            raise HttpError(404, _("Not found, or not in your reach."))
    filed = urgent.urgent_report_file(
        actor=request.user,
        unit=unit,
        kind=data.kind,
        summary=data.summary,
        person=person,
        client_id=data.client_id,
    )
    return Status(200 if filed.replayed else 201, _detail(request, filed.report.uid))


@router.post(
    "/urgent-reports/{uid}/acknowledge",
    response={200: UrgentReportOut, 404: Error},
    summary="Acknowledge an urgent report sent to you (已知悉)",
)
def urgent_report_acknowledge(request: HttpRequest, uid: str):
    report = urgent.urgent_report_for(request.user, uid)
    urgent.urgent_report_acknowledge(actor=request.user, report=report)
    return _detail(request, uid)


@router.get(
    "/urgent-reports",
    response={200: list[UrgentReportOut]},
    summary="Urgent reports in your reach or sent to you, newest first",
)
def urgent_report_list(request: HttpRequest, filters: Query[UrgentFilter]):
    reports = list(
        urgent.urgent_reports_visible(request.user).prefetch_related("recipients__person")[
            : filters.limit
        ]
    )
    return [_out(r, list(r.recipients.all())) for r in reports]
