"""Roster files built in the test, so no binary fixture is committed."""

import csv
import io

import openpyxl
import pytest

from bastion.roster.parsing import HEADERS


def xlsx_bytes(
    rows: list[list], *, header: list[str] | None = None, above: list[list] | None = None
) -> bytes:
    """An xlsx whose first sheet has the rows `above` (titles), the header, then `rows`."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*(above or []), list(header or HEADERS), *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[list], *, header: list[str] | None = None, encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def person_row(number: str = "2021001", name: str = "张三", **overrides) -> list:
    """A valid row in template order; keyword arguments by field replace cells."""
    values = {
        "gender": "男",
        "kind": "学生",
        "unit": "MED-C1",
        "political_status": "群众",
        "branch": "",
        "phone": "13812345678",
        "id_number": "",
        "dormitory": "一号楼101",
        "lab": "",
        "home_region": "420102",
    } | overrides
    return [
        number,
        name,
        values["gender"],
        values["kind"],
        values["unit"],
        values["political_status"],
        values["branch"],
        values["phone"],
        values["id_number"],
        values["dormitory"],
        values["lab"],
        values["home_region"],
    ]


@pytest.fixture
def roster_file(tmp_path):
    """`roster_file(rows)`: the path of an xlsx (or csv with suffix=".csv") holding `rows`."""

    def make(rows: list[list], *, suffix: str = ".xlsx", **kwargs) -> str:
        path = tmp_path / f"roster{suffix}"
        data = xlsx_bytes(rows, **kwargs) if suffix == ".xlsx" else csv_bytes(rows, **kwargs)
        path.write_bytes(data)
        return str(path)

    return make
