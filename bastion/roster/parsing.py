"""Reading a roster spreadsheet (xlsx or csv) into checked rows; knows nothing of the database.

Real rosters are messy, so this accepts what a careful person would: title rows above the
header, header variants, full-width characters, numbers that Excel stored as floats, a
lower-case x in an ID card number. Whatever it cannot accept becomes a `Problem` on the row,
with the spreadsheet's own row number and the column's Chinese header.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from bastion.lib import divisions, idcard, xlsx
from bastion.lib.text import clean, compact

HEADER_SCAN_ROWS = 20
MAX_ROWS = 200_000
MAX_COLUMNS = 60


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's header; problems name the column by it
    required: bool
    max_length: int
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column(
        "number",
        "学号/工号",
        True,
        32,
        ("学号", "工号", "学工号", "学号工号", "工号学号", "职工号", "教工号", "编号"),
    ),
    Column("name", "姓名", True, 50, ("名字",)),
    Column("gender", "性别", False, 10),
    Column("kind", "人员类别", True, 20, ("类别", "人员类型", "身份", "人员身份")),
    Column("unit", "所属单位", True, 500, ("单位", "所在单位", "单位代码", "所属单位代码")),
    Column("political_status", "政治面貌", False, 30),
    Column("branch", "所在党支部", False, 100, ("党支部", "所属党支部", "党组织", "所在党组织")),
    Column("phone", "手机号", False, 20, ("手机", "手机号码", "联系电话", "电话", "移动电话")),
    Column(
        "id_number", "身份证号", False, 18, ("身份证", "身份证号码", "公民身份号码", "证件号码")
    ),
    Column("dormitory", "宿舍", False, 50, ("宿舍号", "寝室", "宿舍房间")),
    Column("lab", "实验室", False, 100, ("课题组", "所在实验室", "实验室/课题组", "实验室代码")),
    Column("home_region", "生源地", False, 100, ("生源地区", "籍贯", "来源地")),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = tuple(c.header for c in COLUMNS)

GENDERS = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
}
KINDS = {
    "student": {
        "学生",
        "本科生",
        "本科",
        "研究生",
        "硕士生",
        "硕士研究生",
        "博士生",
        "博士研究生",
        "专科生",
        "留学生",
        "进修生",
        "student",
    },
    "staff": {
        "教职工",
        "教工",
        "职工",
        "教师",
        "老师",
        "教职员工",
        "员工",
        "工作人员",
        "行政人员",
        "管理人员",
        "教辅人员",
        "博士后",
        "staff",
        "teacher",
    },
}
POLITICAL = {
    "member": {"中共党员", "党员", "正式党员", "中国共产党党员", "共产党员", "member"},
    "probationary": {"中共预备党员", "预备党员", "probationary"},
    "activist": {"入党积极分子", "积极分子", "activist"},
    "applicant": {"入党申请人", "申请人", "已递交入党申请书", "applicant"},
    "masses": {
        "群众",
        "共青团员",
        "团员",
        "中国共产主义青年团团员",
        "共青团团员",
        "无党派人士",
        "无",
        "masses",
    },
}
# Members of the eight democratic parties are "masses" as far as the Communist Party goes.
DEMOCRATIC_PARTIES = ("民革", "民盟", "民建", "民进", "农工党", "致公党", "九三学社", "台盟")
MOBILE = re.compile(r"1[3-9]\d{9}")
NUMBER = re.compile(r"[0-9A-Za-z_.]+")
CJK_NAME = re.compile(r"[\u3400-\u9fff·• ]+")


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster; the message is for the person."""


@dataclass(frozen=True)
class Problem:
    line: int  # the spreadsheet's own row number, as Excel shows it
    column: str  # the Chinese header, or "" for the whole row
    reason: str

    def __str__(self) -> str:
        if self.column:
            return f"第 {self.line} 行 · {self.column} · {self.reason}"
        return f"第 {self.line} 行 · {self.reason}"


@dataclass
class RosterRow:
    """One person as the file gives them, normalized; references are resolved by the service."""

    line: int
    number: str = ""
    name: str = ""
    gender: str = ""
    kind: str = ""
    unit: str = ""
    political_status: str = ""
    branch: str = ""
    phone: str = ""
    id_number: str = ""
    dormitory: str = ""
    lab: str = ""
    home_region: str = ""
    present: frozenset[str] = frozenset()  # the optional columns the file has
    problems: list[Problem] = field(default_factory=list)

    def problem(self, field_name: str, reason: str) -> None:
        self.problems.append(Problem(self.line, BY_FIELD[field_name].header, reason))


# --- the header ---------------------------------------------------------------------------


