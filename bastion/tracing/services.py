"""Writing trips: validate everything, then one row; a retry with the same client id writes
nothing."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import may_act_for
from bastion.alerts.models import Alert, AlertState
from bastion.alerts.rules import KeyAreaRule
from bastion.campaigns.models import KeyArea, RiskLevel
from bastion.campaigns.selectors import active_campaign
from bastion.lib import divisions
from bastion.lib.chunks import chunks
from bastion.lib.days import business_day
from bastion.lib.refusals import Refused
from bastion.lib.text import clean
from bastion.org.models import HealthStatus, Person
from bastion.tracing.models import Transport, Trip, TripSource
from bastion.tracing.selectors import SEVERITY_OF_RISK, key_area_presence

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
    return may_act_for(actor=actor, person=person, perm=Perm.REGISTER_TRIPS)


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


# --- key areas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reevaluation:
    people: int  # in or back from the area within the quarantine window
    raised: int
    closed: int
    proposed: int = 0  # isolations proposed
    withdrawn: int = 0  # proposals withdrawn


def _been_there(day: dt.date, place: str) -> str:
    return f"{day.month}月{day.day}日到过重点地区：{place}"


def key_area_reevaluate(*, key_area: KeyArea, now: dt.datetime | None = None) -> Reevaluation:
    """Bring the alerts of a key area in line with who was there within the quarantine window.

    Everyone whose trips or check-ins put them in the area gets an alert (red for a high-risk
    area, yellow for a medium one) owned by their grid worker or counselor, unless they already
    have a key-area alert; alerts this area raised earlier for people no longer concerned (the
    area lowered to low risk, shrunk in time, or deleted) are closed. Idempotent: a second run
    changes nothing. Health statuses and the units' counts follow.
    """
    from bastion.alerts.services import (
        Owners,
        Raise,
        alerts_close_many,
        alerts_raise_many,
        people_health_refresh_many,
    )
    from bastion.tracing.isolation import isolations_propose_many, isolations_withdraw_proposed

    now = now or timezone.now()
    today = business_day(now)
    severity = SEVERITY_OF_RISK.get(key_area.risk_level)
    present = key_area_presence(key_area=key_area, today=today) if severity else {}
    place = divisions.full_name(key_area.division)
    with transaction.atomic():
        opened = dict(
            Alert.objects.filter(key_area=key_area)
            .exclude(state=AlertState.CLOSED)
            .values_list("person_id", "pk")
        )
        stale = [pk for person_id, pk in opened.items() if person_id not in present]
        with translation.override(settings.LANGUAGE_CODE):
            note = _("The key area %(place)s changed: this person is no longer concerned.") % {
                "place": place
            }
        alerts_close_many(pks=stale, note=note, now=now, actor=None)
        ids = list(present)
        already = {
            person_id
            for chunk in chunks(ids)
            for person_id in Alert.objects.filter(kind=KeyAreaRule.code, person_id__in=chunk)
            .exclude(state=AlertState.CLOSED)
            .values_list("person_id", flat=True)
        }
        raises = [
            Raise(pk, unit_id, grid_id, name, _been_there(present[pk], place))
            for chunk in chunks([p for p in ids if p not in already])
            for pk, unit_id, grid_id, name in Person.objects.filter(pk__in=chunk).values_list(
                "pk", "unit_id", "grid_id", "name"
            )
        ]
        raised = alerts_raise_many(
            campaign=key_area.campaign,
            kind=KeyAreaRule.code,
            severity=severity or HealthStatus.YELLOW,
            raises=raises,
            now=now,
            owners=Owners(day=today),
            key=f"alerts:key_area:{key_area.pk}:{today}",
            key_area=key_area,
        )
        stale_people = [person_id for person_id in opened if person_id not in present]
        people_health_refresh_many(
            person_ids=[*(r.person_id for r in raises), *stale_people], now=now
        )
        # Those there are proposed for isolation; proposals no longer concerned are withdrawn.
        proposed = isolations_propose_many(
            campaign=key_area.campaign,
            reasons={pk: _been_there(day, place) for pk, day in present.items()},
            key_area=key_area,
            now=now,
        )
        with translation.override(settings.LANGUAGE_CODE):
            withdraw_note = _(
                "The key area %(place)s changed: isolation is no longer proposed."
            ) % {"place": place}
        withdrawn = isolations_withdraw_proposed(
            key_area=key_area, keep=set(present), note=withdraw_note, now=now
        )
    return Reevaluation(
        people=len(present),
        raised=len(raised),
        closed=len(stale),
        proposed=proposed,
        withdrawn=withdrawn,
    )


def key_area_delete(*, key_area: KeyArea, now: dt.datetime | None = None) -> Reevaluation:
    """Delete a key area, closing first the alerts it raised (deleted, it could not find them)."""
    key_area.risk_level = RiskLevel.LOW
    result = key_area_reevaluate(key_area=key_area, now=now)
    key_area.delete()
    return result
