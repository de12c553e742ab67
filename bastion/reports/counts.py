"""The per-unit daily counts that dashboards and daily reports read.

Today's rows of a unit (one per kind of people) are recomputed from the people's hot facts
(one grouped query over the unit's people) whenever a service changes one of them, and for
every unit by the periodic tick, so a lost update heals within a minute. A past day's rows
stay as they were when the day closed.
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q

from bastion.alerts.models import Alert, AlertState
from bastion.alerts.rules import KeyAreaRule
from bastion.campaigns.models import Campaign
from bastion.checkins.models import CheckIn
from bastion.checkins.selectors import reported_q
from bastion.org.models import HealthStatus, Person
from bastion.reports.models import UnitDayCount

KEY_AREA_KIND = KeyAreaRule.code  # the alert kind "in or back from a key area"
COUNTED = ("expected", "checked_in", "late", "abnormal", "key_area")


def unit_day_counts_refresh(
    *, campaign: Campaign, day: dt.date, unit_ids: Iterable[int] | None = None
) -> int:
    """Recompute `day`'s counts of the given units (all units with people when None)."""
    people = Person.objects.all()
    checkins = CheckIn.objects.filter(day=day, campaign=campaign)
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        people = people.filter(unit_id__in=unit_ids)
        checkins = checkins.filter(person__unit_id__in=unit_ids)
    rows = {
        (row["unit_id"], row["kind"]): row
        for row in people.values("unit_id", "kind").annotate(
            expected=Count("pk"),
            checked_in=Count("pk", filter=reported_q(campaign=campaign, day=day)),
            abnormal=Count("pk", filter=~Q(health_status=HealthStatus.GREEN)),
        )
    }
    alerts = Alert.objects.exclude(state=AlertState.CLOSED).filter(kind=KEY_AREA_KIND)
    if unit_ids is not None:
        alerts = alerts.filter(person__unit_id__in=unit_ids)
    key_area = {
        (unit_id, kind): n
        for unit_id, kind, n in alerts.values_list("person__unit_id", "person__kind")
        .annotate(n=Count("person", distinct=True))
        .values_list("person__unit_id", "person__kind", "n")
    }
    late = {
        (unit_id, kind): n
        for unit_id, kind, n in checkins.filter(is_late=True)
        .values_list("person__unit_id", "person__kind")
        .annotate(n=Count("pk"))
        .values_list("person__unit_id", "person__kind", "n")
    }
    objs = [
        UnitDayCount(
            campaign=campaign,
            unit_id=unit_id,
            day=day,
            kind=kind,
            expected=row["expected"],
            checked_in=row["checked_in"],
            late=late.get((unit_id, kind), 0),
            abnormal=row["abnormal"],
            key_area=key_area.get((unit_id, kind), 0),
        )
        for (unit_id, kind), row in rows.items()
    ]
    with transaction.atomic():
        UnitDayCount.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["unit", "day", "kind"],
            update_fields=["campaign", *COUNTED],
        )
    return len(objs)
