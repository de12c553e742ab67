"""The demo province: an education department above twenty universities and a million people.

`province_build(universities=20, people=1_000_000, seed=2020)` builds every university with the
demo university's own builder (bastion.demo.builder) under the province's unit, each with its
own name, seed, code prefix (U01-…) and number prefix (01…), so twenty fit in one database.
A university is planned, written and let go before the next: memory holds one university's
people at a time. The history is then bastion.demo.history's, for everyone at once.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.services import accounts_bulk_create
from bastion.audit.services import audit_baseline
from bastion.demo import catalog, names
from bastion.demo.builder import (
    MAX_PEOPLE,
    MIN_PEOPLE,
    SINCE,
    DemoAccountRow,
    UniversitySpec,
    _apportion,
    _Plan,
    _step,
    demo_accounts,
    tables_analyze,
    university_exists,
)
from bastion.org.models import Gender, Grid, PartyOrg, Person, PersonKind, Position, Unit, UnitKind

UNIVERSITIES = 20
PEOPLE = 1_000_000
DAYS = 30
MAX_UNIVERSITIES = len(catalog.PROVINCE_UNIVERSITIES)


@dataclass
class ProvinceResult:
    universities: int
    units: int
    party_orgs: int
    grids: int
    people: int
    accounts: int
    positions: int
    seconds: float
    demo_accounts: list[DemoAccountRow]


class ProvinceRefused(ValueError):
    """A province that cannot be built as asked; the message says why, in the user's language."""


def province_sizes(*, universities: int, people: int, seed: int) -> list[int]:
    """How many people each university has: `people` split unevenly, the same for a seed."""
    rng = random.Random(f"{seed}-sizes")
    return _apportion(people, [rng.uniform(0.6, 1.4) for _n in range(universities)])


def province_check(*, universities: int, people: int, seed: int) -> None:
    """Refuse, before anything is written, a province that cannot be built."""
    if not 1 <= universities <= MAX_UNIVERSITIES:
        raise ProvinceRefused(
            _("A province has between 1 and %(most)d universities.") % {"most": MAX_UNIVERSITIES}
        )
    sizes = province_sizes(universities=universities, people=people, seed=seed)
    if min(sizes) < MIN_PEOPLE or max(sizes) > MAX_PEOPLE:
        raise ProvinceRefused(
            _(
                "%(people)d people in %(universities)d universities gives universities of "
                "%(small)d to %(large)d people; each must have between %(low)d and %(high)d."
            )
            % {
                "people": people,
                "universities": universities,
                "small": min(sizes),
                "large": max(sizes),
                "low": MIN_PEOPLE,
                "high": MAX_PEOPLE,
            }
        )
    if university_exists():
        raise ProvinceRefused(
            _(
                "This database already holds a university; nothing was built. Run with "
                "--keep-existing to keep it and print its demo accounts, or use a fresh "
                "database."
            )
        )


def province_build(
    *,
    universities: int = UNIVERSITIES,
    people: int = PEOPLE,
    seed: int = 2020,
    progress: Callable[[str], None] | None = None,
) -> ProvinceResult:
    """Build the demo province: `people` people in `universities` universities, the same for
    the same seed. Raises ProvinceRefused (nothing written) when it cannot."""
    province_check(universities=universities, people=people, seed=seed)
    started = time.perf_counter()
    say = progress or (lambda line: None)
    sizes = province_sizes(universities=universities, people=people, seed=seed)
    totals = ProvinceResult(universities, 1, 0, 0, 0, 0, 0, 0.0, [])
    with transaction.atomic():
        province = Unit(
            path=_step(1),
            depth=1,
            numchild=0,
            code=catalog.PROVINCE_CODE,
            name=catalog.PROVINCE_NAME,
            kind=UnitKind.PROVINCE,
        )
        Unit.objects.bulk_create([province])
        officials = _province_office(province, random.Random(f"{seed}-province"))
        totals.people += 2
        totals.positions += 2
        totals.accounts += 2
        for index, size in enumerate(sizes, start=1):
            begun = time.perf_counter()
            code = f"U{index:02d}"
            plan = _Plan(
                people=size,
                rng=random.Random(f"{seed}-{code}"),
                spec=UniversitySpec(
                    code=code,
                    name=catalog.PROVINCE_UNIVERSITIES[index - 1],
                    prefix=f"{code}-",
                    number_prefix=f"{index:02d}",
                ),
                under=province,
                org_roots=index - 1,
            )
            plan.build()
            first = index == 1
            built = plan.write(
                lambda line: None, record_accounts=first, more_picks=officials if first else None
            )
            for name in ("units", "party_orgs", "grids", "people", "accounts", "positions"):
                setattr(totals, name, getattr(totals, name) + getattr(built, name))
            say(
                _("%(name)s: %(people)d people, %(units)d units, in %(seconds).1f s")
                % {
                    "name": plan.spec.name,
                    "people": built.people,
                    "units": built.units,
                    "seconds": time.perf_counter() - begun,
                }
            )
            del plan, built  # the next university's people take their place in memory
        Unit.objects.filter(pk=province.pk).update(numchild=province.numchild)
        # A million rows in bulk, not one audit entry each: one entry says so.
        audit_baseline(
            source="demo.province",
            note=f"The demo province: {universities} universities, {people} people, seed {seed},"
            " loaded in bulk.",
        )
    tables_analyze(Unit, PartyOrg, Grid, Person, Position, User)
    totals.seconds = time.perf_counter() - started
    totals.demo_accounts = demo_accounts()
    return totals


def _province_office(province: Unit, rng: random.Random) -> dict[str, tuple[Person, str]]:
    """The province's leading group: its head (a demo account) and a member, who see every
    university as a university's leading group sees its colleges."""
    people = []
    for number in ("P0001", "P0002"):
        gender = rng.choice((Gender.MALE, Gender.FEMALE))
        people.append(
            Person(
                number=number,
                name=names.full_name(rng, gender, rng.randint(1965, 1980)),
                gender=gender,
                kind=PersonKind.STAFF,
                unit=province,
                phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                email=f"{number.lower()}@example.gov.cn",  # reserved domain
                home_region="120101",
            )
        )
    Person.objects.bulk_create(people)
    Position.objects.bulk_create(
        Position(person=p, role=Role.LEADING_GROUP, unit=province, starts_on=SINCE) for p in people
    )
    accounts_bulk_create(people=people)
    return {"province": (people[0], f"全省（{catalog.PROVINCE_NAME}），组长")}
