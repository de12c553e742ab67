"""The demo university: `demo_build(people=…, seed=…)` builds a realistic one in seconds.

Everything is planned in memory from one `random.Random(seed)`, so a seed always gives the same
university (same numbers, names, units, positions), then written with a few bulk inserts in one
transaction. The two trees get their materialized paths here (treebeard's MP layout: steplen 4,
base 36) instead of one `add_child` per node, and one password hash serves every demo account:
hashing thousands of passwords would take minutes.
"""

import datetime as dt
import functools
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils.translation import gettext as _

from bastion.accounts.models import User
from bastion.accounts.roles import Role
from bastion.accounts.services import accounts_bulk_create
from bastion.audit.services import audit_baseline
from bastion.demo import catalog, names
from bastion.demo.models import DemoAccount
from bastion.lib import divisions, idcard
from bastion.org.models import (
    Gender,
    Grid,
    PartyOrg,
    PartyOrgKind,
    Person,
    PersonKind,
    PoliticalStatus,
    Position,
    Unit,
    UnitKind,
)

DEMO_PASSWORD = "Bastion-2020!"
ADMIN_USERNAME = "admin"
SINCE = dt.date(2020, 1, 20)  # positions start here: the day the seeds' campaign began
TEMPORARY_SINCE = dt.date(2020, 1, 28)
MIN_PEOPLE = 300
MAX_PEOPLE = 200_000  # student numbers have four digits of sequence per college and grade
CLASS_SIZE = 30
GRADUATE_CLASS_SIZE = 40
CLASSES_PER_COUNSELOR = 6  # about one counselor per 200 students, as the Ministry asks
GRADUATE_CLASSES_PER_COUNSELOR = 8
ROOMS_PER_FLOOR = 20
FLOORS_PER_BUILDING = 6
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node.alphabet

Target = Unit | PartyOrg | Grid


@dataclass(frozen=True)
class AccountKind:
    key: str
    zh: str
    en: str


# The demo logins, one per kind of user, in the order they are printed.
ACCOUNT_KINDS: tuple[AccountKind, ...] = (
    AccountKind("student", "学生", "Student"),
    AccountKind("staff", "教职工", "Staff member"),
    AccountKind("grid_worker", "网格员", "Grid worker"),
    AccountKind("counselor", "辅导员", "Counselor"),
    AccountKind("branch_secretary", "党支部书记", "Party branch secretary"),
    AccountKind("committee_secretary", "二级党委书记", "Secondary committee secretary"),
    AccountKind("college_leader", "学院领导", "College leader"),
    AccountKind("lab_head", "实验室负责人", "Lab head"),
    AccountKind("province", "省级领导小组", "Province leading group"),
    AccountKind("leading_group", "领导小组", "Leading group"),
    AccountKind("org_department", "党委组织部", "Organization Department"),
    AccountKind("student_affairs", "学生工作部", "Student Affairs"),
    AccountKind("university_office", "学校办公室", "University Office"),
    AccountKind("discipline_inspection", "纪检监察", "Discipline inspection"),
    AccountKind("gate_keeper", "门岗", "Gate keeper"),
    AccountKind("admin", "系统管理员", "Administrator (superuser)"),
)


@dataclass(frozen=True)
class DemoAccountRow:
    """One printed line: who logs in as what, with which password."""

    kind: AccountKind
    username: str
    name: str
    duty: str
    password: str


@dataclass
class DemoResult:
    units: int
    party_orgs: int
    grids: int
    people: int
    students: int
    staff: int
    party_members: int
    accounts: int
    positions: int
    seconds: float
    demo_accounts: list[DemoAccountRow]


def university_exists() -> bool:
    return Unit.objects.filter(depth=1).exists()


@dataclass(frozen=True)
class UniversitySpec:
    """Which university a plan builds: the demo's own, or one of a province's (bastion.demo.
    province), whose codes and numbers carry a prefix so that twenty fit in one database."""

    code: str = catalog.UNIVERSITY_CODE
    name: str = catalog.UNIVERSITY_NAME
    prefix: str = ""  # before every unit's and Party organization's code
    number_prefix: str = ""  # before every student and staff number


