"""Writing trips: validate everything, then one row; a retry with the same client id writes
nothing."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.campaigns.selectors import active_campaign
from bastion.lib import divisions
from bastion.lib.days import business_day
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.org.models import Person
from bastion.tracing.models import Transport, Trip, TripSource

PURPOSE_MAX = 200
# 车次: G, D, C (high speed), Z, T, K (express), Y, L, S and ordinary four-digit trains.
TRAIN_NUMBER = re.compile(r"[GDCZTKYLS]?\d{1,4}")
# 航班号: the airline's two-character IATA code, then one to four digits, maybe a suffix.
FLIGHT_NUMBER = re.compile(r"(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\d{1,4}[A-Z]?")
OTHER_NUMBER_MAX = 16


class TripRefused(Refused):
    """A trip that cannot be recorded: 400 for a bad value, 404 for a person out of reach
    (the same answer as a person who does not exist)."""


@dataclass(frozen=True)
class TripResult:
    trip: Trip
    replayed: bool  # the client id was used before: nothing was written


def trip_may_record(*, actor: User, person: Person) -> bool:
    """The person themself, or a screener (counselor, grid worker) whose reach holds them."""
    if actor.person_id is not None and actor.person_id == person.pk:
        return True
    scope = scope_of(actor)
    return scope.has(Perm.REGISTER_TRIPS) and scope.people().filter(pk=person.pk).exists()


def _division(code: Any, *, which: str) -> str:
    code = clean(code)
    if divisions.get(code) is None:
        raise TripRefused(
            _("Unknown division code %(code)s for %(which)s: pick a province, city and county.")
            % {"code": code or "—", "which": which}
        )
    return code


def _day(value: Any, *, which: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(clean(value))
    except ValueError:
        raise TripRefused(
            _("The %(which)s date must be a day such as 2020-01-20.") % {"which": which}
        ) from None


def _number(transport: str, value: Any) -> str:
    """The train or flight number in its one normal form, checked for its transport."""
    number = clean(value).upper().replace(" ", "").replace("-", "")
    if transport == Transport.TRAIN:
        if not TRAIN_NUMBER.fullmatch(number):
            raise TripRefused(
                _("%(n)s is not a train number: a letter such as G, D or K and digits, e.g. G1234.")
                % {"n": number or "—"}
            )
    elif transport == Transport.FLIGHT:
        if not FLIGHT_NUMBER.fullmatch(number):
            raise TripRefused(
                _(
                    "%(n)s is not a flight number: the airline's two characters and digits, "
                    "e.g. MU5101."
                )
                % {"n": number or "—"}
            )
    elif len(number) > OTHER_NUMBER_MAX:
        raise TripRefused(_("The number is longer than 16 characters."))
    return number


def trip_record(
    *,
    actor: User,
    person: Person,
    origin: Any,
    destination: Any,
    departs_on: Any,
    arrives_on: Any,
    transport: Any,
    number: Any = "",
    purpose: Any = "",
    client_id: str = "",
    now: dt.datetime | None = None,
) -> TripResult:
    """Record one leg of `person`'s journey, reported by themself or registered by a screener.

    Everything is checked before anything is written; a retry with the same `client_id`
    answers the trip it made and writes nothing. Raises TripRefused.
    """
    now = now or timezone.now()
    if not trip_may_record(actor=actor, person=person):
        raise TripRefused(_("Not found, or not in your reach."), status=404)
    client_id = clean(client_id)
    if len(client_id) > 64:
        raise TripRefused(_("The client id is longer than 64 characters."))
    if client_id:
        earlier = Trip.objects.filter(person=person, client_id=client_id).first()
        if earlier is not None:
            return TripResult(earlier, replayed=True)
    transport = clean(transport)
    if transport not in Transport.values:
        raise TripRefused(
            _("Unknown transport %(t)s: one of %(known)s.")
            % {"t": transport or "—", "known": ", ".join(Transport.values)}
        )
    trip = Trip(
        person=person,
        campaign=active_campaign(),
        origin=_division(origin, which=_("where from")),
        destination=_division(destination, which=_("where to")),
        departs_on=_day(departs_on, which=_("departure")),
        arrives_on=_day(arrives_on, which=_("arrival")),
        transport=transport,
        number=_number(transport, number),
        purpose=clean(purpose),
        source=TripSource.SELF if actor.person_id == person.pk else TripSource.SCREENER,
        registered_by=actor,
        registered_at=now,
        client_id=client_id,
    )
    if len(trip.purpose) > PURPOSE_MAX:
        raise TripRefused(_("The purpose is longer than 200 characters."))
    if trip.arrives_on < trip.departs_on:
        raise TripRefused(_("The arrival cannot be before the departure."))
    if trip.arrives_on > business_day(now):
        raise TripRefused(_("Record a trip once it has happened: its arrival is in the future."))
    try:
        with transaction.atomic():
            trip.save()
    except IntegrityError:
        # The same client id raced in from a second request: answer the trip it made.
        earlier = Trip.objects.filter(person=person, client_id=client_id).first()
        if not client_id or earlier is None:
            raise
        return TripResult(earlier, replayed=True)
    return TripResult(trip, replayed=False)