def _header_key(value: object) -> str:
    """A header cell folded for matching: no spaces, marks or parenthesised notes."""
    text = clean(value).replace(" ", "")
    text = re.sub(r"[（(\[【].*?[）)\]】]", "", text)
    return text.strip("*＊:：").replace("／", "/").lower()


@cache
def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        for alias in (column.header, column.header.replace("/", ""), *column.aliases):
            names[_header_key(alias)] = column.field
    return names


def _header_fields(cells: Iterable[object]) -> dict[int, str]:
    """Column index → field for the cells that are headers we know; first one wins."""
    found: dict[int, str] = {}
    names = _header_names()
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        field_name = names.get(key) or names.get(key.replace("/", ""))
        if field_name and field_name not in found.values():
            found[index] = field_name
    return found


# --- reading the file ---------------------------------------------------------------------


def read_rows(data: bytes, filename: str = "", *, max_bytes: int) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) of the first sheet that has a header row; errors as RosterFileError."""
    if not data:
        raise RosterFileError(_("The file is empty."))
    if len(data) > max_bytes:
        raise RosterFileError(
            _("The file is too large: at most %(limit)d MB.") % {"limit": max_bytes // 2**20}
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            _(
                "This is an old Excel (.xls) file: save it as .xlsx or .csv "
                "in Excel and upload that."
            )
        )
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    return _csv_rows(_decode(data), max_bytes)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    """Every sheet's rows, each sheet followed by a (0, ()) marker."""
    try:
        for sheet in xlsx.iter_sheets(data, max_col=MAX_COLUMNS):
            yield from sheet
            yield 0, ()
    except xlsx.XlsxError as error:
        raise RosterFileError(_("The file cannot be read as an xlsx spreadsheet.")) from error


