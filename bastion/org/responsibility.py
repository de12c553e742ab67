"""Who answers for a person or a unit, nearest first: the chain alerts and reports climb.

An alert's owner is the first of the chain (the person's grid worker, else their counselor or
lab head, else the unit's leaders); an unacknowledged alert escalates one level at a time; a
missing unit report is flagged to the levels above the unit; an urgent report goes to all.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q

from bastion.accounts.roles import Role
from bastion.org.models import Person, Position, Unit

# Tiers of the chain, nearest first. Offices that see everyone (Organization Department,
# Student Affairs, University Office, discipline inspection) read the dashboards instead.
TIERS: dict[str, int] = {
    Role.GRID_WORKER: 0,
    Role.COUNSELOR: 1,
    Role.LAB_HEAD: 1,
    Role.PARTY_SECRETARY: 2,
    Role.COLLEGE_LEADER: 3,
    Role.LEADING_GROUP: 4,
}


@dataclass(frozen=True)
class Level:
    tier: int
    people: tuple[Person, ...]


def _prefixes(path: str, steplen: int = Unit.steplen) -> list[str]:
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


def chain(
    *,
    unit: Unit,
    grid_id: int | None = None,
    exclude: Person | None = None,
    above_unit: bool = False,
    day: dt.date | None = None,
) -> list[Level]:
    """The levels answering for `unit` (and the grid), nearest first, in one query.

    `above_unit` leaves out those who hold their duty over the unit itself: the "level above"
    a unit's own report. `exclude` leaves out a person (nobody owns their own alert).
    """
    prefixes = _prefixes(unit.path)
    if above_unit:
        prefixes = prefixes[:-1]
    where = Q(unit__path__in=prefixes) | Q(party_org__units__path__in=prefixes)
    if grid_id is not None and not above_unit:
        where |= Q(grid_id=grid_id)
    # A Party organization's position comes once per ancestor unit it leads, with its path.
    positions = (
        Position.objects.active(day)
        .filter(where, role__in=list(TIERS))
        .annotate(led_path=F("party_org__units__path"))
        .select_related("person", "unit")
    )
    return _levels(positions, prefixes, exclude=exclude)


def _levels(positions, prefixes: list[str], *, exclude: Person | None = None) -> list[Level]:
    """Group positions into levels: within a tier the nearest holder wins (the deepest unit
    among `prefixes`, or a grid itself)."""
    best: dict[int, tuple[int, list[Person]]] = {}
    for position in positions:
        if exclude is not None and position.person_id == exclude.pk:
            continue
        tier = TIERS[position.role]
        if position.grid_id is not None:
            depth = 99
        elif position.unit_id is not None:
            if position.unit.path not in prefixes:
                continue
            depth = position.unit.depth
        elif position.led_path in prefixes:
            depth = len(position.led_path) // Unit.steplen
        else:
            continue
        kept_depth, people = best.get(tier, (-1, []))
        if depth > kept_depth:
            best[tier] = (depth, [position.person])
        elif depth == kept_depth and position.person not in people:
            people.append(position.person)
    return [
        Level(tier, tuple(sorted(people, key=lambda p: p.number)))
        for tier, (_depth, people) in sorted(best.items())
    ]


def chains_of(
    *, units: list[Unit], grid_ids: set[int], day: dt.date | None = None
) -> tuple[dict[int, list[Level]], dict[int, Level]]:
    """chain() of many units and grids at once, in two queries: each unit's levels (without
    any grid), and each grid's own level (its grid workers). A person's chain is their grid's
    level, if it has one, before their unit's levels: a grid worker is always the nearest."""
    prefixes = {u.pk: _prefixes(u.path) for u in units}
    every = sorted(set().union(*prefixes.values())) if prefixes else []
    positions = list(
        Position.objects.active(day)
        .filter(Q(unit__path__in=every) | Q(party_org__units__path__in=every))
        .filter(role__in=list(TIERS))
        .annotate(led_path=F("party_org__units__path"))
        .select_related("person", "unit")
    )
    # Each unit looks only at the positions held over its own ancestors: a thousand units
    # times a thousand positions would be a million steps.
    by_path: dict[str, list[Position]] = defaultdict(list)
    for position in positions:
        held = position.unit.path if position.unit_id is not None else position.led_path
        if held is not None:
            by_path[held].append(position)
    unit_levels = {
        pk: _levels([p for path in own for p in by_path.get(path, ())], own)
        for pk, own in prefixes.items()
    }
    grid_levels: dict[int, Level] = {}
    if grid_ids:
        workers = (
            Position.objects.active(day)
            .filter(grid_id__in=sorted(grid_ids), role__in=list(TIERS))
            .select_related("person")
        )
        by_grid: dict[int, list[Position]] = {}
        for position in workers:
            by_grid.setdefault(position.grid_id, []).append(position)
        grid_levels = {
            grid_id: level for grid_id, held in by_grid.items() for level in _levels(held, [])
        }
    return unit_levels, grid_levels


def chain_for_person(person: Person, *, day: dt.date | None = None) -> list[Level]:
    """Who answers for `person`, nearest first (their grid worker, counselor, leaders…)."""
    return chain(unit=person.unit, grid_id=person.grid_id, exclude=person, day=day)


def owner_for(person: Person, *, day: dt.date | None = None) -> Person | None:
    """The one owner of a person's alerts: the first person of the nearest level."""
    levels = chain_for_person(person, day=day)
    return levels[0].people[0] if levels else None
