"""API of key places (重点场所) and visitors (校外人员), for gate devices and the mini-program:
the places in reach with how full they are, log an entry or exit, register and revoke a visitor.

Handlers are thin: parse, call a service of `campus.places` or a selector, answer. A place
or visitor out of reach is a 404 indistinguishable from a missing one.
"""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bastion.accounts.scoping import scope_of
from bastion.campus import places as pl
from bastion.campus.models import AccessLog, Direction, KeyPlace, Visitor
from bastion.lib.paging import api_page
from bastion.lib.refusals import Refused

router = Router(tags=["key places"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class KeyPlaceOut(Schema):
    uid: str
    name: str
    kind: str = Field(description="`office`, `lab`, `apartment` or `other`.")
    unit: str = Field(description="Code of the unit whose people may enter.")
    building: str = Field(description="For an apartment: the building whose residents enter.")
    capacity: int
    occupancy: int = Field(description="How many are inside now.")
    is_active: bool
    visitors_allowed: bool = Field(description="False for labs and student apartments.")


class PlacePassIn(Schema):
    direction: Direction = Field(description="`in` or `out`.")
    code: str = Field(
        max_length=40, description="A person's number, or a visitor's code (V and 8 hex digits)."
    )


class PlacePassOut(Schema):
    uid: str
    at: dt.datetime
    place: str = Field(description="uid of the place.")
    direction: str
    admitted: bool
    reason: str = Field(description="Why, as the keeper reads it.")
    person: str | None = Field(description="Number of the person, if one.")
    visitor: str | None = Field(description="Code of the visitor, if one.")
    name: str | None
    occupancy: int = Field(description="How many are inside after this pass.")


class VisitorIn(Schema):
    host: str = Field(max_length=32, description="Number of the host (a staff member).")
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20, description="A mobile, or a landline with its area code.")
    id_number: str = Field("", max_length=18, description="Resident ID card number.")
    organization: str = Field("", max_length=100)
    purpose: str = Field(max_length=200)
    valid_from: dt.datetime = Field(description="Now or later (Shanghai time if naive).")
    valid_until: dt.datetime = Field(description="After the start, at most 7 days later.")


class VisitorOut(Schema):
    uid: str
    code: str = Field(description="What the gate types: V and 8 hex digits.")
    name: str
    organization: str
    purpose: str
    host: str = Field(description="Number of the host.")
    valid_from: dt.datetime
    valid_until: dt.datetime
    revoked_at: dt.datetime | None
    state: str = Field(description="`upcoming`, `current`, `ended` or `revoked`.")


class VisitorPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitorOut]


class VisitorFilter(Schema):
    state: str = Field("open", description="`open` (now and to come), `ended`, or `all`.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _place_out(place: KeyPlace) -> dict:
    return {
        "uid": str(place.uid),
        "name": place.name,
        "kind": place.kind,
        "unit": place.unit.code,
        "building": place.dormitory,
        "capacity": place.capacity,
        "occupancy": place.occupancy,
        "is_active": place.is_active,
        "visitors_allowed": place.kind not in pl.NO_VISITORS,
    }


def _pass_out(log: AccessLog, place: KeyPlace) -> dict:
    return {
        "uid": str(log.uid),
        "at": log.at,
        "place": str(place.uid),
        "direction": log.direction,
        "admitted": log.admitted,
        "reason": log.reason,
        "person": log.person.number if log.person else None,
        "visitor": pl.visitor_code(log.visitor) if log.visitor else None,
        "name": log.person.name if log.person else (log.visitor.name if log.visitor else None),
        "occupancy": place.occupancy,
    }


def _visitor_out(visitor: Visitor, now: dt.datetime) -> dict:
    return {
        "uid": str(visitor.uid),
        "code": pl.visitor_code(visitor),
        "name": visitor.name,
        "organization": visitor.organization,
        "purpose": visitor.purpose,
        "host": visitor.host.number,
        "valid_from": visitor.valid_from,
        "valid_until": visitor.valid_until,
        "revoked_at": visitor.revoked_at,
        "state": pl.visitor_state(visitor, now=now),
    }


@router.get("/key-places", response=list[KeyPlaceOut], summary="Key places you keep or guard")
def place_list(request: HttpRequest):
    return [_place_out(p) for p in pl.places_visible(scope=scope_of(request.user))]


@router.get(
    "/key-places/{uid}",
    response={200: KeyPlaceOut, 404: Error},
    summary="One key place with how many are inside",
)
def place_get(request: HttpRequest, uid: str):
    return _place_out(pl.place_for(request.user, uid))


@router.post(
    "/key-places/{uid}/passes",
    response={201: PlacePassOut, 400: Error, 404: Error},
    summary="Log an entry or exit at a key place: admitted or refused with the reason (201)",
)
def place_pass(request: HttpRequest, uid: str, data: PlacePassIn):
    place = pl.place_for(request.user, uid)
    log = pl.place_pass_by_code(
        actor=request.user,
        place=place,
        direction=data.direction,
        code=data.code,
        now=timezone.now(),
    )
    place.occupancy = pl.occupancy_now(place)
    return Status(201, _pass_out(log, place))


@router.get("/visitors", response={200: VisitorPage, 400: Error}, summary="Visitors you may see")
def visitor_list(request: HttpRequest, filters: Query[VisitorFilter]):
    now = timezone.now()
    visitors = pl.visitors_visible(actor=request.user)
    if filters.state == "open":
        visitors = visitors.filter(revoked_at__isnull=True, valid_until__gt=now)
    elif filters.state == "ended":
        visitors = pl.visitors_ended(visitors, now=now)
    elif filters.state != "all":
        raise Refused(_("Unknown state %(s)s.") % {"s": filters.state})
    return api_page(
        visitors,
        page=filters.page,
        page_size=filters.page_size,
        out=lambda v: _visitor_out(v, now),
    )


@router.post(
    "/visitors",
    response={201: VisitorOut, 400: Error, 404: Error},
    summary="Register a visitor with a staff host and a window of at most 7 days",
)
def visitor_create(request: HttpRequest, data: VisitorIn):
    now = timezone.now()
    visitor = pl.visitor_register(
        actor=request.user,
        host_number=data.host,
        name=data.name,
        phone=data.phone,
        id_number=data.id_number,
        organization=data.organization,
        purpose=data.purpose,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        now=now,
    )
    return Status(201, _visitor_out(visitor, now))


@router.post(
    "/visitors/{uid}/revoke",
    response={200: VisitorOut, 404: Error, 409: Error},
    summary="Revoke a visit: the visitor is refused from now on",
)
def visitor_revoke(request: HttpRequest, uid: str):
    now = timezone.now()
    visitor = pl.visitor_revoke(
        actor=request.user, visitor=pl.visitor_for(request.user, uid), now=now
    )
    return _visitor_out(visitor, now)
