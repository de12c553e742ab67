"""Purging a closed campaign's personal health data once its retention has run out.

Setup (untimed): a college of 10,000 students with 30 days of check-ins (300,000 rows, one in
twenty submitted twice so that an earlier version is kept), an alert with two events for one
check-in in fifty, a trip each, and the daily counts of every class and day; the campaign is
closed. The figure is the rows `campaign_purge` removes or resets per second, all of them in
batches of a thousand, a transaction each, the audit trail's purge entries included. The
goal: a university of 50,000 purges 180 days of check-ins (nine million rows) in half an hour.
"""

import datetime as dt
import time

from bench import Benchmark

PEOPLE = 10_000
DAYS = 30
CLASSES = 40


def _world():
    from django.utils import timezone

    from bastion.alerts.models import Alert, AlertEvent
    from bastion.campaigns.models import Campaign
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.checkins.models import CheckIn, CheckInRevision
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind, UnitKind
    from bastion.org.services import unit_add
    from bastion.reports.models import UnitDayCount
    from bastion.tracing.models import Trip

    university = unit_add(parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY)
    college = unit_add(parent=university, code="C", name="医学院", kind=UnitKind.COLLEGE)
    classes = [
        unit_add(parent=college, code=f"C-{k:02d}", name=f"{k + 1}班", kind=UnitKind.CLASS)
        for k in range(CLASSES)
    ]
    people = Person.objects.bulk_create(
        (
            Person(
                number=f"B{i:06d}",
                name=f"学生{i}",
                kind=PersonKind.STUDENT,
                unit=classes[i % CLASSES],
            )
            for i in range(PEOPLE)
        ),
        batch_size=2000,
    )
    last = business_day() - dt.timedelta(days=200)
    first = last - dt.timedelta(days=DAYS - 1)
    campaign = campaign_create_from_preset(preset="covid19", starts_on=first)
    now = timezone.now()
    days = [first + dt.timedelta(days=n) for n in range(DAYS)]
    for day in days:
        CheckIn.objects.bulk_create(
            (
                CheckIn(
                    campaign=campaign,
                    person=p,
                    day=day,
                    submitted_at=now,
                    temperature="36.5",
                    location="110108",
                    on_campus=True,
                )
                for p in people
            ),
            batch_size=5000,
        )
    checkins = list(CheckIn.objects.order_by("pk").values_list("pk", "person_id", "day"))
    CheckInRevision.objects.bulk_create(
        (
            CheckInRevision(checkin_id=pk, revision=1, data={}, replaced_at=now)
            for pk, _person, _day in checkins[::20]
        ),
        batch_size=5000,
    )
    alerts = Alert.objects.bulk_create(
        (
            Alert(
                campaign=campaign,
                person_id=person,
                kind="fever",
                severity="red",
                summary="发热",
                day=day,
                checkin_id=pk,
                state="closed",
                raised_at=now,
            )
            for pk, person, day in checkins[::50]
        ),
        batch_size=5000,
    )
    AlertEvent.objects.bulk_create(
        (
            AlertEvent(alert=a, action=action, at=now)
            for a in alerts
            for action in ("raised", "closed")
        ),
        batch_size=5000,
    )
    Trip.objects.bulk_create(
        (
            Trip(
                person=p,
                campaign=campaign,
                origin="420106",
                destination="110108",
                departs_on=first,
                arrives_on=first,
                transport="train",
                number="G507",
                source="self",
                registered_at=now,
            )
            for p in people
        ),
        batch_size=5000,
    )
    UnitDayCount.objects.bulk_create(
        UnitDayCount(campaign=campaign, unit=c, day=day, kind="student", expected=PEOPLE // CLASSES)
        for c in classes
        for day in days
    )
    Person.objects.update(last_checkin_day=last)
    Campaign.objects.filter(pk=campaign.pk).update(is_active=False, ends_on=last)
    campaign.refresh_from_db()
    return campaign


def _purge_setup():
    from bastion.lib.days import business_day
    from bastion.privacy.purge import campaign_purge

    campaign = _world()

    def measure() -> float:
        start = time.perf_counter()
        result = campaign_purge(campaign=campaign, today=business_day())
        return result.total / (time.perf_counter() - start)

    return measure


BENCHMARKS = [
    Benchmark(
        name="campaign purge, 10,000 people × 30 days, rows/s",
        goal=5_000,
        unit="rows/s",
        setup=_purge_setup,
        repeat=1,
        higher_is_better=True,
    ),
]
