"""API of the alerts app, mounted under /api/v1/: list, read, acknowledge and close alerts.

Handlers are thin: every read starts from the caller's scope; an alert out of reach answers
404 like a missing one; a refused action answers 4xx with a message a person understands.
"""

import datetime as dt
import json
import uuid

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from bastion.accounts.scoping import scope_of
from bastion.alerts import selectors
from bastion.alerts.models import Alert, AlertState
from bastion.alerts.services import alert_acknowledge, alert_close
from bastion.lib.paging import api_page

router = Router(tags=["alerts"])
PAGE_SIZE = 50


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class AlertOut(Schema):
    uid: uuid.UUID = Field(description="The alert's stable identifier.")
    person: str = Field(description="Number of the person the alert is about.")
    person_name: str
    kind: str = Field(description="The rule that raised it: fever, symptoms, missing_cutoff, …")
    severity: str = Field(description="`yellow` or `red`.")
    summary: str = Field(description="What happened, in Chinese.")
    day: dt.date
    state: str = Field(description="`open`, `acknowledged` or `closed`.")
    owner: str | None = Field(description="Number of the owner.")
    level: int = Field(description="0: with the owner; each escalation adds one.")
    raised_at: dt.datetime
    escalate_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    note: str = Field(description="What was done, written when closing.")


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AlertOut]


class AlertFilter(Schema):
    state: AlertState | None = Field(None, description="Only alerts in this state.")
    mine: bool = Field(False, description="Only those owned by or escalated to the caller.")
    page: int = Field(1, ge=1, description="Page number, from 1.")


class CloseIn(Schema):
    note: str = Field(max_length=2000, description="What was done: required to close.")


def _out(alert: Alert) -> AlertOut:
    return AlertOut(
        uid=alert.uid,
        person=alert.person.number,
        person_name=alert.person.name,
        kind=alert.kind,
        severity=alert.severity,
        summary=alert.summary,
        day=alert.day,
        state=alert.state,
        owner=alert.owner.number if alert.owner else None,
        level=alert.level,
        raised_at=alert.raised_at,
        escalate_at=alert.escalate_at,
        acknowledged_at=alert.acknowledged_at,
        closed_at=alert.closed_at,
        note=alert.note,
    )


def _alert(request: HttpRequest, uid: str) -> Alert:
    try:
        return selectors.alert_or_404(scope=scope_of(request.user), uid=uid)
    except Http404:
        raise HttpError(404, _("Not found, or not in your reach.")) from None


@router.get("/alerts", response={200: AlertPage}, summary="Alerts in reach")
def alerts_list(request: HttpRequest, filters: Query[AlertFilter]) -> dict:
    """The alerts of the people in the caller's reach, newest first, 50 a page."""
    alerts = selectors.alerts_list(
        scope=scope_of(request.user), state=filters.state, mine=filters.mine
    )
    return api_page(alerts, page=filters.page, page_size=PAGE_SIZE, out=_out)


@router.get("/alerts/{uid}", response={200: AlertOut, 404: Error}, summary="One alert")
def alert_get(request: HttpRequest, uid: str) -> AlertOut:
    return _out(_alert(request, uid))


def _optional_note(request: HttpRequest) -> str:
    """The note of an optional JSON body: {"note": "…"}, or nothing at all."""
    if request.content_type != "application/json" or not request.body.strip():
        return ""
    try:
        payload = json.loads(request.body)
    except ValueError:
        raise HttpError(400, _("The body is not valid JSON.")) from None
    note = payload.get("note", "") if isinstance(payload, dict) else None
    if not isinstance(note, str):
        raise HttpError(400, _('Send {"note": "…"} with the note as text, or no body.'))
    return note


def _act(request: HttpRequest, uid: str, action) -> AlertOut:
    action(_alert(request, uid))
    return _out(_alert(request, uid))


@router.post(
    "/alerts/{uid}/acknowledge",
    response={200: AlertOut, 400: Error, 404: Error, 409: Error},
    summary="Acknowledge an alert",
)
def alert_acknowledge_api(request: HttpRequest, uid: str) -> AlertOut:
    """Take an open alert in hand: it stops escalating. Body optional: {"note": "…"}."""
    note = _optional_note(request)
    return _act(request, uid, lambda a: alert_acknowledge(actor=request.user, alert=a, note=note))


@router.post(
    "/alerts/{uid}/close",
    response={200: AlertOut, 400: Error, 404: Error, 409: Error},
    summary="Close an alert",
)
def alert_close_api(request: HttpRequest, uid: str, payload: CloseIn) -> AlertOut:
    """Close an alert with a note of what was done; the person's health is recomputed."""
    return _act(request, uid, lambda a: alert_close(actor=request.user, alert=a, note=payload.note))
