"""The roster import: every row validated against the database first, then one atomic write.

No query runs per row: people, units, Party organizations and accounts are loaded in a few
queries (in chunks, to stay under SQLite's limit on query parameters), and the write is
bulk_create / bulk_update in batches.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import uuid4

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Perm
from bastion.accounts.scoping import EVERYTHING, Scope, scope_of
from bastion.accounts.services import accounts_bulk_create
from bastion.audit.models import Action
from bastion.audit.services import audit_bulk, audit_snapshots
from bastion.lib.chunks import chunks
from bastion.org.models import PartyOrg, Person, PoliticalStatus, Unit, UnitKind
from bastion.org.services import unit_add
from bastion.roster.parsing import BY_FIELD, Problem, RosterRow

CHUNK = 5000  # parameters per IN (…) query; SQLite allows 32,766
BATCH = 2000  # rows per INSERT
UPDATE_BATCH = 500  # rows per UPDATE … CASE, whose SQL grows with every row and field

# Fields a roster sets, in the order a person reads them; "branch" is `party_branch`.
PERSON_FIELDS = (
    "name",
    "gender",
    "kind",
    "unit_id",
    "political_status",
    "party_branch_id",
    "phone",
    "id_number",
    "dormitory",
    "lab_id",
    "home_region",
)
OPTIONAL = {
    "gender": "gender",
    "political_status": "political_status",
    "phone": "phone",
    "id_number": "id_number",
    "dormitory": "dormitory",
    "home_region": "home_region",
}
BRANCH_STATUSES = {
    PoliticalStatus.MEMBER,
    PoliticalStatus.PROBATIONARY,
    PoliticalStatus.ACTIVIST,
    PoliticalStatus.APPLICANT,
}
# A new unit's kind, guessed from the end of its name; the first match wins.
KIND_BY_SUFFIX = (
    ("班", UnitKind.CLASS),
    ("实验室", UnitKind.LAB),
    ("学院", UnitKind.COLLEGE),
    ("课题组", UnitKind.RESEARCH_GROUP),
    ("医院", UnitKind.HOSPITAL),
    ("系", UnitKind.DEPARTMENT),
    ("研究所", UnitKind.INSTITUTE),
    ("所", UnitKind.INSTITUTE),
    ("中心", UnitKind.CENTRE),
    ("处", UnitKind.OFFICE),
    ("部", UnitKind.OFFICE),
    ("办", UnitKind.OFFICE),
    ("办公室", UnitKind.OFFICE),
)


@dataclass
class ImportResult:
    """What an import did, or would do on a dry run, or why it did nothing."""

    total: int
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_created: int = 0
    units_created: list[str] = field(default_factory=list)  # paths of names
    problems: list[Problem] = field(default_factory=list)
    sample: list[tuple[int, str, str, str]] = field(default_factory=list)  # line, №, name, +/~

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> int:
        return len({p.line for p in self.problems})


def guess_unit_kind(name: str) -> str:
    return next(
        (kind for suffix, kind in KIND_BY_SUFFIX if name.endswith(suffix)), UnitKind.DEPARTMENT
    )


@dataclass
class _UnitRef:
    """A row's unit: an existing one, or new units under the deepest existing one."""

    anchor_pk: int
    anchor_path: str
    new_names: tuple[str, ...] = ()  # names to create below the anchor, top first

    @property
    def key(self) -> tuple:
        return (self.anchor_pk, self.new_names)


