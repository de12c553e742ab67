"""Changes to the organization. Each is atomic and takes the acting user first."""

import datetime as dt

from django.db import transaction

from bastion.accounts.roles import ROLES, HeldOn, Role
from bastion.org.models import Grid, PartyOrg, Person, Position, Unit


@transaction.atomic
def unit_add(
    *, parent: Unit | None, code: str, name: str, kind: str, party_org: PartyOrg | None = None
) -> Unit:
    """A new unit under `parent` (a new root when None)."""
    fields = {"code": code, "name": name, "kind": kind, "party_org": party_org}
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(Unit.objects.get(pk=parent.pk), fields)


@transaction.atomic
def party_org_add(
    *,
    parent: PartyOrg | None,
    code: str,
    name: str,
    kind: str,
    post: str = "",
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
) -> PartyOrg:
    fields = {
        "code": code,
        "name": name,
        "kind": kind,
        "post": post,
        "started_on": started_on,
        "ended_on": ended_on,
    }
    if parent is None:
        return PartyOrg.objects.add_root(fields)
    return PartyOrg.objects.add_child(PartyOrg.objects.get(pk=parent.pk), fields)


def grid_add(*, unit: Unit, name: str, kind: str) -> Grid:
    return Grid.objects.create(unit=unit, name=name, kind=kind)


def position_assign(
    *,
    person: Person,
    role: Role | str,
    over: Unit | PartyOrg | Grid,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> Position:
    """Give `person` a duty over a unit, Party organization or grid, as the role table allows."""
    role = Role(role)
    held_on = {Unit: HeldOn.UNIT, PartyOrg: HeldOn.PARTY_ORG, Grid: HeldOn.GRID}[type(over)]
    if held_on not in ROLES[role].held_on:
        raise ValueError(f"{role.label} is not held over a {held_on}")
    return Position.objects.create(
        person=person, role=role, starts_on=starts_on, ends_on=ends_on, **{held_on.value: over}
    )
