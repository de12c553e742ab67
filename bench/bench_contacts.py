"""Proposing the contacts of a case in a university of 50,000 people.

Setup (untimed) builds the demo university of 50,000 people (dormitory rooms of four, floors
of twenty rooms, classes of 30 to 60, labs and research groups), gives one student in ten a
lab or research group beside their class, and two weeks of trips: two legs a person on one of
300 trains or 60 flights a day, so that a train carries some thirty of them. Twenty people
(fourteen students with a lab, six staff) become suspected cases. The figure is the median,
over those twenty, of the milliseconds `contacts_propose` takes: finding roommates, floor,
class, lab, office and fellow passengers, and writing the proposals.
"""

import datetime as dt
import random
import statistics
import time

from bench import Benchmark

PEOPLE = 50_000
CASES = 20
DAYS = 14
LEGS = 2
TRAINS = 300
FLIGHTS = 60


def _labs(rng: random.Random) -> None:
    """One student in ten works in a lab or research group, some fifteen to a group."""
    from bastion.org.models import Person, PersonKind, Unit, UnitKind

    labs = list(
        Unit.objects.filter(kind__in=[UnitKind.LAB, UnitKind.RESEARCH_GROUP]).values_list(
            "pk", flat=True
        )
    )
    students = list(
        Person.objects.filter(kind=PersonKind.STUDENT).order_by("pk").values_list("pk", flat=True)
    )[::10]
    rng.shuffle(students)
    for i, lab in enumerate(labs):
        group = students[i * 15 : (i + 1) * 15]
        if group:
            Person.objects.filter(pk__in=group).update(lab_id=lab)


def _trips(rng: random.Random, today: dt.date) -> None:
    from django.utils import timezone

    from bastion.org.models import Person
    from bastion.tracing.models import Trip

    now = timezone.now()
    rows = []
    for pk in Person.objects.values_list("pk", flat=True):
        for _leg in range(LEGS):
            day = today - dt.timedelta(days=rng.randrange(DAYS))
            flight = rng.random() < 0.1
            rows.append(
                Trip(
                    person_id=pk,
                    origin="420106",
                    destination="110108",
                    departs_on=day,
                    arrives_on=day,
                    transport="flight" if flight else "train",
                    number=f"MU{rng.randrange(FLIGHTS) + 5100}"
                    if flight
                    else f"G{rng.randrange(TRAINS) + 1}",
                    source="self",
                    registered_at=now,
                )
            )
    Trip.objects.bulk_create(rows, batch_size=5000)


def _propose_setup():
    from django.db import connection
    from django.utils import timezone

    from bastion.campaigns.selectors import active_campaign
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.demo.builder import demo_build
    from bastion.lib.days import business_day
    from bastion.org.models import Person, PersonKind
    from bastion.tracing.contacts import contacts_propose
    from bastion.tracing.models import Case

    rng = random.Random(2020)
    demo_build(people=PEOPLE, seed=2020)
    today = business_day()
    _labs(rng)
    _trips(rng, today)
    campaign = active_campaign() or campaign_create_from_preset(
        preset="covid19", starts_on=today - dt.timedelta(days=20)
    )
    students = list(
        Person.objects.filter(kind=PersonKind.STUDENT, lab__isnull=False)
        .exclude(dormitory="")
        .values_list("pk", flat=True)
    )
    staff = list(Person.objects.filter(kind=PersonKind.STAFF).values_list("pk", flat=True))
    chosen = rng.sample(students, 14) + rng.sample(staff, CASES - 14)
    now = timezone.now()
    # A live database is analysed by autovacuum; one just bulk-loaded is not yet.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Case.objects.bulk_create(
        Case(
            campaign=campaign,
            person_id=pk,
            discovered_at=now,
            reported_at=now,
            status_changed_at=now,
        )
        for pk in chosen
    )

    def measure() -> float:
        times = []
        written = 0
        for case in Case.objects.select_related("campaign", "person"):
            start = time.perf_counter()
            written += len(contacts_propose(case=case))
            times.append(time.perf_counter() - start)
        assert len(times) == CASES and written > CASES * 20, written
        return statistics.median(times) * 1000

    return measure


BENCHMARKS = [
    Benchmark(
        "propose the contacts of a case, 50,000 people (median of 20 cases)",
        goal=200,
        unit="ms",
        setup=_propose_setup,
        repeat=1,
    ),
]
