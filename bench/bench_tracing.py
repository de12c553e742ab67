"""Tracing at the size of a large university: re-evaluating a key area over 60 days of trips,
and exporting a 50,000-row ledger (time, and the peak of memory Python allocates for it).

Setup (untimed) builds the demo university of 50,000 people with the campaign's history of
counts, and 60 days of trips: four legs a person between counties all over the country (one
in fifty through Zhejiang). The figure is the seconds `key_area_reevaluate` takes after
Zhejiang becomes a high-risk key area: finding everyone there within the window and raising
their alerts, owners, events, notifications, health statuses and counts.
"""

import datetime as dt
import random
import time
import tracemalloc

from bench import Benchmark

PEOPLE = 50_000
DAYS = 60
LEGS = 4  # trips per person over the 60 days


def _trips(today: dt.date) -> None:
    from django.utils import timezone

    from bastion.lib import divisions
    from bastion.org.models import Person
    from bastion.tracing.models import Trip

    rng = random.Random(2020)
    counties = [d.code for d in divisions.table().values() if d.level == 3]
    zhejiang = [c for c in counties if c.startswith("33")]
    others = [c for c in counties if not c.startswith("33")]
    now = timezone.now()
    rows = []
    for pk in Person.objects.values_list("pk", flat=True):
        for _leg in range(LEGS):
            day = today - dt.timedelta(days=rng.randrange(DAYS))
            away = rng.choice(zhejiang if rng.random() < 0.02 else others)
            origin, destination = ("110108", away) if rng.random() < 0.5 else (away, "110108")
            rows.append(
                Trip(
                    person_id=pk,
                    origin=origin,
                    destination=destination,
                    departs_on=day,
                    arrives_on=day,
                    transport="train",
                    number=f"G{rng.randrange(1, 9999)}",
                    source="self",
                    registered_at=now,
                )
            )
    Trip.objects.bulk_create(rows, batch_size=5000)


def _reevaluate_setup():
    from bastion.campaigns.models import KeyArea, RiskLevel
    from bastion.campaigns.selectors import active_campaign
    from bastion.demo.builder import demo_build
    from bastion.demo.history import history_build
    from bastion.lib.days import business_day
    from bastion.tracing.services import key_area_reevaluate

    demo_build(people=PEOPLE, seed=2020)
    history_build(days=DAYS, seed=2020, checkins=False)
    today = business_day()
    _trips(today)
    campaign = active_campaign()

    def measure() -> float:
        area = KeyArea.objects.create(
            campaign=campaign,
            division="330000",
            risk_level=RiskLevel.HIGH,
            from_date=today - dt.timedelta(days=DAYS),
        )
        start = time.perf_counter()
        result = key_area_reevaluate(key_area=area)
        elapsed = time.perf_counter() - start
        assert result.raised > 100, result
        return elapsed

    return measure


def _ledger_setup(figure: str):
    """Everyone of 50,000 left Wuhan within the window: a ledger of 50,000 rows."""
    from django.utils import timezone

    from bastion.accounts.scoping import EVERYTHING
    from bastion.campaigns.selectors import active_campaign
    from bastion.campaigns.services import campaign_create_from_preset
    from bastion.demo.builder import demo_build
    from bastion.lib.days import business_day
    from bastion.org.models import Person
    from bastion.tracing.export import key_area_ledger_xlsx
    from bastion.tracing.models import Trip
    from bastion.tracing.selectors import key_area_ledger

    demo_build(people=PEOPLE, seed=2020)
    today = business_day()
    now = timezone.now()
    Trip.objects.bulk_create(
        (
            Trip(
                person_id=pk,
                origin="420106",
                destination="110108",
                departs_on=today - dt.timedelta(days=pk % 10),
                arrives_on=today - dt.timedelta(days=pk % 10),
                transport="train",
                number="G507",
                source="self",
                registered_at=now,
            )
            for pk in Person.objects.values_list("pk", flat=True)
        ),
        batch_size=5000,
    )
    campaign = active_campaign() or campaign_create_from_preset(
        preset="covid19", starts_on=today - dt.timedelta(days=20)
    )

    def export() -> int:
        count, entries = key_area_ledger(scope=EVERYTHING, campaign=campaign, today=today)
        out = key_area_ledger_xlsx(
            title="涉重点地区人员台账",
            entries=entries,
            scope_name="示范大学",
            day=today,
            exporter="bench",
            show_phone=True,
        )
        out.close()
        return count

    def measure() -> float:
        if figure == "seconds":
            start = time.perf_counter()
            count = export()
            elapsed = time.perf_counter() - start
            assert count == PEOPLE, count
            return elapsed
        tracemalloc.start()
        export()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / 2**20

    return measure


BENCHMARKS = [
    Benchmark(
        "export a 50,000-row key-area ledger to xlsx",
        goal=5,
        unit="s",
        setup=lambda: _ledger_setup("seconds"),
        repeat=3,
    ),
    Benchmark(
        "export a 50,000-row ledger: peak memory allocated",
        goal=200,
        unit="MiB",
        setup=lambda: _ledger_setup("memory"),
        repeat=1,
    ),
    Benchmark(
        "re-evaluate a key area, 50,000 people, 60 days of trips",
        goal=5,
        unit="s",
        setup=_reevaluate_setup,
        repeat=3,
    ),
]
