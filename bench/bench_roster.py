"""Roster import: 50,000 people from an xlsx file into an empty roster (R5)."""

import random
import tempfile
from pathlib import Path

from bench import Benchmark
from bench.runner import timed

PEOPLE = 50_000
COLLEGES = 20
CLASSES_PER_COLLEGE = 25


def _setup() -> "callable":
    """A university of 20 colleges × 25 classes and a 50,000-row roster naming them."""
    import openpyxl
    from django.conf import settings

    from bastion.lib import divisions
    from bastion.lib.idcard import check_digit
    from bastion.org.models import PartyOrgKind, UnitKind
    from bastion.org.services import party_org_add, unit_add
    from bastion.roster.parsing import HEADERS, parse_roster
    from bastion.roster.services import roster_import

    rng = random.Random(2020)
    committee = party_org_add(
        parent=None, code="UC", name="示范大学党委", kind=PartyOrgKind.UNIVERSITY_COMMITTEE
    )
    university = unit_add(
        parent=None, code="U", name="示范大学", kind=UnitKind.UNIVERSITY, party_org=committee
    )
    classes: list[tuple[str, str]] = []  # (code, path of names)
    colleges: list[str] = []
    branches: list[str] = []
    for c in range(COLLEGES):
        college = unit_add(
            parent=university, code=f"C{c:02d}", name=f"第{c + 1}学院", kind=UnitKind.COLLEGE
        )
        colleges.append(college.code)
        branch = party_org_add(
            parent=committee,
            code=f"B{c:02d}",
            name=f"第{c + 1}学院学生党支部",
            kind=PartyOrgKind.BRANCH,
        )
        branches.append(branch.code)
        for k in range(CLASSES_PER_COLLEGE):
            unit = unit_add(
                parent=college, code=f"C{c:02d}-{k:02d}", name=f"{k + 1}班", kind=UnitKind.CLASS
            )
            classes.append((unit.code, f"示范大学/第{c + 1}学院/{k + 1}班"))
    counties = [d.code for d in divisions.table().values() if d.level == 3]
    statuses = ["群众"] * 6 + ["共青团员"] * 2 + ["中共党员", "中共预备党员", "入党积极分子"]

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["示范大学 2020 级花名册"])
    sheet.append(list(HEADERS))
    for i in range(PEOPLE):
        student = i % 10 != 0
        code, names = rng.choice(classes)
        unit = (names if i % 7 == 0 else code) if student else rng.choice(colleges)
        status = rng.choice(statuses)
        branch = (
            rng.choice(branches) if status in ("中共党员", "中共预备党员", "入党积极分子") else ""
        )
        region = rng.choice(counties)
        born = f"{rng.randint(1990, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"{region}{born}{i % 1000:03d}"
        sheet.append(
            [
                f"{2020000000 + i}",
                f"学生{i}",
                rng.choice("男女"),
                "学生" if student else "教职工",
                unit,
                status,
                branch,
                f"13{rng.randint(0, 999999999):09d}",
                first17 + check_digit(first17),
                f"{rng.randint(1, 30)}号楼{rng.randint(101, 699)}",
                "",  # 实验室
                region,
            ]
        )
    path = Path(tempfile.mkdtemp(prefix="bastion-bench-roster-")) / "roster.xlsx"
    book.save(path)

    def measure() -> float:
        def run() -> None:
            roster = parse_roster(
                path.read_bytes(), path.name, max_bytes=settings.BASTION_ROSTER_MAX_BYTES
            )
            result = roster_import(actor=None, rows=roster.rows)
            assert result.ok and result.created == PEOPLE, result.problems[:5]

        try:
            return timed(run)
        finally:
            path.unlink()
            path.parent.rmdir()

    return measure


BENCHMARKS = [
    Benchmark(name="import 50,000 people", goal=20, unit="s", setup=_setup),
]
