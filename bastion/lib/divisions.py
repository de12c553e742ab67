"""Administrative divisions of China (GB/T 2260): province, city, county, from a shipped table."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bastion.lib.text import clean

DATA = Path(__file__).parent / "data" / "divisions.csv"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    parent: str

    @property
    def level(self) -> int:
        """1 province, 2 city (or province-administered county), 3 county."""
        if self.code.endswith("0000"):
            return 1
        if self.code.endswith("00"):
            return 2
        return 3


@cache
def table() -> dict[str, Division]:
    with DATA.open(encoding="utf-8") as f:
        lines = (line for line in f if not line.startswith("#"))
        return {row["code"]: Division(**row) for row in csv.DictReader(lines)}


@cache
def _children() -> dict[str, list[Division]]:
    kids: dict[str, list[Division]] = {}
    for division in table().values():
        kids.setdefault(division.parent, []).append(division)
    return kids


def get(code: str) -> Division | None:
    return table().get(code)


def children(code: str = "") -> list[Division]:
    """Provinces for "", else the divisions directly under `code`."""
    return _children().get(code, [])


def chain(code: str) -> list[Division]:
    """The division and its ancestors, province first."""
    out: list[Division] = []
    division = get(code)
    while division is not None:
        out.append(division)
        division = get(division.parent) if division.parent else None
    return out[::-1]


def full_name(code: str) -> str:
    return "".join(d.name for d in chain(code)) or code


@cache
def _by_name() -> dict[str, list[Division]]:
    names: dict[str, list[Division]] = {}
    for division in table().values():
        names.setdefault(division.name, []).append(division)
        for suffix in (
            "省",
            "市",
            "自治区",
            "特别行政区",
            "壮族自治区",
            "回族自治区",
            "维吾尔自治区",
        ):
            if division.level == 1 and division.name.endswith(suffix):
                names.setdefault(division.name.removesuffix(suffix), []).append(division)
    return names


def resolve(value: str) -> Division | None:
    """A division from its code or its name, as people write it in a spreadsheet.

    Accepts "420102", "湖北省", "湖北", "湖北省武汉市江岸区" or "湖北/武汉市/江岸区";
    None if it names nothing or names more than one place.
    """
    text = clean(value).replace(" ", "")
    if not text:
        return None
    if text.isdigit():
        return get(text[:6]) if len(text) in (6, 9, 12) else None
    for sep in ("/", "-", "，", ","):
        text = text.replace(sep, "")
    found = _by_name().get(text)
    if found:
        return found[0] if len(found) == 1 else None
    # A path of names: match the longest province prefix, then walk down.
    for province in children(""):
        for prefix in (
            province.name,
            *(k for k, v in _by_name().items() if province in v and k != province.name),
        ):
            if text.startswith(prefix):
                return _walk(province, text[len(prefix) :])
    return None


def _walk(node: Division, rest: str) -> Division | None:
    if not rest:
        return node
    for child in children(node.code):
        if rest.startswith(child.name):
            return _walk(child, rest[len(child.name) :])
    return None