def demo_build(
    *, people: int, seed: int, progress: Callable[[str], None] | None = None
) -> DemoResult:
    """Build the demo university of `people` people, the same for the same `seed`."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between {MIN_PEOPLE} and {MAX_PEOPLE}")
    if university_exists():
        raise ValueError("a university already exists; build into a fresh database")
    started = time.perf_counter()
    say = progress or (lambda line: None)
    plan = _Plan(people=people, rng=random.Random(seed))
    plan.build()
    say(_("planned in %(seconds).1f s") % {"seconds": time.perf_counter() - started})
    with transaction.atomic():
        result = plan.write(say)
        # Tens of thousands of rows in bulk, not one audit entry each: one entry says so.
        audit_baseline(
            source="demo.build",
            note=f"The demo university: {people} people, seed {seed}, loaded in bulk.",
        )
    result.seconds = time.perf_counter() - started
    return result


def tables_analyze(*models) -> None:
    """Fresh planner statistics for tables just loaded in bulk (PostgreSQL; after commit).

    Autovacuum would get to them minutes later; until then the planner takes a million
    people for a few and picks slower plans (a university's dashboard in the demo province:
    240–280 ms instead of 100–170 ms).
    """
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {qn(model._meta.db_table)}")


def demo_accounts() -> list[DemoAccountRow]:
    """The demo accounts as recorded by the build, with their holders' names."""
    rows = list(DemoAccount.objects.order_by("order"))
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[r.username for r in rows]).select_related(
            "person"
        )
    }
    kinds = {k.key: k for k in ACCOUNT_KINDS}
    out = []
    for row in rows:
        user = users.get(row.username)
        if user is None or row.kind not in kinds:
            continue
        name = user.person.name if user.person else "—"
        out.append(DemoAccountRow(kinds[row.kind], row.username, name, row.duty, DEMO_PASSWORD))
    return out


# --- planning ----------------------------------------------------------------------------


def _step(index: int) -> str:
    """The 4-character path step of the index-th child (1-based), as treebeard writes it."""
    digits = ""
    while index:
        index, rest = divmod(index, len(_ALPHABET))
        digits = _ALPHABET[rest] + digits
    return digits.rjust(4, _ALPHABET[0])


