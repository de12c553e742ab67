"""API of the tracing app, mounted under /api/v1/: report a trip, list the trips in reach.

Handlers are thin: parse, call `trip_record` or a selector, answer. A refusal (TripRefused)
answers its status with a message a person understands; out of reach is 404.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from bastion.accounts.api_auth import person_named_or_own
from bastion.accounts.scoping import scope_of
from bastion.lib import divisions
from bastion.lib.paging import api_page
from bastion.tracing import selectors
from bastion.tracing.models import Transport, Trip
from bastion.tracing.services import trip_record

router = Router(tags=["tracing"])


class Error(Schema):
    detail: str = Field(description="What went wrong, in the reader's language.")


class TripIn(Schema):
    origin: str = Field(max_length=6, description="GB/T 2260 code of where the leg started.")
    destination: str = Field(max_length=6, description="GB/T 2260 code of where it ended.")
    departs_on: dt.date = Field(description="Day of departure.")
    arrives_on: dt.date = Field(description="Day of arrival (not before departure, not future).")
    transport: Transport = Field(description="train, flight, coach, car, ship or other.")
    number: str = Field(
        "", max_length=32, description="Train or flight number (G1234, MU5101); else optional."
    )
    purpose: str = Field("", max_length=200, description="Why the person travelled.")
    client_id: str = Field(
        "",
        max_length=64,
        description="Chosen by the client, once per trip: a retry with the same value answers "
        "the trip already made and writes nothing.",
    )
    person: str | None = Field(
        None,
        max_length=32,
        description="Number of the person whose trip a screener registers; omitted: the caller.",
    )


class TripOut(Schema):
    uid: str
    person: str = Field(description="Number of the person.")
    origin: str
    origin_name: str = Field(description="Province, city and county, in Chinese.")
    destination: str
    destination_name: str
    departs_on: dt.date
    arrives_on: dt.date
    transport: str
    number: str
    purpose: str
    source: str = Field(description="`self` or `screener`.")
    registered_at: dt.datetime


class TripPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TripOut]


class TripFilter(Schema):
    person: str | None = Field(None, max_length=32, description="Only this person's (a number).")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _out(trip: Trip) -> dict:
    return {
        "uid": str(trip.uid),
        "person": trip.person.number,
        "origin": trip.origin,
        "origin_name": divisions.full_name(trip.origin),
        "destination": trip.destination,
        "destination_name": divisions.full_name(trip.destination),
        "departs_on": trip.departs_on,
        "arrives_on": trip.arrives_on,
        "transport": trip.transport,
        "number": trip.number,
        "purpose": trip.purpose,
        "source": trip.source,
        "registered_at": trip.registered_at,
    }


@router.post(
    "/trips",
    response={201: TripOut, 200: TripOut, 400: Error, 404: Error},
    summary="Report a trip (201), or answer the same trip for a retry (200)",
)
def trip_create(request: HttpRequest, data: TripIn):
    result = trip_record(
        actor=request.user,
        person=person_named_or_own(request, data.person),
        origin=data.origin,
        destination=data.destination,
        departs_on=data.departs_on,
        arrives_on=data.arrives_on,
        transport=data.transport,
        number=data.number,
        purpose=data.purpose,
        client_id=data.client_id,
    )
    return Status(200 if result.replayed else 201, _out(result.trip))


@router.get("/trips", response=TripPage, summary="Trips of the people in the caller's reach")
def trip_list(request: HttpRequest, filters: Query[TripFilter]):
    trips = selectors.trips_visible(scope=scope_of(request.user))
    if filters.person:
        trips = trips.filter(person__number=filters.person)
    return api_page(trips, page=filters.page, page_size=filters.page_size, out=_out)
