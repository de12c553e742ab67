"""API of the reports app, mounted under /api/v1/: submit and list a unit's daily reports.

Handlers are thin: parse, call `daily_report_submit` or a selector, answer. A unit out of reach
is a 404 indistinguishable from a unit that does not exist.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from bastion.accounts.scoping import scope_of
from bastion.reports.models import DailyReport
from bastion.reports.selectors import daily_reports_of, unit_in_scope_or_none
from bastion.reports.services import daily_report_submit

router = Router(tags=["reports"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class DailyReportIn(Schema):
    day: dt.date = Field(description="The business day reported on (Asia/Shanghai); not future.")
    is_zero: bool = Field(
        description="A zero report (零报告): nothing abnormal. Refused while anyone of the unit "
        "has an open alert or an abnormal health status."
    )
    note: str = Field("", max_length=2000, description="What the unit adds, in its own words.")


class DailyReportOut(Schema):
    uid: str = Field(description="The report's stable identifier.")
    unit: str = Field(description="Code of the unit.")
    day: dt.date
    is_zero: bool
    counts: dict[str, int] = Field(
        description="The unit subtree's counts when signed: expected, checked_in, late, "
        "abnormal, key_area, isolated, suspected, confirmed."
    )
    note: str
    submitted_by: str = Field(
        description="Number of the person who submitted it; empty at a province for a report "
        "a member university sent (the province holds no name)."
    )
    submitted_at: dt.datetime
    is_late: bool = Field(description="Submitted after the campaign's deadline for the unit.")


class ReportFilter(Schema):
    limit: int = Field(30, ge=1, le=366, description="How many of the latest reports.")


def _out(report: DailyReport, code: str) -> dict:
    return {
        "uid": str(report.uid),
        "unit": code,
        "day": report.day,
        "is_zero": report.is_zero,
        "counts": report.counts,
        "note": report.note,
        "submitted_by": report.submitted_by.number if report.submitted_by else "",
        "submitted_at": report.submitted_at,
        "is_late": report.is_late,
    }


def _unit(request: HttpRequest, code: str):
    unit = unit_in_scope_or_none(scope=scope_of(request.user), code=code)
    if unit is None:
        raise HttpError(404, _("Not found, or not in your reach."))
    return unit


@router.post(
    "/units/{code}/daily-reports",
    response={
        201: DailyReportOut,
        200: DailyReportOut,
        400: Error,
        403: Error,
        404: Error,
        409: Error,
    },
    summary="Submit the unit's daily report (201), or replace today's before the deadline (200)",
)
def daily_report_create(request: HttpRequest, code: str, data: DailyReportIn):
    unit = _unit(request, code)
    result = daily_report_submit(
        actor=request.user, unit=unit, day=data.day, is_zero=data.is_zero, note=data.note
    )
    return Status(201 if result.created else 200, _out(result.report, unit.code))


@router.get(
    "/units/{code}/daily-reports",
    response={200: list[DailyReportOut], 404: Error},
    summary="The unit's latest daily reports, newest first",
)
def daily_report_list(request: HttpRequest, code: str, filters: Query[ReportFilter]):
    unit = _unit(request, code)
    return [_out(r, unit.code) for r in daily_reports_of(unit=unit, limit=filters.limit)]
