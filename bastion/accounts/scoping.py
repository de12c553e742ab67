"""The one door to personal data: what may this actor see, as queryset filters.

Every page, API endpoint, admin list, export and background job that lists people or their
records starts from `scope_of(user)`. Out of scope is indistinguishable from missing (404).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from bastion.accounts.roles import ROLES, Perm, Reach, Role
from bastion.org.models import Grid, PartyOrg, Person, PersonKind, Position, Unit


def _minimal_prefixes(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another: "0001" covers "00010002"."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Scope:
    """What one actor may see and do, derived from the positions they hold today."""

    person_id: int | None = None
    unit_id: int | None = None
    branch_id: int | None = None
    everyone: bool = False
    all_students: bool = False
    all_staff: bool = False
    unit_paths: tuple[str, ...] = ()
    party_paths: tuple[str, ...] = ()
    grid_ids: tuple[int, ...] = ()
    perms: frozenset[Perm] = frozenset()
    roles: tuple[tuple[str, str], ...] = field(default=())  # (role, target name), for display

    def has(self, perm: Perm) -> bool:
        return perm in self.perms

    @property
    def is_self_only(self) -> bool:
        return not (
            self.everyone
            or self.all_students
            or self.all_staff
            or self.unit_paths
            or self.party_paths
            or self.grid_ids
        )

    @property
    def counted_kinds(self) -> tuple[str, ...] | None:
        """The kinds of people whose counts this actor's dashboards show; None for all.

        Student Affairs reaches every student and the University Office every staff member
        (R4): their figures count only those. Reaching units (or everyone) counts all of a
        unit's people.
        """
        if self.everyone or self.all_students == self.all_staff:
            return None
        return (PersonKind.STUDENT.value,) if self.all_students else (PersonKind.STAFF.value,)

    # --- filters -----------------------------------------------------------------------

    def people_q(self, prefix: str = "") -> Q:
        """Q over Person (or over a model whose person is reached by `prefix`, e.g. "person__")."""
        if self.everyone:
            return Q()
        parts: list[Q] = []
        if self.all_students:
            parts.append(Q(**{f"{prefix}kind": PersonKind.STUDENT}))
        if self.all_staff:
            parts.append(Q(**{f"{prefix}kind": PersonKind.STAFF}))
        parts += [Q(**{f"{prefix}unit__path__startswith": p}) for p in self.unit_paths]
        parts += [Q(**{f"{prefix}party_branch__path__startswith": p}) for p in self.party_paths]
        if self.grid_ids:
            parts.append(Q(**{f"{prefix}grid_id__in": self.grid_ids}))
        if self.person_id is not None:
            parts.append(Q(**{f"{prefix}pk": self.person_id}))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    def units_q(self) -> Q:
        if self.everyone or self.all_students or self.all_staff:
            return Q()
        parts = [Q(path__startswith=p) for p in self.unit_paths]
        if self.grid_ids:
            parts.append(Q(grids__in=self.grid_ids))
        if self.unit_id is not None:
            parts.append(Q(pk=self.unit_id))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    def party_orgs_q(self) -> Q:
        if self.everyone or self.all_students or self.all_staff:
            return Q()
        parts = [Q(path__startswith=p) for p in self.party_paths]
        parts += [Q(units__path__startswith=p) for p in self.unit_paths]
        if self.branch_id is not None:
            parts.append(Q(pk=self.branch_id))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    # --- querysets ---------------------------------------------------------------------

    def people(self, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
        queryset = Person.objects.all() if queryset is None else queryset
        return queryset.filter(self.people_q())

    def units(self) -> QuerySet[Unit]:
        return Unit.objects.filter(self.units_q()).distinct()

    def party_orgs(self) -> QuerySet[PartyOrg]:
        return PartyOrg.objects.filter(self.party_orgs_q()).distinct()

    def grids(self) -> QuerySet[Grid]:
        if self.everyone or self.all_students or self.all_staff:
            return Grid.objects.all()
        parts = [Q(unit__path__startswith=p) for p in self.unit_paths]
        if self.grid_ids:
            parts.append(Q(pk__in=self.grid_ids))
        return Grid.objects.filter(reduce(or_, parts)) if parts else Grid.objects.none()

    def person_or_404(self, number: str) -> Person:
        """The person with this number, if in scope; missing and forbidden look the same."""
        person = (
            self.people()
            .filter(number=number)
            .select_related("unit", "grid", "party_branch")
            .first()
        )
        if person is None:
            raise Http404
        return person


def may_act_for(*, actor, person: Person, perm: Perm) -> bool:
    """May `actor` do something for `person`: it is themself, or their scope holds `perm` and
    reaches the person (a grid worker checking in or registering a trip for one of theirs)."""
    if actor.person_id is not None and actor.person_id == person.pk:
        return True
    scope = scope_of(actor)
    return scope.has(perm) and scope.people().filter(pk=person.pk).exists()


NOBODY = Scope()
EVERYTHING = Scope(everyone=True, perms=frozenset(Perm))


def scope_for_person(person: Person | None) -> Scope:
    """Derive a scope from the positions `person` holds today (three queries at most)."""
    if person is None:
        return NOBODY
    positions = list(
        Position.objects.active().filter(person=person).select_related("unit", "party_org", "grid")
    )
    reaches: set[Reach] = set()
    unit_paths: set[str] = set()
    party_paths: set[str] = set()
    grid_ids: set[int] = set()
    perms: set[Perm] = set()
    roles: list[tuple[str, str]] = []
    for position in positions:
        spec = ROLES[Role(position.role)]
        reaches.add(spec.reach)
        perms |= spec.perms
        roles.append((position.role, str(position.target)))
        if spec.reach is Reach.UNIT_SUBTREE and position.unit is not None:
            unit_paths.add(position.unit.path)
        elif spec.reach is Reach.PARTY_SUBTREE and position.party_org is not None:
            party_paths.add(position.party_org.path)
        elif spec.reach is Reach.GRID and position.grid is not None:
            grid_ids.add(position.grid_id)
    if party_paths:
        # 属地管理: a Party organization also reaches the people of the units it leads.
        led = Unit.objects.filter(
            reduce(or_, [Q(party_org__path__startswith=p) for p in party_paths])
        ).values_list("path", flat=True)
        unit_paths |= set(led)
    return Scope(
        person_id=person.pk,
        unit_id=person.unit_id,
        branch_id=person.party_branch_id,
        everyone=Reach.EVERYONE in reaches,
        all_students=Reach.ALL_STUDENTS in reaches,
        all_staff=Reach.ALL_STAFF in reaches,
        unit_paths=_minimal_prefixes(unit_paths),
        party_paths=_minimal_prefixes(party_paths),
        grid_ids=tuple(sorted(grid_ids)),
        perms=frozenset(perms),
        roles=tuple(roles),
    )


def scope_of(user) -> Scope:
    """The scope of a logged-in user, computed once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, "_bastion_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser and user.person_id is None:
        scope = EVERYTHING
    else:
        scope = scope_for_person(user.person)
        if user.is_superuser:
            scope = EVERYTHING
    user._bastion_scope = scope
    return scope
