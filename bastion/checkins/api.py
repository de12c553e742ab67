"""API of the checkins app, mounted under /api/v1/: submit a check-in, read today's, list.

Handlers are thin: parse, call `checkin_submit` or a selector, answer. Out of reach is a 404
indistinguishable from missing; a bad value is a 400 with a message a person understands.
"""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from bastion.accounts.api_auth import person_named_or_own
from bastion.accounts.scoping import scope_of
from bastion.checkins import selectors
from bastion.checkins.models import CheckIn
from bastion.checkins.services import checkin_submit
from bastion.lib.days import business_day
from bastion.lib.paging import api_page

router = Router(tags=["checkins"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class CheckInIn(Schema):
    temperature: Decimal = Field(description="Body temperature in °C, 34–43, one decimal.")
    symptoms: list[str] = Field(
        default_factory=list, description="Codes of the campaign's symptoms; empty when none."
    )
    location: str = Field(max_length=6, description="GB/T 2260 code of where the person is.")
    on_campus: bool = Field(description="On campus today.")
    key_area_contact: bool = Field(False, description="Contact with someone from a key area.")
    case_contact: bool = Field(False, description="Contact with a confirmed or suspected case.")
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per check-in: a retry with the same value "
        "answers the record already made and writes nothing.",
    )
    person: str | None = Field(
        None,
        max_length=32,
        description="Number of the person checked in for (a grid worker or counselor's proxy "
        "check-in); omitted: the caller.",
    )


class CheckInOut(Schema):
    uid: str = Field(description="The check-in's stable identifier.")
    person: str = Field(description="Number of the person.")
    day: dt.date = Field(description="Business day (Asia/Shanghai).")
    temperature: Decimal = Field(description="Body temperature in °C.")
    symptoms: list[str] = Field(description="Symptom codes.")
    location: str = Field(description="GB/T 2260 code.")
    on_campus: bool
    key_area_contact: bool
    case_contact: bool
    status: str = Field(description="`green`, `yellow` or `red`.")
    reason: str = Field(description="Why the status is not green, in Chinese.")
    is_late: bool = Field(description="First submitted after the campaign's cut-off.")
    is_proxy: bool = Field(description="Submitted by someone else on the person's behalf.")
    revision: int = Field(description="1, then one more for each correction the same day.")
    submitted_at: dt.datetime


class CheckInPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CheckInOut]


class CheckInFilter(Schema):
    person: str | None = Field(None, max_length=32, description="Only this person's (a number).")
    day: dt.date | None = Field(None, description="Only this day's.")
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(50, ge=1, le=200, description="Check-ins per page (at most 200).")


def _out(checkin: CheckIn, number: str) -> dict:
    return {
        "uid": str(checkin.uid),
        "person": number,
        "day": checkin.day,
        "temperature": checkin.temperature,
        "symptoms": checkin.symptoms,
        "location": checkin.location,
        "on_campus": checkin.on_campus,
        "key_area_contact": checkin.key_area_contact,
        "case_contact": checkin.case_contact,
        "status": checkin.status,
        "reason": checkin.reason,
        "is_late": checkin.is_late,
        "is_proxy": checkin.is_proxy,
        "revision": checkin.revision,
        "submitted_at": checkin.submitted_at,
    }


@router.post(
    "/checkins",
    response={201: CheckInOut, 200: CheckInOut, 400: Error, 404: Error},
    summary="Check in for today (201), or answer the same record for a retry (200)",
)
def checkin_create(request: HttpRequest, data: CheckInIn):
    user = request.user
    person = person_named_or_own(request, data.person)
    result = checkin_submit(
        actor=user,
        person=person,
        campaign=selectors.active_campaign_cached(),
        temperature=data.temperature,
        symptoms=data.symptoms,
        location=data.location,
        on_campus=data.on_campus,
        key_area_contact=data.key_area_contact,
        case_contact=data.case_contact,
        client_id=data.client_id,
    )
    # The record was just validated on its way in: the answer is built without validating it
    # again (ninja dumps a model instance of the response's type as it is).
    answer = CheckInOut.model_construct(**_out(result.checkin, person.number))
    return Status(200 if result.replayed else 201, answer)


@router.get(
    "/checkins/today",
    response={200: CheckInOut, 404: Error},
    summary="The caller's own check-in of today",
)
def checkin_mine_today(request: HttpRequest):
    person = person_named_or_own(request, None)
    checkin = selectors.checkin_today(person=person, day=business_day())
    if checkin is None:
        raise HttpError(404, _("You have not checked in today."))
    return _out(checkin, person.number)


@router.get(
    "/checkins",
    response={200: CheckInPage, 404: Error},
    summary="Check-ins of the people in your reach, newest first, a page at a time",
)
def checkin_list(request: HttpRequest, filters: Query[CheckInFilter]):
    found = selectors.checkins_visible(scope=scope_of(request.user))
    if filters.person:
        found = found.filter(person__number=filters.person)
    if filters.day:
        found = found.filter(day=filters.day)
    found = found.order_by("-day", "person__number")
    return api_page(
        found,
        page=filters.page,
        page_size=filters.page_size,
        out=lambda c: _out(c, c.person.number),
    )


@router.get(
    "/checkins/ping",
    auth=None,
    summary="A liveness probe without a database query: the framework's own ceiling",
)
def ping(request: HttpRequest) -> dict:
    return {"ok": True}
