"""Reads of trips: always through the viewer's scope."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import F, Max, QuerySet

from bastion.accounts.scoping import Scope
from bastion.campaigns.models import Campaign, KeyArea, RiskLevel
from bastion.checkins.models import CheckIn
from bastion.lib import idcard
from bastion.lib.chunks import chunks
from bastion.org.models import HealthStatus, Person, PersonKind, Unit
from bastion.tracing.models import Trip


def trips_visible(*, scope: Scope) -> QuerySet[Trip]:
    """The trips of the people in the viewer's reach (a student: their own), newest first."""
    return (
        Trip.objects.filter(scope.people_q(prefix="person__"))
        .select_related("person")
        .order_by("-departs_on", "-registered_at")
    )


# An area's risk level decides the alert it raises; a low-risk area raises none.
SEVERITY_OF_RISK = {RiskLevel.HIGH: HealthStatus.RED, RiskLevel.MEDIUM: HealthStatus.YELLOW}


def key_area_presence(*, key_area: KeyArea, today: dt.date) -> dict[int, dt.date]:
    """Who was in the area within the quarantine window ending `today`, and their last day
    there: arrivals into it and departures out of it (trips), and check-ins from it.

    Three grouped queries, whatever the number of people: the window and the area's dates
    bound every one of them.
    """
    campaign = key_area.campaign
    first = max(key_area.from_date, today - dt.timedelta(days=campaign.quarantine_days - 1))
    last = min(key_area.to_date or today, today)
    if first > last:
        return {}
    prefix = key_area.prefix
    last_day: dict[int, dt.date] = {}
    for rows in (
        Trip.objects.filter(destination__startswith=prefix, arrives_on__range=(first, last))
        .values_list("person_id")
        .annotate(day=Max("arrives_on")),
        Trip.objects.filter(origin__startswith=prefix, departs_on__range=(first, last))
        .values_list("person_id")
        .annotate(day=Max("departs_on")),
        CheckIn.objects.filter(
            campaign=campaign, location__startswith=prefix, day__range=(first, last)
        )
        .values_list("person_id")
        .annotate(day=Max("day")),
    ):
        for person_id, day in rows.order_by():
            if person_id not in last_day or last_day[person_id] < day:
                last_day[person_id] = day
    return last_day


# --- the key-area ledger (涉重点地区人员台账) ---------------------------------------------------

LEDGER_CHUNK = 2000


@dataclass(frozen=True)
class LedgerEntry:
    """One person of the ledger, as plain values: a ledger of 50,000 builds no model
    instances."""

    number: str
    name: str
    kind: str
    unit_name: str
    health_status: str
    health_reason: str
    phone: str
    area: KeyArea
    last_day: dt.date  # the last day the trips or check-ins put them in the area

    @property
    def kind_label(self) -> str:
        return str(PersonKind(self.kind).label)

    @property
    def health_label(self) -> str:
        return str(HealthStatus(self.health_status).label)

    @property
    def phone_masked(self) -> str:
        return idcard.mask_phone(self.phone)


def key_area_presence_all(*, campaign: Campaign, today: dt.date) -> dict[int, tuple]:
    """Everyone in or back from any of the campaign's key areas (not low risk) within the
    quarantine window: person id → (area, last day there), the latest area when several."""
    found: dict[int, tuple] = {}
    for area in campaign.key_areas.all():
        if area.risk_level not in SEVERITY_OF_RISK:
            continue
        for person_id, day in key_area_presence(key_area=area, today=today).items():
            if person_id not in found or found[person_id][1] < day:
                found[person_id] = (area, day)
    return found


class Whereabouts(StrEnum):
    """Which part of the key-area ledger: everyone who went there within the window, those
    back from it, those still there."""

    WENT = "went"
    BACK = "back"
    THERE = "there"


def current_divisions(*, person_ids: list[int], since: dt.date) -> dict[int, str]:
    """Where each person is now, as far as Bastion knows: the place of their latest check-in
    or the destination of their latest trip since `since`, whichever is later (on the same day
    the check-in, which the person made that morning). People with neither are left out."""
    latest: dict[int, tuple[dt.date, int, str]] = {}
    for chunk in chunks(person_ids):
        for person_id, day, division in (
            Trip.objects.filter(person_id__in=chunk, arrives_on__gte=since)
            .values_list("person_id", "arrives_on", "destination")
            .order_by()
        ):
            if person_id not in latest or latest[person_id][:2] < (day, 0):
                latest[person_id] = (day, 0, division)
        for person_id, day, division in (
            CheckIn.objects.filter(
                person_id__in=chunk, day=F("person__last_checkin_day"), day__gte=since
            )
            .values_list("person_id", "day", "location")
            .order_by()
        ):
            if person_id not in latest or latest[person_id][:2] < (day, 1):
                latest[person_id] = (day, 1, division)
    return {person_id: division for person_id, (_d, _k, division) in latest.items() if division}


def key_area_ledger(
    *,
    scope: Scope,
    campaign: Campaign,
    today: dt.date,
    unit: Unit | None = None,
    where: Whereabouts = Whereabouts.WENT,
) -> tuple[int, Iterator[LedgerEntry]]:
    """The people in the viewer's reach (and under `unit`) in or back from a key area within
    the quarantine window, all of them or only those back or still there: their number, and
    the entries in print order (unit, then number), read a chunk at a time so that a ledger
    of 50,000 stays small in memory."""
    present = key_area_presence_all(campaign=campaign, today=today)
    if where != Whereabouts.WENT and present:
        since = today - dt.timedelta(days=campaign.quarantine_days - 1)
        now_at = current_divisions(person_ids=list(present), since=since)
        present = {
            pk: found
            for pk, found in present.items()
            if now_at.get(pk, "").startswith(found[0].prefix) == (where == Whereabouts.THERE)
        }
    people = scope.people()
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    # Everyone in reach, in print order, kept if present: no IN list of 50,000 ids.
    order = (
        [
            pk
            for pk in people.order_by("unit__path", "number")
            .values_list("pk", flat=True)
            .iterator(chunk_size=LEDGER_CHUNK)
            if pk in present
        ]
        if present
        else []
    )

    def entries() -> Iterator[LedgerEntry]:
        for start in range(0, len(order), LEDGER_CHUNK):
            chunk = order[start : start + LEDGER_CHUNK]
            rows = {
                row[0]: row[1:]
                for row in Person.objects.filter(pk__in=chunk).values_list(
                    "pk",
                    "number",
                    "name",
                    "kind",
                    "unit__name",
                    "health_status",
                    "health_reason",
                    "phone",
                )
            }
            for pk in chunk:
                area, day = present[pk]
                yield LedgerEntry(*rows[pk], area=area, last_day=day)

    return len(order), entries()