def _decode(data: bytes) -> str:
    """CSV text: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (Chinese Excel)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise RosterFileError(_("The file is not a spreadsheet (xlsx or csv).")) from error
    if b"\x00" in data[:4096]:
        raise RosterFileError(_("The file is not a spreadsheet (xlsx or csv)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("The file is not a spreadsheet (xlsx or csv)."))


def _csv_rows(text: str, max_bytes: int) -> Iterator[tuple[int, tuple]]:
    head = text[:8192].splitlines()[:HEADER_SCAN_ROWS]
    tabs, commas = sum(line.count("\t") for line in head), sum(line.count(",") for line in head)
    delimiter = "\t" if tabs > commas else ","
    # A huge cell must become a bad row, not a csv.Error; the file size already bounds it.
    csv.field_size_limit(max(csv.field_size_limit(), max_bytes))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, tuple]]:
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, tuple(cells[:MAX_COLUMNS])
        except csv.Error as error:
            raise RosterFileError(_("The file is not a spreadsheet (xlsx or csv).")) from error

    return rows()


# --- the rows -----------------------------------------------------------------------------


@dataclass
class Roster:
    rows: list[RosterRow]
    columns: frozenset[str]  # every field the file has a column for
    header_line: int


def parse_roster(data: bytes, filename: str = "", *, max_bytes: int) -> Roster:
    """The file's people, each row checked on its own and against the other rows."""
    source = read_rows(data, filename, max_bytes=max_bytes)
    header: dict[int, str] | None = None
    best: dict[int, str] = {}
    scanned = 0
    rows: list[RosterRow] = []
    for line, cells in source:
        if line == 0:  # end of a sheet without a header: try the next sheet
            if header is not None:
                break
            scanned = 0
            continue
        if header is None:
            scanned += 1
            if scanned > HEADER_SCAN_ROWS or line > HEADER_SCAN_ROWS:
                continue
            found = _header_fields(cells)
            if len(found) > len(best):
                best = found
            if all(c.field in found.values() for c in COLUMNS if c.required):
                header, header_line = found, line
            continue
        if not any(clean(c) for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(
                _("The file has more than %(limit)d rows; split it into smaller files.")
                % {"limit": MAX_ROWS}
            )
        rows.append(_row(line, cells, header))
    if header is None:
        if len(best) >= 2:
            missing = "、".join(
                c.header for c in COLUMNS if c.required and c.field not in best.values()
            )
            raise RosterFileError(
                _("The header row lacks the column(s): %(columns)s.") % {"columns": missing}
            )
        raise RosterFileError(
            _(
                "No header row found in the first %(n)d rows; the template's headers are: "
                "%(headers)s."
            )
            % {"n": HEADER_SCAN_ROWS, "headers": "、".join(HEADERS)}
        )
    if not rows:
        raise RosterFileError(_("The file has a header row but no people below it."))
    columns = frozenset(header.values())
    present = frozenset(columns)
    for row in rows:
        row.present = present
    _check_duplicates(rows)
    return Roster(rows=rows, columns=columns, header_line=header_line)


def _row(line: int, cells: tuple, header: dict[int, str]) -> RosterRow:
    row = RosterRow(line=line)
    raw = {name: (cells[i] if i < len(cells) else None) for i, name in header.items()}
    for name, value in raw.items():
        column = BY_FIELD[name]
        numeric = name in ("number", "phone", "id_number")
        text = compact(value) if numeric else clean(value)
        if numeric:
            text = text.lstrip("'")
        if len(text) > column.max_length:
            row.problem(
                name,
                ngettext(
                    "Too long: at most %(max)d character, this cell has %(n)d.",
                    "Too long: at most %(max)d characters, this cell has %(n)d.",
                    column.max_length,
                )
                % {"max": column.max_length, "n": len(text)},
            )
            continue
        if not text:
            if column.required:
                row.problem(name, _("Required, but empty."))
            continue
        _FIELD_CHECKS[name](row, text)
    return row


def _number(row: RosterRow, text: str) -> None:
    if not NUMBER.fullmatch(text):
        row.problem("number", _("Only letters and digits are allowed."))
    else:
        row.number = text


def _name(row: RosterRow, text: str) -> None:
    # People pad two-character names to align them: "李  明" is 李明.
    row.name = text.replace(" ", "") if CJK_NAME.fullmatch(text) else text


def _gender(row: RosterRow, text: str) -> None:
    row.gender = GENDERS.get(text.lower(), "")
    if not row.gender:
        row.problem("gender", _("Write 男 or 女."))


def _kind(row: RosterRow, text: str) -> None:
    key = text.lower().replace(" ", "")
    row.kind = next((kind for kind, names in KINDS.items() if key in names), "")
    if not row.kind:
        row.problem("kind", _("Unknown category: write 学生 or 教职工."))


def _unit(row: RosterRow, text: str) -> None:
    row.unit = text


def _political(row: RosterRow, text: str) -> None:
    key = text.lower().replace(" ", "")
    row.political_status = next((status for status, names in POLITICAL.items() if key in names), "")
    if not row.political_status and key.startswith(DEMOCRATIC_PARTIES):
        row.political_status = "masses"
    if not row.political_status:
        row.problem(
            "political_status",
            _(
                "Unknown political status: write 中共党员, 中共预备党员, 入党积极分子, "
                "入党申请人 or 群众."
            ),
        )


def _branch(row: RosterRow, text: str) -> None:
    row.branch = text


def _phone(row: RosterRow, text: str) -> None:
    text = text.removeprefix("+86") if text.startswith("+86") else text
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not MOBILE.fullmatch(text):
        row.problem("phone", _("Not a mainland mobile number (11 digits starting with 1)."))
    else:
        row.phone = text


ID_REASONS = {
    "length": gettext_noop("An ID card number has 18 characters."),
    "characters": gettext_noop("An ID card number is 17 digits and a digit or X."),
    "birthdate": gettext_noop("The date of birth in the ID card number does not exist."),
    "checksum": gettext_noop("The ID card number's check digit is wrong; check for a typo."),
}


def _id_number(row: RosterRow, text: str) -> None:
    problem = idcard.problem(text)
    if problem is None:
        row.id_number = idcard.normalize(text)
    else:
        row.problem("id_number", _(ID_REASONS[problem]))


def _dormitory(row: RosterRow, text: str) -> None:
    row.dormitory = text


@cache
def _region(text: str) -> str:
    division = divisions.resolve(text)
    return division.code if division else ""


def _lab(row: RosterRow, text: str) -> None:
    row.lab = text


def _home_region(row: RosterRow, text: str) -> None:
    row.home_region = _region(text)
    if not row.home_region:
        row.problem(
            "home_region",
            _(
                "Unknown or ambiguous region: write a division code (e.g. 420102) or a full "
                "name (e.g. 湖北省武汉市江岸区)."
            ),
        )


_FIELD_CHECKS = {
    "number": _number,
    "name": _name,
    "gender": _gender,
    "kind": _kind,
    "unit": _unit,
    "political_status": _political,
    "branch": _branch,
    "phone": _phone,
    "id_number": _id_number,
    "dormitory": _dormitory,
    "lab": _lab,
    "home_region": _home_region,
}


def _check_duplicates(rows: list[RosterRow]) -> None:
    """A number or an ID card number twice in the file: every row that has it is bad."""
    for field_name, reason in (
        ("number", _("The same number is on rows %(lines)s.")),
        ("id_number", _("The same ID card number is on rows %(lines)s.")),
    ):
        seen: dict[str, list[RosterRow]] = {}
        for row in rows:
            value = getattr(row, field_name)
            if value:
                seen.setdefault(value, []).append(row)
        for same in seen.values():
            if len(same) > 1:
                lines = "、".join(str(r.line) for r in same)
                for row in same:
                    row.problem(field_name, reason % {"lines": lines})
