"""API of the organization: /api/v1/me, people, units, Party organizations, divisions.

Every handler starts from `scope_of(request.user)`, as the pages do; out of scope is a 404
indistinguishable from missing.
"""

import datetime as dt
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from bastion.accounts.roles import Perm
from bastion.accounts.scoping import scope_of
from bastion.audit.services import audit_view
from bastion.lib import divisions
from bastion.lib.paging import api_page
from bastion.org import selectors
from bastion.org.models import PartyOrg, Person, Unit

router = Router(tags=["organization"])

NOT_FOUND = {404: dict}


def _not_found() -> HttpError:
    return HttpError(404, _("Not found, or not in your reach."))


# --- schemas -------------------------------------------------------------------------------


class Error(Schema):
    detail: str = Field(
        description="What went wrong, in the reader's language (Chinese by default)."
    )


class UnitRef(Schema):
    code: str = Field(description="The unit's stable code.")
    name: str = Field(description="The unit's name.")


class RoleHeld(Schema):
    role: str = Field(description="Role key, e.g. `counselor` (see docs/roles.md).")
    role_label: str = Field(description="The role's name in the reader's language.")
    target_type: Literal["unit", "party_org", "grid"] = Field(
        description="What the position is held over."
    )
    target_code: str = Field(description="Unit or Party-org code; a grid's UUID.")
    target_name: str = Field(description="The name of what the position is held over.")
    starts_on: dt.date = Field(description="First day of the position.")
    ends_on: dt.date | None = Field(description="Last day of the position, if it ends.")


class MeOut(Schema):
    username: str = Field(description="The login (a person's number).")
    number: str | None = Field(description="Student or staff number; null for an admin account.")
    name: str | None = Field(description="The person's name.")
    kind: str | None = Field(description="`student` or `staff`.")
    unit: UnitRef | None = Field(description="The unit the person belongs to.")
    roles: list[RoleHeld] = Field(description="Positions held today, which decide the scope.")
    self_only: bool = Field(description="True when the account sees only its own record.")


class PersonOut(Schema):
    number: str = Field(description="Student or staff number (学号/工号).")
    name: str = Field(description="Name.")
    kind: str = Field(description="`student` or `staff`.")
    gender: str = Field(description="`M`, `F` or empty.")
    unit: UnitRef = Field(description="The unit the person belongs to.")
    political_status: str = Field(description="`member`, `probationary`, `activist`, …")


class PersonDetailOut(PersonOut):
    party_branch: str | None = Field(description="Code of the person's Party branch.")
    grid: str | None = Field(description="Name of the person's grid.")
    grid_workers: list[str] = Field(description="Names of the person's grid workers.")
    phone: str = Field(description="Phone; masked unless the caller may see phones.")
    id_number: str = Field(description="ID card number; masked unless the caller may see them.")
    dormitory: str = Field(description="Dormitory.")
    home_region: str = Field(description="GB/T 2260 code of the home region.")
    home_region_name: str = Field(description="Full name of the home region.")
    roles: list[RoleHeld] = Field(description="Positions the person holds today.")


class PeoplePage(Schema):
    count: int = Field(description="How many people match, in all pages.")
    page: int = Field(description="This page's number, from 1.")
    page_size: int = Field(description="People per page.")
    items: list[PersonOut]