class _Tree:
    """The nodes of one treebeard MP tree, laid out in memory: path, depth and numchild.

    A province's university hangs its top node `under` the province's, or (Party
    organizations) is one more root after the `roots` of the universities before it.
    """

    def __init__(
        self,
        model: type[Unit] | type[PartyOrg],
        *,
        prefix: str = "",
        under: Unit | None = None,
        roots: int = 0,
    ) -> None:
        self.model = model
        self.prefix = prefix
        self.under = under
        self.nodes: list = []
        self.parent: dict[int, object] = {}
        self._roots = roots

    def add(self, parent, *, code: str, **fields):
        if parent is None:
            parent = self.under
        if parent is None:
            self._roots += 1
            path, depth = _step(self._roots), 1
        else:
            parent.numchild += 1
            path, depth = parent.path + _step(parent.numchild), parent.depth + 1
        code = self.prefix + code
        node = self.model(path=path, depth=depth, numchild=0, code=code, **fields)
        self.nodes.append(node)
        self.parent[id(node)] = parent
        return node


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties to the first)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    out = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (out[i] - exact[i], i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


@functools.cache
def _counties(province: str) -> tuple[str, ...]:
    """County-level division codes of a province, sorted (the table's order is not a promise)."""
    return tuple(
        sorted(
            d.code
            for d in divisions.table().values()
            if d.code[:2] == province[:2] and d.level == 3
        )
    )


@dataclass
class _Home:
    """Where staff members work: a unit, the branch its members belong to, its grid, and the
    duties its first few people hold (index i of `duties` goes to the i-th person)."""

    unit: Unit
    branch: PartyOrg
    grid: Grid
    minimum: int
    weight: float
    duties: list[list[tuple[Role, Target]]] = field(default_factory=list)
    preset: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # name, gender, born
    members_only: bool = False
    people: list[Person] = field(default_factory=list)

    def duty(self, index: int, role: Role, target: Target) -> None:
        while len(self.duties) <= index:
            self.duties.append([])
        self.duties[index].append((role, target))


@dataclass
class _Class:
    unit: Unit
    college: int  # 1-based index, part of student numbers
    grade: int
    level: int  # 1 undergraduate, 2 master, 3 doctoral
    size: int
    grid: Grid | None = None  # graduate classes are their own grid
    people: list[Person] = field(default_factory=list)


class _Plan:
    def __init__(
        self,
        *,
        people: int,
        rng: random.Random,
        spec: UniversitySpec = UniversitySpec(),
        under: Unit | None = None,
        org_roots: int = 0,
    ) -> None:
        self.total = people
        self.rng = rng
        self.spec = spec
        self.units = _Tree(Unit, prefix=spec.prefix, under=under)
        self.orgs = _Tree(PartyOrg, prefix=spec.prefix, roots=org_roots)
        self.grids: list[Grid] = []
        self.homes: list[_Home] = []
        self.classes: list[list[_Class]] = []  # per college
        self.people: list[Person] = []
        self.positions: list[Position] = []
        self.grid_workers: dict[int, Person] = {}  # id(grid) → worker
        self.picks: dict[str, tuple[Person, str]] = {}
        self._floors = {"M": 0, "F": 0, "G": 0}
        self._seq: dict[tuple[int, int, int], int] = {}

    # --- structure ---------------------------------------------------------------------

    def _grid(self, unit: Unit, name: str, kind: str) -> Grid:
        grid = Grid(
            uid=uuid.UUID(int=self.rng.getrandbits(128), version=4), unit=unit, name=name, kind=kind
        )
        self.grids.append(grid)
        return grid

    def _home(
        self,
        unit: Unit,
        branch: PartyOrg,
        *,
        minimum: int,
        weight: float,
        grid: Grid | None = None,
        grid_kind: str = Grid.Kind.OFFICE,
    ) -> _Home:
        if grid is None:
            label = "实验室网格" if grid_kind == Grid.Kind.LAB else "教职工网格"
            grid = self._grid(unit, label, grid_kind)
        home = _Home(unit=unit, branch=branch, grid=grid, minimum=minimum, weight=weight)
        self.homes.append(home)
        return home

    def build(self) -> None:
        n = self.total
        staff_target = round(n / 9)  # about eight students to one staff member
        self.n_colleges = max(3, min(len(catalog.COLLEGES), round(3 + 3.5 * math.sqrt(n / 1000))))
        self.n_departments = 2 + n // 10000
        self.n_labs = 1 + n // 10000
        self.groups_per_lab = 1 + (n >= 5000) + (n >= 20000)
        colleges = catalog.COLLEGES[: self.n_colleges]

        self.committee = self.orgs.add(
            None,
            code="PC",
            name=f"{self.spec.name}党委",
            kind=PartyOrgKind.UNIVERSITY_COMMITTEE,
        )
        self.root = self.units.add(
            None,
            code="",
            name=self.spec.name,
            kind=UnitKind.UNIVERSITY,
            party_org=self.committee,
        )
        self.root.code = self.spec.code  # the university's own code, not a prefixed one
        leaders_home = self._home(self.root, self.committee, minimum=len(catalog.LEADERS), weight=0)
        leaders_home.members_only = True
        for i in range(len(catalog.LEADERS)):
            leaders_home.duty(i, Role.LEADING_GROUP, self.root)
        leaders_home.duty(0, Role.PARTY_SECRETARY, self.committee)
        leaders_home.duty(len(catalog.LEADERS) - 1, Role.DISCIPLINE_INSPECTION, self.root)
        self.leaders = leaders_home

        students = n - staff_target
        undergraduates = round(students * 0.70)
        masters = round(students * 0.24)
        doctorals = students - undergraduates - masters
        weights = [c.weight for c in colleges]
        per_college = zip(
            _apportion(undergraduates, weights),
            _apportion(masters, weights),
            _apportion(doctorals, weights),
            strict=True,
        )
        college_share = [0.70 * w / sum(weights) for w in weights]
        for index, (spec, sizes, share) in enumerate(
            zip(colleges, per_college, college_share, strict=True), start=1
        ):
            self._college(index, spec, *sizes, share=share)
        self._offices()
        self._hospital()
        leaders_home.branch = self.office_homes["UO"].branch
        self._temporary_orgs()
        self._staff_sizes(staff_target)

    def _college(
        self,
        index: int,
        spec: catalog.CollegeSpec,
        undergraduates: int,
        masters: int,
        doctorals: int,
        *,
        share: float,
    ) -> None:
        cc, rng = spec.code, self.rng
        branch = PartyOrgKind.BRANCH
        committee = self.orgs.add(
            self.committee,
            code=f"{cc}-PC",
            name=f"{spec.name}党委",
            kind=PartyOrgKind.SECONDARY_COMMITTEE,
        )
        college = self.units.add(
            self.root, code=cc, name=spec.name, kind=UnitKind.COLLEGE, party_org=committee
        )
        admin_branch = self.orgs.add(
            committee, code=f"{cc}-PB-A", name=f"{spec.name}行政教工党支部", kind=branch
        )
        departments = spec.departments[: self.n_departments]
        labs = spec.labs[: self.n_labs]
        faculty = [
            self.orgs.add(committee, code=f"{cc}-PB-D{i}", name=f"{name}教工党支部", kind=branch)
            for i, (name, _short) in enumerate(departments, start=1)
        ]
        research = self.orgs.add(
            committee, code=f"{cc}-PB-R", name=f"{spec.short}科研实验教工党支部", kind=branch
        )
        grade_branches = {
            g: self.orgs.add(
                committee, code=f"{cc}-PB-U{g}", name=f"{spec.short}{g}级本科生党支部", kind=branch
            )
            for g in catalog.UNDERGRADUATE_GRADES
        }
        graduate_branch = self.orgs.add(
            committee, code=f"{cc}-PB-G", name=f"{spec.short}研究生党支部", kind=branch
        )

        admin = self._home(college, admin_branch, minimum=0, weight=share * 0.08)
        admin.duty(0, Role.COLLEGE_LEADER, college)  # 院长
        admin.duty(1, Role.COLLEGE_LEADER, college)  # 党委书记
        admin.duty(1, Role.PARTY_SECRETARY, committee)
        classes: list[_Class] = []
        spread = [rng.uniform(0.7, 1.3) for _dept in departments]
        by_grade = _apportion(undergraduates, [1.0] * len(catalog.UNDERGRADUATE_GRADES))
        by_grade_dept = [_apportion(k, spread) for k in by_grade]
        dept_share = share * 0.62 / len(departments)
        for di, ((name, short), party) in enumerate(zip(departments, faculty, strict=True), 1):
            dept = self.units.add(
                college, code=f"{cc}-D{di}", name=name, kind=UnitKind.DEPARTMENT, party_org=party
            )
            # Three at least in the demo's department: its secretary, its grid worker and the
            # plain staff member printed as a demo account.
            seats = 3 if index == di == 1 else 2
            home = self._home(dept, party, minimum=seats, weight=dept_share)
            home.duty(0, Role.PARTY_SECRETARY, party)
            for gi, grade in enumerate(catalog.UNDERGRADUATE_GRADES):
                k = by_grade_dept[gi][di - 1]
                if not k:
                    continue
                sizes = _apportion(k, [1.0] * max(1, round(k / CLASS_SIZE)))
                for j, size in enumerate(sizes, start=1):
                    unit = self.units.add(
                        dept,
                        code=f"{cc}-D{di}-{grade}-{j}",
                        name=f"{short}{grade}级{j}班",
                        kind=UnitKind.CLASS,
                        party_org=grade_branches[grade],
                    )
                    classes.append(_Class(unit, index, grade, 1, size))
        graduate_classes: list[_Class] = []
        for level, total, grades, label in (
            (2, masters, catalog.MASTER_GRADES, "硕士"),
            (3, doctorals, catalog.DOCTORAL_GRADES, "博士"),
        ):
            for grade, k in zip(grades, _apportion(total, [1.0] * len(grades)), strict=True):
                if not k:
                    continue
                sizes = _apportion(k, [1.0] * max(1, round(k / GRADUATE_CLASS_SIZE)))
                for j, size in enumerate(sizes, start=1):
                    unit = self.units.add(
                        college,
                        code=f"{cc}-{'MP'[level - 2]}{grade}-{j}",
                        name=f"{spec.short}{grade}级{label}研究生{j}班",
                        kind=UnitKind.CLASS,
                        party_org=graduate_branch,
                    )
                    cls = _Class(unit, index, grade, level, size)
                    cls.grid = self._grid(unit, "班级网格", Grid.Kind.CLASS)
                    graduate_classes.append(cls)
        lab_share = share * 0.30 / (len(labs) * (1 + self.groups_per_lab))
        for li, name in enumerate(labs, start=1):
            lab = self.units.add(
                college, code=f"{cc}-L{li}", name=name, kind=UnitKind.LAB, party_org=research
            )
            home = self._home(lab, research, minimum=2, weight=lab_share, grid_kind=Grid.Kind.LAB)
            home.duty(0, Role.LAB_HEAD, lab)
            if li == 1:
                home.duty(0, Role.PARTY_SECRETARY, research)
            for gi in range(1, self.groups_per_lab + 1):
                gender = rng.choice("MF") if rng.random() < 0.4 else "M"
                born = rng.randint(1960, 1985)
                pi = names.full_name(rng, gender, born)
                group = self.units.add(
                    lab,
                    code=f"{cc}-L{li}-G{gi}",
                    name=f"{pi}课题组",
                    kind=UnitKind.RESEARCH_GROUP,
                    party_org=research,
                )
                group_home = self._home(
                    group, research, minimum=1, weight=lab_share, grid=home.grid
                )
                group_home.preset[0] = (pi, gender, born)
                group_home.duty(0, Role.LAB_HEAD, group)

        # Counselors: one per grade's few classes (youngest grade first), graduates apart.
        ordered = sorted(classes, key=lambda c: -c.grade)  # stable: department order kept
        chunks = [
            ordered[i : i + CLASSES_PER_COUNSELOR]
            for i in range(0, len(ordered), CLASSES_PER_COUNSELOR)
        ]
        chunks += [
            graduate_classes[i : i + GRADUATE_CLASSES_PER_COUNSELOR]
            for i in range(0, len(graduate_classes), GRADUATE_CLASSES_PER_COUNSELOR)
        ]
        unled = [*grade_branches.values(), graduate_branch]
        for ci, chunk in enumerate(chunks, start=2):
            for cls in chunk:
                admin.duty(ci, Role.COUNSELOR, cls.unit)
                led = cls.unit.party_org
                if led in unled:  # the counselor of a branch's first class is its secretary
                    unled.remove(led)
                    admin.duty(ci, Role.PARTY_SECRETARY, led)
        last = 2 + len(chunks)
        admin.duty(last, Role.PARTY_SECRETARY, admin_branch)
        for party in unled:  # branches with no class yet (a small university)
            admin.duty(last, Role.PARTY_SECRETARY, party)
        admin.minimum = last + 1
        self.classes.append(classes + graduate_classes)
        if index == 1:
            self.first_college = (college, committee, chunks[0] if chunks else [])

    def _offices(self) -> None:
        machinery = self.orgs.add(
            self.committee, code="JG-PC", name="机关党委", kind=PartyOrgKind.SECONDARY_COMMITTEE
        )
        roles = {
            "ORG": Role.ORG_DEPARTMENT,
            "SA": Role.STUDENT_AFFAIRS,
            "UO": Role.UNIVERSITY_OFFICE,
            "DIS": Role.DISCIPLINE_INSPECTION,
            "SEC": Role.GATE_KEEPER,  # 保卫处: the gates
        }
        weights = sum(w for *_, w in catalog.OFFICES)
        self.office_homes: dict[str, _Home] = {}
        for code, name, weight in catalog.OFFICES:
            party = self.orgs.add(
                machinery, code=f"{code}-PB", name=f"{name}党支部", kind=PartyOrgKind.BRANCH
            )
            unit = self.units.add(
                self.root, code=code, name=name, kind=UnitKind.OFFICE, party_org=party
            )
            home = self._home(unit, party, minimum=1, weight=0.17 * weight / weights)
            home.duty(0, Role.PARTY_SECRETARY, party)
            if code in roles:
                home.duty(0, roles[code], self.root)
                home.duty(1, roles[code], self.root)
            self.office_homes[code] = home
        self.office_homes["ORG"].duty(0, Role.PARTY_SECRETARY, machinery)
        weights = sum(w for *_, w in catalog.CENTRES)
        for code, name, weight in catalog.CENTRES:
            party = self.orgs.add(
                self.committee,
                code=f"{code}-PB",
                name=f"{name}直属党支部",
                kind=PartyOrgKind.DIRECT_BRANCH,
            )
            unit = self.units.add(
                self.root, code=code, name=name, kind=UnitKind.CENTRE, party_org=party
            )
            home = self._home(unit, party, minimum=1, weight=0.04 * weight / weights)
            home.duty(0, Role.PARTY_SECRETARY, party)

    def _hospital(self) -> None:
        general = self.orgs.add(
            self.committee,
            code="HOSP-PGB",
            name=f"{catalog.HOSPITAL_NAME}党总支",
            kind=PartyOrgKind.GENERAL_BRANCH,
        )
        branches = {
            1: self.orgs.add(
                general,
                code="HOSP-PB1",
                name=f"{catalog.HOSPITAL_NAME}医疗党支部",
                kind=PartyOrgKind.BRANCH,
            ),
            2: self.orgs.add(
                general,
                code="HOSP-PB2",
                name=f"{catalog.HOSPITAL_NAME}护理医技党支部",
                kind=PartyOrgKind.BRANCH,
            ),
        }
        hospital = self.units.add(
            self.root,
            code="HOSP",
            name=catalog.HOSPITAL_NAME,
            kind=UnitKind.HOSPITAL,
            party_org=general,
        )
        home = self._home(hospital, branches[1], minimum=1, weight=0.09 * 0.1)
        home.duty(0, Role.COLLEGE_LEADER, hospital)  # 院长
        home.duty(0, Role.PARTY_SECRETARY, general)
        departments = catalog.HOSPITAL_DEPARTMENTS[: min(8, 4 + self.total // 10000)]
        unled = list(branches.values())
        for code, name, which in departments:
            party = branches[which]
            unit = self.units.add(
                hospital, code=f"HOSP-{code}", name=name, kind=UnitKind.DEPARTMENT, party_org=party
            )
            dept = self._home(unit, party, minimum=1, weight=0.09 * 0.9 / len(departments))
            if party in unled:
                unled.remove(party)
                dept.duty(0, Role.PARTY_SECRETARY, party)
        for party in unled:
            home.duty(0, Role.PARTY_SECRETARY, party)

    def _temporary_orgs(self) -> None:
        for code, name, post, office in catalog.TEMPORARY_PARTY_ORGS:
            party = self.orgs.add(
                self.committee,
                code=code,
                name=name,
                kind=PartyOrgKind.TEMPORARY,
                post=post,
                started_on=TEMPORARY_SINCE,
            )
            self.office_homes[office].duty(1, Role.PARTY_SECRETARY, party)

    def _staff_sizes(self, target: int) -> None:
        """Each home's head count: its minimum, and the rest of `target` by weight. When the
        minimums exceed the target (a small university), students make room."""
        for home in self.homes:
            home.minimum = max(home.minimum, len(home.duties))
        minimums = sum(h.minimum for h in self.homes)
        extra = _apportion(target - minimums, [h.weight for h in self.homes])
        self.sizes = [h.minimum + e for h, e in zip(self.homes, extra, strict=True)]
        excess = sum(self.sizes) + sum(c.size for cs in self.classes for c in cs) - self.total
        if excess > 0:
            every = [c for cs in self.classes for c in cs]
            for cls, cut in zip(
                every, _apportion(excess, [c.size - 1 for c in every]), strict=True
            ):
                cls.size -= cut

    # --- people ------------------------------------------------------------------------

    def _region(self, kind: str) -> str:
        rng = self.rng
        if rng.random() < catalog.HOME_PROVINCE_SHARE[kind]:
            province = catalog.HOME_PROVINCE
        else:
            codes, weights = zip(*catalog.PROVINCE_WEIGHTS, strict=True)
            province = rng.choices(codes, weights)[0]
        return rng.choice(_counties(province))

    def _person(
        self,
        *,
        number: str,
        kind: str,
        unit: Unit,
        born: int,
        gender: str | None = None,
        name: str | None = None,
        status_key: str,
        branch: PartyOrg,
    ) -> Person:
        rng = self.rng
        gender = gender or rng.choice((Gender.MALE, Gender.FEMALE))
        region = self._region(kind)
        birthday = f"{born:04d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        sequence = rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"{region}{birthday}{sequence:03d}"
        draw, status = rng.random(), PoliticalStatus.MASSES
        for share, candidate in zip(
            catalog.POLITICAL_SHARES[status_key],
            (
                PoliticalStatus.MEMBER,
                PoliticalStatus.PROBATIONARY,
                PoliticalStatus.ACTIVIST,
                PoliticalStatus.APPLICANT,
            ),
            strict=True,
        ):
            if draw < share:
                status = candidate
                break
            draw -= share
        person = Person(
            number=number,
            name=name or names.full_name(rng, gender, born),
            gender=gender,
            kind=kind,
            unit=unit,
            political_status=status,
            party_branch=None if status == PoliticalStatus.MASSES else branch,
            phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
            email=f"{number.lower()}@example.edu.cn",  # reserved domain: mail goes to var/mail
            id_number=first17 + idcard.check_digit(first17),
            home_region=region,
        )
        self.people.append(person)
        return person

    def _staff(self) -> None:
        total = sum(self.sizes)
        numbers = self.rng.sample(range(100000, 1000000), total)  # 6-digit 工号
        it = iter(numbers)
        for home, size in zip(self.homes, self.sizes, strict=True):
            for i in range(size):
                name, gender, born = self.preset_or_new(home, i)
                person = self._person(
                    number=f"{self.spec.number_prefix}{next(it)}",
                    kind=PersonKind.STAFF,
                    unit=home.unit,
                    born=born,
                    gender=gender,
                    name=name,
                    status_key="staff",
                    branch=home.branch,
                )
                person.grid = home.grid
                if home.members_only:
                    self._make_member(person, home.branch)
                home.people.append(person)
            if home.people and id(home.grid) not in self.grid_workers:
                self.grid_workers[id(home.grid)] = home.people[-1]

    def preset_or_new(self, home: _Home, index: int) -> tuple[str | None, str | None, int]:
        if index in home.preset:
            return home.preset[index]
        return None, None, self.rng.randint(1960, 1995)

    @staticmethod
    def _make_member(person: Person, branch: PartyOrg) -> None:
        if person.political_status != PoliticalStatus.MEMBER:
            person.political_status = PoliticalStatus.MEMBER
        if person.party_branch is None:
            person.party_branch = branch

    def _students(self) -> None:
        for classes in self.classes:
            undergraduates: list[Person] = []
            graduates: list[Person] = []
            for cls in classes:
                level_age = {1: 18, 2: 22, 3: 24}[cls.level]
                for _seat in range(cls.size):
                    key = (cls.college, cls.grade, cls.level)
                    self._seq[key] = self._seq.get(key, 0) + 1
                    born = cls.grade - level_age - (self.rng.random() < 0.3)
                    person = self._person(
                        number=f"{self.spec.number_prefix}{cls.grade}{cls.college:02d}"
                        f"{cls.level}{self._seq[key]:04d}",
                        kind=PersonKind.STUDENT,
                        unit=cls.unit,
                        born=born,
                        status_key=str(cls.grade) if cls.level == 1 else "graduate",
                        branch=cls.unit.party_org,
                    )
                    cls.people.append(person)
                    if cls.grid is not None:
                        person.grid = cls.grid
                    (undergraduates if cls.level == 1 else graduates).append(person)
                if cls.grid is not None and cls.people:
                    self.grid_workers[id(cls.grid)] = _first_member(cls.people)
            if not classes:
                continue
            college_unit = self.units.parent[id(classes[0].unit)]
            if college_unit.kind != UnitKind.COLLEGE:
                college_unit = self.units.parent[id(college_unit)]
            for gender in (Gender.MALE, Gender.FEMALE):
                self._dormitories(
                    [p for p in undergraduates if p.gender == gender], gender, college_unit
                )
                self._dormitories([p for p in graduates if p.gender == gender], "G", None)

    def _dormitories(self, people: list[Person], building: str, college: Unit | None) -> None:
        """Fill floors of single-gender buildings; an undergraduate floor is a grid of the
        college that lives on it (graduates are looked after by their class)."""
        beds = 4 if college is not None else 2
        per_floor = ROOMS_PER_FLOOR * beds
        prefix = {"M": "紫荆公寓", "F": "丁香公寓", "G": "研究生公寓"}[building]
        for start in range(0, len(people), per_floor):
            floor_people = people[start : start + per_floor]
            number = self._floors[building]
            self._floors[building] += 1
            block = f"{prefix}{number // FLOORS_PER_BUILDING + 1}号楼"
            storey = number % FLOORS_PER_BUILDING + 1
            grid = None
            if college is not None:
                grid = self._grid(college, f"{block}{storey}层", Grid.Kind.DORMITORY_FLOOR)
                self.grid_workers[id(grid)] = _first_member(floor_people)
            for i, person in enumerate(floor_people):
                person.dormitory = f"{block}{storey}{i // beds + 1:02d}"
                if grid is not None:
                    person.grid = grid

    # --- positions and demo accounts ---------------------------------------------------

    def _positions(self) -> None:
        for home in self.homes:
            for index, duties in enumerate(home.duties):
                person = home.people[index]
                for role, target in duties:
                    if role == Role.PARTY_SECRETARY:
                        self._make_member(person, home.branch)
                    self._assign(person, role, target)
        grids = {id(g): g for g in self.grids}
        for grid_id, worker in self.grid_workers.items():
            self._assign(worker, Role.GRID_WORKER, grids[grid_id])

    def _assign(self, person: Person, role: Role, target: Target) -> None:
        over = {Unit: "unit", PartyOrg: "party_org", Grid: "grid"}[type(target)]
        temporary = isinstance(target, PartyOrg) and target.kind == PartyOrgKind.TEMPORARY
        self.positions.append(
            Position(
                person=person,
                role=role,
                starts_on=TEMPORARY_SINCE if temporary else SINCE,
                **{over: target},
            )
        )

    def _pick_demo_accounts(self) -> None:
        """The same people every time for a seed: all around the first college's first
        counselor, so that a visitor sees one class from every side."""
        held = {id(p.person) for p in self.positions}
        college, committee, first_chunk = self.first_college
        admin = next(h for h in self.homes if h.unit is college)
        counselor = admin.people[2]
        first_class = next(c for c in self.classes[0] if c.unit is first_chunk[0].unit)
        student = next(p for p in first_class.people if id(p) not in held)
        floor = next(g for g in self.grids if g is student.grid)
        department = self.units.parent[id(first_class.unit)]
        dept_home = next(h for h in self.homes if h.unit is department)
        lab_home = next(
            h
            for h in self.homes
            if h.unit.kind == UnitKind.LAB and self.units.parent[id(h.unit)] is college
        )
        # A plain staff member: in the same department if it has one, else nearby.
        homes = [dept_home, *(h for h in self.homes if self._within(h.unit, college)), *self.homes]
        staff = next(p for h in homes for p in h.people if id(p) not in held)
        class_names = [c.unit.name for c in first_chunk]
        more = f" 等 {len(class_names)} 个班级" if len(class_names) > 2 else ""
        office = self.office_homes
        everyone = f"全校（{self.spec.name}）"
        self.picks = {
            "student": (student, f"{first_class.unit.name} · {student.dormitory}"),
            "staff": (staff, staff.unit.name),
            "grid_worker": (self.grid_workers[id(floor)], f"{college.name} · {floor.name}"),
            "counselor": (counselor, "、".join(class_names[:2]) + more),
            "branch_secretary": (dept_home.people[0], dept_home.branch.name),
            "committee_secretary": (admin.people[1], committee.name),
            "college_leader": (admin.people[0], college.name),
            "lab_head": (lab_home.people[0], lab_home.unit.name),
            "leading_group": (self.leaders.people[0], f"{everyone}，组长"),
            "org_department": (office["ORG"].people[1], everyone),
            "student_affairs": (office["SA"].people[1], "全体学生"),
            "university_office": (office["UO"].people[1], "全体教职工"),
            "discipline_inspection": (office["DIS"].people[1], everyone),
            "gate_keeper": (office["SEC"].people[1], "校门 · 查验通行证"),
        }

    def _within(self, unit: Unit, ancestor: Unit) -> bool:
        return unit.path.startswith(ancestor.path)

    # --- writing -----------------------------------------------------------------------

    def write(
        self,
        say: Callable[[str], None],
        *,
        record_accounts: bool = True,
        more_picks: dict[str, tuple[Person, str]] | None = None,
    ) -> DemoResult:
        """Write the plan. With `record_accounts` its picked people (and `more_picks`, a
        province's) become the printed demo accounts, with the administrator."""
        started = time.perf_counter()
        self._staff()
        self._students()
        self._positions()
        if record_accounts:
            self._pick_demo_accounts()
        say(_("people generated in %(seconds).1f s") % {"seconds": time.perf_counter() - started})
        PartyOrg.objects.bulk_create(self.orgs.nodes, batch_size=500)
        Unit.objects.bulk_create(self.units.nodes, batch_size=500)
        say(
            _("%(units)d units, %(orgs)d Party organizations")
            % {"units": len(self.units.nodes), "orgs": len(self.orgs.nodes)}
        )
        Grid.objects.bulk_create(self.grids, batch_size=1000)
        Person.objects.bulk_create(self.people, batch_size=2000)
        say(
            _("%(grids)d grids, %(people)d people")
            % {"grids": len(self.grids), "people": len(self.people)}
        )
        Position.objects.bulk_create(self.positions, batch_size=2000)
        accounts = 0
        for start in range(0, len(self.people), 5000):
            accounts += accounts_bulk_create(people=self.people[start : start + 5000])
        if record_accounts:
            accounts += _demo_accounts_record({**self.picks, **(more_picks or {})})
        say(
            _("%(accounts)d accounts, %(positions)d positions")
            % {"accounts": accounts, "positions": len(self.positions)}
        )
        students = sum(1 for p in self.people if p.kind == PersonKind.STUDENT)
        members = sum(1 for p in self.people if p.is_party_member)
        return DemoResult(
            units=len(self.units.nodes),
            party_orgs=len(self.orgs.nodes),
            grids=len(self.grids),
            people=len(self.people),
            students=students,
            staff=len(self.people) - students,
            party_members=members,
            accounts=accounts,
            positions=len(self.positions),
            seconds=0.0,
            demo_accounts=demo_accounts() if record_accounts else [],
        )


def _demo_accounts_record(picks: dict[str, tuple[Person, str]]) -> int:
    """The picked people's accounts get the demo password and become the printed list, with
    the administrator's; the number of accounts made (the administrator's, if new)."""
    hashed = make_password(DEMO_PASSWORD)
    usernames = [person.number for person, _duty in picks.values()]
    User.objects.filter(username__in=usernames).update(password=hashed, must_change_password=False)
    made = 0
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        User.objects.create(
            username=ADMIN_USERNAME,
            password=hashed,
            is_superuser=True,
            is_staff=True,
            must_change_password=False,
        )
        made = 1
    DemoAccount.objects.all().delete()
    records = [(k.key, *picks[k.key]) for k in ACCOUNT_KINDS if k.key in picks]
    DemoAccount.objects.bulk_create(
        [
            DemoAccount(order=i, kind=key, username=p.number, duty=duty)
            for i, (key, p, duty) in enumerate(records)
        ]
        + [
            DemoAccount(
                order=len(records),
                kind="admin",
                username=ADMIN_USERNAME,
                duty="系统管理（全部数据）",
            )
        ]
    )
    return made


def _first_member(people: list[Person]) -> Person:
    """A grid's worker: its first Party member if it has one (先锋模范), else its first person."""
    return next((p for p in people if p.is_party_member), people[0])