class _Units:
    """Every unit in memory (a university has thousands, not millions), found by code or path."""

    def __init__(self) -> None:
        rows = list(Unit.objects.values_list("pk", "path", "code", "name"))
        self.by_code = {code: (pk, path) for pk, path, code, _name in rows}
        self.name_by_path = {path: name for _pk, path, _code, name in rows}
        self.child = {(path[: -Unit.steplen], name): (pk, path) for pk, path, _c, name in rows}
        self.by_name: dict[str, list[tuple[int, str]]] = {}
        for pk, path, _code, name in rows:
            self.by_name.setdefault(name, []).append((pk, path))
        self._cache: dict[str, _UnitRef | str] = {}

    def resolve(self, text: str) -> "_UnitRef | str":
        """The unit named by a code, a path of names or a unique name; else the reason."""
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str) -> "_UnitRef | str":
        if text in self.by_code:
            pk, path = self.by_code[text]
            return _UnitRef(pk, path)
        parts = [p.strip() for p in text.replace("\\", "/").split("/") if p.strip()]
        if len(parts) == 1:
            found = self.by_name.get(parts[0], [])
            if len(found) == 1:
                return _UnitRef(*found[0])
            if found:
                return _(
                    "More than one unit has this name; write its code or its path "
                    "from the university down, separated by /."
                )
            return _(
                "No unit has this code; write an existing code or the unit's path from "
                "the university down, separated by /."
            )
        # The path starts at the university, or at any unit given by its code.
        node = self.child.get(("", parts[0])) or self.by_code.get(parts[0])
        if node is None:
            return _("The path must start at the university (%(name)s is not a top unit).") % {
                "name": parts[0]
            }
        for depth, name in enumerate(parts[1:], start=1):
            below = self.child.get((node[1], name))
            if below is None:
                return _UnitRef(node[0], node[1], tuple(parts[depth:]))
            node = below
        return _UnitRef(*node)


def _in_reach(scope: Scope, *, kind: str, unit_path: str, branch_path: str | None) -> bool:
    """Whether a person with these facts is in the scope's reach, as `Scope.people_q` says."""
    if scope.everyone:
        return True
    if (scope.all_students and kind == "student") or (scope.all_staff and kind == "staff"):
        return True
    if any(unit_path.startswith(p) for p in scope.unit_paths):
        return True
    return bool(branch_path) and any(branch_path.startswith(p) for p in scope.party_paths)


def _may_add_units_under(scope: Scope, anchor_path: str) -> bool:
    if scope.everyone or scope.all_students or scope.all_staff:
        return True
    return any(anchor_path.startswith(p) for p in scope.unit_paths)


