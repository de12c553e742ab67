"""API of isolation (隔离), mounted under /api/v1/: list the isolations in reach, start one,
log a carer's contact, release.

Handlers are thin: parse, call a service of `tracing.isolation` or a selector, answer. A
person or isolation out of reach is a 404 indistinguishable from a missing one.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bastion.accounts.scoping import scope_of
from bastion.lib.paging import api_page
from bastion.lib.refusals import Refused
from bastion.tracing import isolation as iso
from bastion.tracing.models import (
    OPEN_ISOLATION_STATES,
    CareChannel,
    CareLog,
    Isolation,
    IsolationKind,
    IsolationState,
)

router = Router(tags=["isolation"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class IsolationIn(Schema):
    person: str = Field(max_length=32, description="Number of the person to isolate.")
    kind: IsolationKind = Field(IsolationKind.HOME, description="`home` or `central`.")
    reason: str = Field("", max_length=200, description="Why (kept from a proposal if empty).")
    carer: str | None = Field(
        None,
        max_length=32,
        description="Number of the carer (a Party member, counselor or grid worker in reach); "
        "omitted: the nearest who answers for the person.",
    )
    place: str = Field("", max_length=100, description="Home address or isolation site.")
    starts_on: dt.date | None = Field(None, description="First day (today if omitted).")


class IsolationOut(Schema):
    uid: str
    person: str = Field(description="Number of the isolated person.")
    name: str
    kind: str
    state: str = Field(description="`proposed`, `active`, `released` or `withdrawn`.")
    reason: str
    place: str
    carer: str | None = Field(description="Number of the carer.")
    proposed_at: dt.datetime
    starts_on: dt.date | None
    planned_end_on: dt.date | None
    ended_on: dt.date | None
    tested_negative_on: dt.date | None
    last_care_at: dt.datetime | None


class IsolationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[IsolationOut]


class IsolationFilter(Schema):
    state: str = Field("open", description="`open` (proposed or active), `all`, or one state.")
    person: str | None = Field(None, max_length=32, description="Only this person's (a number).")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class CareLogIn(Schema):
    channel: CareChannel = Field(description="`phone`, `network` or `visit`.")
    needs: str = Field("", max_length=500, description="What the person needed.")
    done: str = Field("", max_length=500, description="What was done.")
    at: dt.datetime | None = Field(None, description="When (now if omitted; not in the future).")
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per contact: a retry with the same value "
        "answers the log already made and writes nothing.",
    )


class CareLogOut(Schema):
    id: int
    isolation: str = Field(description="uid of the isolation.")
    carer: str = Field(description="Number of the carer.")
    at: dt.datetime
    channel: str
    needs: str
    done: str
    client_id: str


class ReleaseIn(Schema):
    note: str = Field("", max_length=200, description="Why; required for an early release.")
    early: bool = Field(
        False, description="Release before the planned end (e.g. the case was excluded)."
    )


def _out(isolation: Isolation) -> dict:
    return {
        "uid": str(isolation.uid),
        "person": isolation.person.number,
        "name": isolation.person.name,
        "kind": isolation.kind,
        "state": isolation.state,
        "reason": isolation.reason,
        "place": isolation.place,
        "carer": isolation.carer.number if isolation.carer else None,
        "proposed_at": isolation.proposed_at,
        "starts_on": isolation.starts_on,
        "planned_end_on": isolation.planned_end_on,
        "ended_on": isolation.ended_on,
        "tested_negative_on": isolation.tested_negative_on,
        "last_care_at": isolation.last_care_at,
    }


def _log_out(log: CareLog, isolation: Isolation) -> dict:
    return {
        "id": log.pk,
        "isolation": str(isolation.uid),
        "carer": log.carer.number,
        "at": log.at,
        "channel": log.channel,
        "needs": log.needs,
        "done": log.done,
        "client_id": log.client_id,
    }


@router.get(
    "/isolations",
    response={200: IsolationPage, 400: Error},
    summary="Isolations of the people in your reach",
)
def isolation_list(request: HttpRequest, filters: Query[IsolationFilter]):
    isolations = iso.isolations_visible(scope=scope_of(request.user))
    if filters.state == "open":
        isolations = isolations.filter(state__in=OPEN_ISOLATION_STATES)
    elif filters.state in IsolationState.values:
        isolations = isolations.filter(state=filters.state)
    elif filters.state != "all":
        raise Refused(_("Unknown state %(s)s.") % {"s": filters.state})
    if filters.person:
        isolations = isolations.filter(person__number=filters.person)
    return api_page(isolations, page=filters.page, page_size=filters.page_size, out=_out)


@router.post(
    "/isolations",
    response={201: IsolationOut, 200: IsolationOut, 400: Error, 404: Error},
    summary="Start a person's isolation with a carer (201); an active one is answered (200)",
)
def isolation_create(request: HttpRequest, data: IsolationIn):
    scope = scope_of(request.user)
    person = scope.people().filter(number=data.person).first()
    if person is None:
        raise Refused(_("Not found, or not in your reach."), status=404)
    carer = iso.carer_named(actor=request.user, number=data.carer)
    was_active = Isolation.objects.filter(person=person, state=IsolationState.ACTIVE).exists()
    isolation = iso.isolation_start(
        actor=request.user,
        person=person,
        kind=data.kind,
        reason=data.reason,
        carer=carer,
        place=data.place,
        starts_on=data.starts_on,
    )
    return Status(200 if was_active else 201, _out(isolation))


@router.post(
    "/isolations/{uid}/care-logs",
    response={201: CareLogOut, 200: CareLogOut, 400: Error, 404: Error, 409: Error},
    summary="Log a carer's contact with an isolated person (201), or answer a retry (200)",
)
def care_log_create(request: HttpRequest, uid: str, data: CareLogIn):
    isolation = iso.isolation_for(request.user, uid)
    replayed = iso.care_log_replayed(isolation=isolation, client_id=data.client_id)
    log = iso.care_log(
        actor=request.user,
        isolation=isolation,
        channel=data.channel,
        needs=data.needs,
        done=data.done,
        at=data.at,
        client_id=data.client_id,
    )
    return Status(200 if replayed else 201, _log_out(log, isolation))


@router.post(
    "/isolations/{uid}/release",
    response={200: IsolationOut, 400: Error, 404: Error, 409: Error},
    summary="Release from isolation under the campaign's conditions, or early with a reason",
)
def isolation_release(request: HttpRequest, uid: str, data: ReleaseIn):
    isolation = iso.isolation_for(request.user, uid)
    isolation = iso.isolation_release(
        actor=request.user, isolation=isolation, note=data.note, early=data.early
    )
    return _out(isolation)
