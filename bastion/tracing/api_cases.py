"""API of cases (病例), mounted under /api/v1/: record a suspected case, list the cases in
reach, move a case forward.

Handlers are thin: parse, call a service or selector of `bastion.tracing.cases`, answer. A
refusal (CaseRefused) answers its status with `{"detail": message}`; out of reach is 404.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.lib.paging import api_page
from bastion.tracing import cases as svc
from bastion.tracing.models import Case, CaseStatus

router = Router(tags=["cases"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class CaseIn(Schema):
    person: str = Field(max_length=32, description="Number (学号/工号) of the suspected person.")
    discovered_at: dt.datetime | None = Field(
        None, description="When the person was found to be suspect; omitted: now. Not future."
    )
    onset_on: dt.date | None = Field(None, description="Day the symptoms began, if known.")
    note: str = Field("", max_length=svc.NOTE_MAX, description="What was found, for the record.")
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per case: a retry with the same value answers "
        "the case already recorded and writes and sends nothing.",
    )


class CaseMoveIn(Schema):
    status: CaseStatus = Field(
        description="The next state: from `suspected` to `confirmed` or `excluded`; from "
        "`confirmed` to `recovered`, `died` or `transferred`. Never backwards."
    )
    note: str = Field("", max_length=svc.NOTE_MAX, description="Why, for the history.")
    hospital: str = Field("", max_length=svc.HOSPITAL_MAX, description="Where treated, if known.")
    at: dt.datetime | None = Field(None, description="When it changed; omitted: now.")


class CaseOut(Schema):
    uid: str
    person: str = Field(description="Number of the person.")
    name: str
    unit: str = Field(description="Code of the person's unit.")
    status: str = Field(description="suspected, confirmed, excluded, recovered, died, transferred.")
    onset_on: dt.date | None
    discovered_at: dt.datetime
    reported_at: dt.datetime
    isolated_at: dt.datetime | None
    treated_at: dt.datetime | None
    hospital: str
    hours_to_report: float | None = Field(description="Hours from discovery to report.")
    hours_to_isolate: float | None = Field(description="Hours from discovery to isolation.")
    hours_to_treat: float | None = Field(description="Hours from discovery to treatment.")
    urgent_report: str | None = Field(description="uid of the urgent report filed for the case.")
    status_changed_at: dt.datetime


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class CaseFilter(Schema):
    status: CaseStatus | None = Field(None, description="Only cases in this state.")
    unit: str | None = Field(None, max_length=32, description="Only under this unit (its code).")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _hours(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _out(case: Case) -> dict:
    hours = svc.case_intervals(case)
    return {
        "uid": str(case.uid),
        "person": case.person.number,
        "name": case.person.name,
        "unit": case.person.unit.code,
        "status": case.status,
        "onset_on": case.onset_on,
        "discovered_at": case.discovered_at,
        "reported_at": case.reported_at,
        "isolated_at": case.isolated_at,
        "treated_at": case.treated_at,
        "hospital": case.hospital,
        "hours_to_report": _hours(hours.to_report),
        "hours_to_isolate": _hours(hours.to_isolate),
        "hours_to_treat": _hours(hours.to_treat),
        "urgent_report": str(case.urgent_report.uid) if case.urgent_report_id else None,
        "status_changed_at": case.status_changed_at,
    }


@router.post(
    "/cases",
    response={201: CaseOut, 200: CaseOut, 400: Error, 403: Error, 404: Error},
    summary="Record a suspected case (201): files the urgent report; a retry answers it (200)",
)
def case_create(request: HttpRequest, data: CaseIn):
    person = scope_of(request.user).people().filter(number=data.person).first()
    if person is None:
        raise svc.CaseRefused(_("Not found, or not in your reach."), status=404)
    replayed = svc.case_recorded_before(actor=request.user, client_id=data.client_id)
    case = svc.case_record(
        actor=request.user,
        person=person,
        discovered_at=data.discovered_at,
        onset_on=data.onset_on,
        note=data.note,
        client_id=data.client_id,
    )
    case = Case.objects.select_related("person__unit", "urgent_report").get(pk=case.pk)
    return Status(200 if replayed is not None else 201, _out(case))


@router.get(
    "/cases",
    response=CasePage,
    summary="Cases of the people in your reach in the running campaign, newest discovery first",
)
def case_list(request: HttpRequest, filters: Query[CaseFilter]):
    scope = scope_of(request.user)
    campaign = active_campaign()
    unit = scope.units().filter(code=filters.unit).first() if filters.unit else None
    if campaign is None or (filters.unit and unit is None):
        cases = Case.objects.none()  # no campaign running, or a unit out of reach
    else:
        cases = svc.case_ledger(
            scope=scope, campaign=campaign, status=filters.status or "", unit=unit
        ).select_related("urgent_report")
    return api_page(cases, page=filters.page, page_size=filters.page_size, out=_out)


@router.get(
    "/cases/{uid}",
    response={200: CaseOut, 404: Error},
    summary="One case in your reach",
)
def case_get(request: HttpRequest, uid: str):
    return _out(svc.case_for(request.user, uid))


@router.post(
    "/cases/{uid}/status",
    response={200: CaseOut, 400: Error, 403: Error, 404: Error},
    summary="Move a case forward (confirming files an urgent report); never backwards",
)
def case_status(request: HttpRequest, uid: str, data: CaseMoveIn):
    case = svc.case_for(request.user, uid)
    svc.case_move(
        actor=request.user,
        case=case,
        status=data.status,
        note=data.note,
        hospital=data.hospital,
        at=data.at,
    )
    return _out(svc.case_for(request.user, uid))