class PeopleFilter(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(50, ge=1, le=200, description="People per page (at most 200).")
    unit: str | None = Field(None, description="Only this unit's subtree (a unit code).")
    kind: Literal["student", "staff"] | None = Field(None, description="Only students or staff.")
    q: str = Field("", max_length=50, description="Number prefix or part of a name.")


class UnitOut(Schema):
    code: str = Field(description="Stable code.")
    name: str = Field(description="Name.")
    kind: str = Field(description="`college`, `class`, `lab`, …")
    parent: str | None = Field(description="The parent unit's code; null for the root.")
    depth: int = Field(description="Depth in the tree; the root is 1.")


class UnitDetailOut(UnitOut):
    party_org: str | None = Field(description="Code of the Party organization that leads it.")
    ancestors: list[UnitRef] = Field(description="The units above it, root first.")
    children: list[UnitRef] = Field(description="The units directly below it that you may see.")
    people: int = Field(description="People you may see in it and below it.")


class PartyOrgOut(Schema):
    code: str = Field(description="Stable code.")
    name: str = Field(description="Name.")
    kind: str = Field(description="`branch`, `secondary_committee`, `temporary`, …")
    parent: str | None = Field(description="The parent organization's code; null for the root.")
    depth: int = Field(description="Depth in the tree; the root is 1.")
    post: str = Field(description="Front-line post of a temporary organization.")
    started_on: dt.date | None = Field(description="Set up on (temporary organizations).")
    ended_on: dt.date | None = Field(description="Dissolved on (temporary organizations).")


class DivisionOut(Schema):
    code: str = Field(description="GB/T 2260 code.")
    name: str = Field(description="Name.")
    level: int = Field(description="1 province, 2 city, 3 county.")


# --- helpers -------------------------------------------------------------------------------


def _roles(person: Person) -> list[dict]:
    out = []
    for p in selectors.person_positions(person=person):
        target = p.target
        target_type = "unit" if p.unit_id else "party_org" if p.party_org_id else "grid"
        out.append(
            {
                "role": p.role,
                "role_label": p.get_role_display(),
                "target_type": target_type,
                "target_code": str(target.uid) if target_type == "grid" else target.code,
                "target_name": target.name,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
            }
        )
    return out


def _person(p: Person) -> dict:
    return {
        "number": p.number,
        "name": p.name,
        "kind": p.kind,
        "gender": p.gender,
        "unit": {"code": p.unit.code, "name": p.unit.name},
        "political_status": p.political_status,
    }


def _parents(nodes: list[Unit] | list[PartyOrg], model: type) -> dict[str, str]:
    """Path → code for the parents of `nodes`: those in the list, then one query for the rest."""
    codes = {n.path: n.code for n in nodes}
    step = model.steplen
    missing = {n.path[:-step] for n in nodes if n.depth > 1 and n.path[:-step] not in codes}
    if missing:
        codes |= dict(model.objects.filter(path__in=missing).values_list("path", "code"))
    return codes


def _tree_node(node: Unit | PartyOrg, codes: dict[str, str]) -> dict:
    parent = codes.get(node.path[: -node.steplen]) if node.depth > 1 else None
    return {
        "code": node.code,
        "name": node.name,
        "kind": node.kind,
        "parent": parent,
        "depth": node.depth,
    }


# --- endpoints -----------------------------------------------------------------------------


@router.get("/me", response=MeOut, summary="Who the token or session belongs to")
def me(request: HttpRequest) -> dict:
    scope = scope_of(request.user)
    person = request.user.person
    return {
        "username": request.user.username,
        "number": person.number if person else None,
        "name": person.name if person else None,
        "kind": person.kind if person else None,
        "unit": {"code": person.unit.code, "name": person.unit.name} if person else None,
        "roles": _roles(person) if person else [],
        "self_only": scope.is_self_only,
    }


@router.get(
    "/people",
    response={200: PeoplePage, 404: Error},
    summary="People in your reach, a page at a time",
)
def people(request: HttpRequest, filters: Query[PeopleFilter]) -> dict:
    scope = scope_of(request.user)
    unit = None
    if filters.unit:
        unit = scope.units().filter(code=filters.unit).first()
        if unit is None:
            raise _not_found()
    found: QuerySet[Person] = selectors.people_list(
        scope=scope, unit=unit, query=filters.q, kind=filters.kind or ""
    )
    page = api_page(found, page=filters.page, page_size=filters.page_size, out=_person)
    audit_view(request, what="org.person", rows=len(page["items"]))
    return page


@router.get(
    "/people/{number}",
    response={200: PersonDetailOut, 404: Error},
    summary="One person; ID card number and phone masked unless your role may see them",
)
def person(request: HttpRequest, number: str) -> dict:
    scope = scope_of(request.user)
    p = scope.people().filter(number=number).select_related("unit", "grid", "party_branch").first()
    if p is None:
        raise _not_found()
    audit_view(request, what="org.person", target_id=str(p.pk), rows=1)
    return {
        **_person(p),
        "party_branch": p.party_branch.code if p.party_branch else None,
        "grid": p.grid.name if p.grid else None,
        "grid_workers": [w.name for w in selectors.grid_workers(grid=p.grid)],
        "phone": p.phone if scope.has(Perm.VIEW_PHONE) else p.phone_masked,
        "id_number": p.id_number if scope.has(Perm.VIEW_ID_NUMBER) else p.id_number_masked,
        "dormitory": p.dormitory,
        "home_region": p.home_region,
        "home_region_name": p.home_region_name,
        "roles": _roles(p),
    }


@router.get("/units", response=list[UnitOut], summary="Units in your reach, in tree order")
def units(request: HttpRequest) -> list[dict]:
    found = list(scope_of(request.user).units().order_by("path"))
    codes = _parents(found, Unit)
    return [_tree_node(u, codes) for u in found]


@router.get("/units/{code}", response={200: UnitDetailOut, 404: Error}, summary="One unit")
def unit(request: HttpRequest, code: str) -> dict:
    scope = scope_of(request.user)
    found = scope.units().select_related("party_org").filter(code=code).first()
    if found is None:
        raise _not_found()
    overview = selectors.unit_overview(scope=scope, unit=found)
    return {
        **_tree_node(found, _parents([found], Unit)),
        "party_org": found.party_org.code if found.party_org else None,
        "ancestors": [{"code": c.node.code, "name": c.node.name} for c in overview["crumbs"]],
        "children": [{"code": c.code, "name": c.name} for c in overview["children"]],
        "people": selectors.people_list(scope=scope, unit=found).count(),
    }


@router.get("/party-orgs", response=list[PartyOrgOut], summary="Party organizations in reach")
def party_orgs(request: HttpRequest) -> list[dict]:
    found = list(scope_of(request.user).party_orgs().order_by("path"))
    codes = _parents(found, PartyOrg)
    return [
        {**_tree_node(o, codes), "post": o.post, "started_on": o.started_on, "ended_on": o.ended_on}
        for o in found
    ]


@router.get(
    "/divisions",
    response={200: list[DivisionOut], 404: Error},
    summary="Administrative divisions (GB/T 2260): provinces, or those under `parent`",
)
def division_list(
    request: HttpRequest,
    parent: str = Query("", max_length=6, description="A division code; empty for provinces."),
) -> list[dict]:
    if parent and divisions.get(parent) is None:
        raise _not_found()
    return [{"code": d.code, "name": d.name, "level": d.level} for d in divisions.children(parent)]
