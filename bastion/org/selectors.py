"""Reads of the organization, always through a scope."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from bastion.accounts.scoping import Scope
from bastion.org.models import PartyOrg, Person, Unit


@dataclass
class TreeRow:
    node: Unit | PartyOrg
    depth: int
    people: int


def unit_tree(*, scope: Scope) -> list[TreeRow]:
    """The units the scope reaches, in tree order, with their counts of visible people.

    Two queries whatever the depth: the units, and one grouped count of people.
    """
    units = list(scope.units().order_by("path"))
    counts = dict(
        scope.people().values_list("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    top = min((u.depth for u in units), default=1)
    return [TreeRow(u, u.depth - top, counts.get(u.pk, 0)) for u in units]


def party_tree(*, scope: Scope) -> list[TreeRow]:
    orgs = list(scope.party_orgs().order_by("path"))
    counts = dict(
        scope.people().filter(party_branch__isnull=False).values_list("party_branch_id")
        .annotate(n=Count("pk")).values_list("party_branch_id", "n")
    )
    top = min((o.depth for o in orgs), default=1)
    return [TreeRow(o, o.depth - top, counts.get(o.pk, 0)) for o in orgs]


def people_list(*, scope: Scope, unit: Unit | None = None, party_org: PartyOrg | None = None,
                query: str = "", kind: str = ""):
    """Visible people, optionally within a unit's or Party organization's subtree."""
    people = scope.people().select_related("unit", "party_branch")
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if party_org is not None:
        people = people.filter(party_branch__path__startswith=party_org.path)
    if kind:
        people = people.filter(kind=kind)
    if query:
        people = people.filter(Q(number__startswith=query) | Q(name__contains=query))
    return people.order_by("number")


def unit_or_404(*, scope: Scope, code: str) -> Unit:
    return get_object_or_404(scope.units(), code=code)


def party_org_or_404(*, scope: Scope, code: str) -> PartyOrg:
    return get_object_or_404(scope.party_orgs(), code=code)


def person_positions(*, person: Person):
    return person.positions.active().select_related("unit", "party_org", "grid__unit")
