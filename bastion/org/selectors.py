"""Reads of the organization, always through a scope."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from bastion.accounts.roles import Role
from bastion.accounts.scoping import Scope
from bastion.lib.text import clean
from bastion.org.models import Grid, PartyOrg, Person, PersonKind, Position, Unit

PAGE_SIZE = 50


@dataclass
class TreeRow:
    node: Unit | PartyOrg
    depth: int
    people: int  # visible people in this node and every node below it


def _rows(nodes: list, counts: dict[int, int]) -> list[TreeRow]:
    """Tree rows with subtree totals, summed up the materialized paths in Python."""
    steplen = nodes[0].steplen if nodes else 4
    totals: dict[str, int] = {}
    for node in nodes:
        n = counts.get(node.pk, 0)
        for end in range(steplen, len(node.path) + 1, steplen):
            totals[node.path[:end]] = totals.get(node.path[:end], 0) + n
    top = min((node.depth for node in nodes), default=1)
    return [TreeRow(node, node.depth - top, totals[node.path]) for node in nodes]


@dataclass
class Crumb:
    """One ancestor on a breadcrumb; `linked` when the viewer may open it."""

    node: Unit | PartyOrg
    linked: bool


def unit_tree(*, scope: Scope) -> list[TreeRow]:
    """The units the scope reaches, in tree order, with the visible people of each subtree.

    Two queries whatever the depth: the units, and one grouped count of people.
    """
    units = list(scope.units().order_by("path"))
    counts = dict(
        scope.people().values_list("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    return _rows(units, counts)


def party_tree(*, scope: Scope) -> list[TreeRow]:
    orgs = list(scope.party_orgs().order_by("path"))
    counts = dict(
        scope.people()
        .filter(party_branch__isnull=False)
        .values_list("party_branch_id")
        .annotate(n=Count("pk"))
        .values_list("party_branch_id", "n")
    )
    return _rows(orgs, counts)


def people_list(
    *,
    scope: Scope,
    unit: Unit | None = None,
    party_org: PartyOrg | None = None,
    query: str = "",
    kind: str = "",
) -> QuerySet[Person]:
    """Visible people, optionally within a unit's or Party organization's subtree."""
    people = scope.people().select_related("unit", "party_branch")
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if party_org is not None:
        people = people.filter(party_branch__path__startswith=party_org.path)
    if kind in PersonKind.values:
        people = people.filter(kind=kind)
    query = clean(query)
    if query:
        people = people.filter(Q(number__startswith=query) | Q(name__contains=query))
    return people.order_by("number")


def page_of(queryset: QuerySet, *, page: object, size: int = PAGE_SIZE) -> Page:
    """One page of `queryset`: a COUNT and a LIMIT/OFFSET, never the whole list."""
    return Paginator(queryset, size).get_page(page)


def unit_or_404(*, scope: Scope, code: str) -> Unit:
    return get_object_or_404(scope.units().select_related("party_org"), code=code)


def party_org_or_404(*, scope: Scope, code: str) -> PartyOrg:
    return get_object_or_404(scope.party_orgs(), code=code)


def person_positions(*, person: Person) -> QuerySet[Position]:
    return person.positions.active().select_related("unit", "party_org", "grid__unit")


def _crumbs(node: Unit | PartyOrg, visible: QuerySet) -> list[Crumb]:
    """The ancestors of `node`, root first; two queries (ancestors, which are visible)."""
    ancestors = list(type(node).objects.get_ancestors(node))
    seen = set(visible.filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True))
    return [Crumb(a, a.pk in seen) for a in ancestors]


def unit_overview(*, scope: Scope, unit: Unit) -> dict:
    """What a unit page shows besides its people: path, children, grids, positions over it."""
    children = list(
        scope.units().filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    )
    grids = list(scope.grids().filter(unit=unit).order_by("name"))
    workers: dict[int, list[Person]] = {}
    for position in (
        Position.objects.active()
        .filter(grid__in=[g.pk for g in grids], role=Role.GRID_WORKER)
        .select_related("person")
    ):
        workers.setdefault(position.grid_id, []).append(position.person)
    for grid in grids:
        grid.workers = workers.get(grid.pk, [])
    positions = list(
        Position.objects.active().filter(unit=unit).select_related("person").order_by("role")
    )
    return {
        "crumbs": _crumbs(unit, scope.units()),
        "children": children,
        "grids": grids,
        "positions": positions,
        "party_org": unit.party_org if unit.party_org_id else None,
    }


def party_org_overview(*, scope: Scope, org: PartyOrg) -> dict:
    """What a Party-org page shows besides its members: path, children, led units, positions."""
    children = list(
        scope.party_orgs().filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")
    )
    led_units = list(scope.units().filter(party_org=org).order_by("path"))
    positions = list(
        Position.objects.active().filter(party_org=org).select_related("person").order_by("role")
    )
    return {
        "crumbs": _crumbs(org, scope.party_orgs()),
        "children": children,
        "led_units": led_units,
        "positions": positions,
    }


def grid_workers(*, grid: Grid | None) -> list[Person]:
    """Who looks after `grid` today (the person's grid worker, shown on their page)."""
    if grid is None:
        return []
    return [
        p.person
        for p in Position.objects.active()
        .filter(grid=grid, role=Role.GRID_WORKER)
        .select_related("person")
    ]


def visible_numbers(*, scope: Scope, numbers: list[str]) -> set[str]:
    """Which of these people the scope may open (one query), to decide what to link."""
    if not numbers:
        return set()
    return set(scope.people().filter(number__in=numbers).values_list("number", flat=True))