@transaction.atomic
def roster_import(
    *,
    actor: User | None,
    rows: list[RosterRow],
    dry_run: bool = False,
    password_hash: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import people (and new units) from parsed rows; with any bad row, write nothing.

    `actor` None is the system (the command line), which reaches everyone. A new person gets
    an account that must change its password; `password_hash` is its initial password (made
    once with make_password), else the password is unusable until an administrator sets one.
    """
    scope = EVERYTHING if actor is None else scope_of(actor)
    if not scope.has(Perm.IMPORT_ROSTER):
        raise PermissionDenied
    result = ImportResult(total=len(rows), dry_run=dry_run)
    problems: list[Problem] = [p for row in rows for p in row.problems]

    def bad(row: RosterRow, field_name: str, reason: str) -> None:
        column = BY_FIELD[field_name].header if field_name else ""
        problems.append(Problem(row.line, column, reason))

    units = _Units()
    orgs = list(PartyOrg.objects.values_list("pk", "code", "name", "path"))
    org_by_code = {code: (pk, path) for pk, code, _name, path in orgs}
    org_by_name: dict[str, list[tuple[int, str]]] = {}
    for pk, _code, name, path in orgs:
        org_by_name.setdefault(name, []).append((pk, path))
    org_path = {pk: path for pk, _code, _name, path in orgs}
    # Labs and research groups, by code and by name: a lab must exist before its people.
    lab_by_code: dict[str, int] = {}
    lab_by_name: dict[str, list[int]] = {}
    for pk, code, name in Unit.objects.filter(
        kind__in=[UnitKind.LAB, UnitKind.RESEARCH_GROUP]
    ).values_list("pk", "code", "name"):
        lab_by_code[code] = pk
        lab_by_name.setdefault(name, []).append(pk)

    numbers = [r.number for r in rows if r.number]
    existing: dict[str, Person] = {}
    for chunk in chunks(numbers, CHUNK):
        for person in Person.objects.filter(number__in=chunk).annotate(unit_path=F("unit__path")):
            existing[person.number] = person
    id_holders: dict[str, str] = {}
    for chunk in chunks({r.id_number for r in rows if r.id_number}, CHUNK):
        id_holders.update(
            Person.objects.filter(id_number__in=chunk).values_list("id_number", "number")
        )
    taken_usernames: set[str] = set()
    for chunk in chunks([n for n in numbers if n not in existing], CHUNK):
        taken_usernames.update(
            User.objects.filter(username__in=chunk).values_list("username", flat=True)
        )

    new_people: list[tuple[RosterRow, dict, _UnitRef]] = []
    changed: list[tuple[RosterRow, Person, dict, _UnitRef]] = []
    new_units: dict[tuple, _UnitRef] = {}
    for row in rows:
        unit_ref: _UnitRef | None = None
        if row.unit:
            resolved = units.resolve(row.unit)
            if isinstance(resolved, str):
                bad(row, "unit", resolved)
            elif resolved.new_names and not _may_add_units_under(scope, resolved.anchor_path):
                bad(row, "unit", _("The unit is not in your reach."))
            else:
                unit_ref = resolved
        branch: tuple[int, str] | None = None
        if row.branch:
            branch = org_by_code.get(row.branch)
            found = org_by_name.get(row.branch, [])
            if branch is None and len(found) == 1:
                branch = found[0]
            if branch is None:
                bad(
                    row,
                    "branch",
                    _("More than one Party organization has this name; write its code.")
                    if found
                    else _("No Party organization has this code or name."),
                )
        lab_id: int | None = None
        if row.lab:
            named = lab_by_name.get(row.lab, [])
            lab_id = lab_by_code.get(row.lab) or (named[0] if len(named) == 1 else None)
            if lab_id is None:
                bad(
                    row,
                    "lab",
                    _("More than one lab has this name; write its code.")
                    if named
                    else _("No lab or research group has this code or name."),
                )
        if row.id_number and id_holders.get(row.id_number, row.number) != row.number:
            bad(
                row,
                "id_number",
                _("Another person (%(number)s) already has this ID card number.")
                % {"number": id_holders[row.id_number]},
            )
        if row.number and row.number in taken_usernames:
            bad(
                row,
                "number",
                _(
                    "An account that is not this person's already uses this "
                    "number as its login name."
                ),
            )
        if row.problems or unit_ref is None or not row.number:
            continue

        person = existing.get(row.number)
        values = _values(row, person, unit_ref, branch)
        if "lab" in row.present:
            values["lab_id"] = lab_id
        if not _in_reach(
            scope,
            kind=values["kind"],
            unit_path=unit_ref.anchor_path,
            branch_path=org_path.get(values["party_branch_id"]),
        ):
            bad(row, "unit", _("The unit is not in your reach."))
            continue
        if person is not None and not _in_reach(
            scope,
            kind=person.kind,
            unit_path=person.unit_path,
            branch_path=org_path.get(person.party_branch_id),
        ):
            bad(row, "number", _("This person is already in the roster, outside your reach."))
            continue
        if unit_ref.new_names:
            new_units.setdefault(unit_ref.key, unit_ref)
        if person is None:
            new_people.append((row, values, unit_ref))
            result.created += 1
        elif unit_ref.new_names or any(
            getattr(person, name) != value for name, value in values.items()
        ):
            changed.append((row, person, values, unit_ref))
            result.updated += 1
        else:
            result.unchanged += 1

    result.problems = sorted(problems, key=lambda p: (p.line, _column_order(p.column)))
    result.units_created = sorted(_path_names(units, ref) for ref in new_units.values())
    if result.problems:
        result.created = result.updated = result.unchanged = 0
        return result
    samples = [(r.line, r.number, r.name, "+") for r, _v, _u in new_people[:20]] + [
        (r.line, r.number, r.name, "~") for r, _p, _v, _u in changed[:20]
    ]
    result.sample = sorted(samples)[:20]
    if dry_run:
        return result

    _write(result, new_people, changed, new_units, password_hash, progress)
    return result


def _values(
    row: RosterRow, person: Person | None, unit_ref: "_UnitRef", branch: tuple[int, str] | None
) -> dict:
    """The person's fields after the import; a column the file lacks leaves its field as is."""
    values: dict = {"name": row.name, "kind": row.kind, "unit_id": unit_ref.anchor_pk}
    for column, attname in OPTIONAL.items():
        if column in row.present:
            values[attname] = getattr(row, column)
        elif person is None:
            values[attname] = PoliticalStatus.MASSES if column == "political_status" else ""
    if person is None and "lab" not in row.present:
        values["lab_id"] = None
    if "political_status" in values and not values["political_status"]:
        values["political_status"] = PoliticalStatus.MASSES
    status = values.get("political_status", person.political_status if person else "")
    if "branch" in row.present:
        values["party_branch_id"] = branch[0] if branch else None
    else:
        values["party_branch_id"] = person.party_branch_id if person else None
    if status not in BRANCH_STATUSES:
        values["party_branch_id"] = None  # the masses belong to no Party branch
    return values


def _path_names(units: _Units, ref: _UnitRef) -> str:
    names = []
    path = ref.anchor_path
    while path:
        names.append(units.name_by_path[path])
        path = path[: -Unit.steplen]
    return "/".join([*reversed(names), *ref.new_names])


def _column_order(header: str) -> int:
    headers = [c.header for c in BY_FIELD.values()]
    return headers.index(header) if header in headers else -1


def _new_unit_code(taken: set[str]) -> str:
    """An opaque code for a unit the roster created; an administrator may change it later."""
    while True:
        code = f"R-{uuid4().hex[:8].upper()}"
        if code not in taken:
            taken.add(code)
            return code


def _write(
    result: ImportResult,
    new_people: list[tuple[RosterRow, dict, "_UnitRef"]],
    changed: list[tuple[RosterRow, Person, dict, "_UnitRef"]],
    new_units: dict[tuple, "_UnitRef"],
    password_hash: str | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The write, inside roster_import's transaction: units, then people, then accounts."""
    total = len(new_people) + len(changed)
    done = 0
    report = progress or (lambda done, total: None)
    report(0, total)

    made: dict[tuple, int] = {}  # (anchor pk, names…) → pk, for every prefix created
    taken = set(Unit.objects.values_list("code", flat=True))
    for ref in sorted(new_units.values(), key=lambda r: len(r.new_names)):
        parent_pk = ref.anchor_pk
        for depth in range(1, len(ref.new_names) + 1):
            key = (ref.anchor_pk, ref.new_names[:depth])
            if key not in made:
                name = ref.new_names[depth - 1]
                unit = unit_add(
                    parent=Unit(pk=parent_pk),
                    code=_new_unit_code(taken),
                    name=name,
                    kind=guess_unit_kind(name),
                )
                made[key] = unit.pk
            parent_pk = made[key]

    now = timezone.now()
    people: list[Person] = []
    for row, values, ref in new_people:
        if ref.new_names:
            values["unit_id"] = made[ref.key]
        people.append(Person(number=row.number, **values))
    for batch in chunks(people, BATCH):
        Person.objects.bulk_create(batch, batch_size=BATCH)
        audit_bulk(Action.CREATE, batch)
        done += len(batch)
        report(done, total)

    fields = sorted({name.removesuffix("_id") for _r, _p, v, _u in changed for name in v})
    before = audit_snapshots(person for _r, person, _v, _u in changed)
    updated: list[Person] = []
    for _row, person, values, ref in changed:
        if ref.new_names:
            values["unit_id"] = made[ref.key]
        for name, value in values.items():
            setattr(person, name, value)
        person.updated_at = now  # bulk_update does not touch auto_now fields
        updated.append(person)
    for start in range(0, len(updated), UPDATE_BATCH):
        batch = updated[start : start + UPDATE_BATCH]
        Person.objects.bulk_update(batch, [*fields, "updated_at"], batch_size=UPDATE_BATCH)
        audit_bulk(Action.UPDATE, batch, before=before[start : start + UPDATE_BATCH])
        done += len(batch)
        report(done, total)

    password_hash = password_hash or make_password(None)
    for batch in chunks(people, CHUNK):
        result.accounts_created += accounts_bulk_create(people=batch, password_hash=password_hash)
