"""The roster import: messy files accepted, every bad row reported, nothing written on failure."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bastion.accounts.models import User
from bastion.org.models import Person, Unit, UnitKind
from bastion.roster.parsing import RosterFileError, parse_roster
from bastion.roster.services import roster_import
from bastion.roster.tests.conftest import csv_bytes, person_row, xlsx_bytes

MAX = 20 * 2**20
VALID_ID = "110105199001011232"


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Unit.objects.count(), User.objects.count()


def run(data: bytes, *, actor=None, dry_run: bool = False):
    return roster_import(actor=actor, rows=parse_roster(data, max_bytes=MAX).rows, dry_run=dry_run)


BAD_ROWS = {
    "unknown unit code": ({"unit": "NOPE"}, "所属单位"),
    "path not from the university": ({"unit": "别的大学/医学院"}, "所属单位"),
    "bad ID checksum": ({"id_number": "110105199001011231"}, "身份证号"),
    "ID of another person": ({"id_number": "11010519491231002X"}, "身份证号"),
    "bad phone": ({"phone": "12345678901"}, "手机号"),
    "unknown political status": ({"political_status": "党外人士甲"}, "政治面貌"),
    "unknown party branch": (
        {"political_status": "中共党员", "branch": "不存在的支部"},
        "所在党支部",
    ),
    "unknown home region": ({"home_region": "火星"}, "生源地"),
    "missing kind": ({"kind": ""}, "人员类别"),
    "unknown kind": ({"kind": "访客"}, "人员类别"),
    "missing unit": ({"unit": ""}, "所属单位"),
    "huge cell": ({"dormitory": "楼" * 100_000}, "宿舍"),
    "bad gender": ({"gender": "未知"}, "性别"),
}


@pytest.mark.parametrize("overrides,column", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(world, overrides, column):
    before = counts()
    result = run(xlsx_bytes([person_row("2021001"), person_row("2021002", "李四", **overrides)]))
    assert not result.ok
    assert [(p.line, p.column) for p in result.problems] == [(3, column)]
    assert all(p.reason for p in result.problems)
    assert counts() == before


def test_a_missing_name_or_number_is_a_bad_row(world):
    result = run(xlsx_bytes([person_row("", "王五"), person_row("2021002", "")]))
    assert [(p.line, p.column) for p in result.problems] == [(2, "学号/工号"), (3, "姓名")]


def test_a_number_twice_in_the_file_reports_both_rows(world):
    result = run(
        xlsx_bytes([person_row("2021001"), person_row("2021009"), person_row("2021001", "李四")])
    )
    assert [(p.line, p.column) for p in result.problems] == [(2, "学号/工号"), (4, "学号/工号")]
    assert "2、4" in result.problems[0].reason


def test_an_id_number_twice_in_the_file_reports_both_rows(world):
    result = run(
        xlsx_bytes(
            [
                person_row("2021001", id_number=VALID_ID),
                person_row("2021002", id_number=VALID_ID.lower()),
            ]
        )
    )
    assert {(p.line, p.column) for p in result.problems} == {(2, "身份证号"), (3, "身份证号")}


def test_a_huge_cell_says_the_fields_maximum(world):
    result = run(csv_bytes([person_row(name="名" * 100_000)]))
    assert "50" in result.problems[0].reason and "100000" in result.problems[0].reason


@pytest.mark.parametrize(
    "data,fragment",
    [
        (b"", "空"),
        (b"\x00\x01\x02binary\xff\xfe\x00garbage" * 10, "不是"),
        (b"PK\x03\x04 not really a zip", "xlsx"),
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
        ("随便写的一段文字\n第二行\n".encode(), "表头"),
        (xlsx_bytes([]), "没有"),
    ],
)
def test_a_file_that_is_not_a_roster_is_refused_with_a_clear_reason(world, data, fragment):
    with pytest.raises(RosterFileError) as error:
        parse_roster(data, max_bytes=MAX)
    assert fragment in str(error.value)


def test_a_file_above_the_size_limit_is_refused_before_reading(world):
    with pytest.raises(RosterFileError, match="MB"):
        parse_roster(b"x" * 2048, max_bytes=1024)


def test_a_header_missing_a_required_column_names_it(world):
    with pytest.raises(RosterFileError, match="人员类别"):
        parse_roster(
            csv_bytes([["1", "张三", "MED"]], header=["学号", "姓名", "所属单位"]), max_bytes=MAX
        )


def test_a_messy_but_valid_file_imports_correctly(world):
    data = xlsx_bytes(
        [
            [
                2021001.0,
                "张  三",
                "男",
                "本科生",
                "MED-C1",
                "共青团员",
                "",
                "１３８ １２３４ ５６７８",
                VALID_ID[:-1] + "2",
                "一号楼 101",
                "湖北省武汉市江岸区",
            ],
            [
                "００１２３",
                "Anna Smith",
                "女",
                "教工",
                "示范大学/医学院/病原生物学实验室",
                "中共党员",
                "临床医学系学生党支部",
                13912345678.0,
                "420102200102034563",
                "",
                "420102",
            ],
            [None] * 11,
            [
                "2021003",
                "李四",
                "",
                "研究生",
                "示范大学 / 计算机学院 / 计算机2021级2班",
                "预备党员",
                "CS-B1",
                "",
                "11010520000101018x",
                "",
                "福建",
            ],
        ],
        header=[
            "学号 / 工号*",
            "姓 名",
            "性别",
            "人员类别（必填）",
            "所属单位",
            "政治面貌",
            "所在党支部",
            "手机号码",
            "身份证号",
            "宿舍",
            "生源地",
        ],
        above=[["示范大学 2021 级新生名单"], [], ["制表：学生工作部"]],
    )
    result = run(data)
    assert result.ok, result.problems
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    zhang = Person.objects.get(number="2021001")
    assert (zhang.name, zhang.kind, zhang.phone, zhang.dormitory, zhang.home_region) == (
        "张三",
        "student",
        "13812345678",
        "一号楼 101",
        "420102",
    )
    assert zhang.political_status == "masses"
    anna = Person.objects.get(number="00123")
    assert (anna.kind, anna.unit, anna.party_branch, anna.phone) == (
        "staff",
        world.med_lab,
        world.med_branch,
        "13912345678",
    )
    li = Person.objects.get(number="2021003")
    assert li.id_number == "11010520000101018X"
    assert li.unit.name == "计算机2021级2班" and li.unit.kind == UnitKind.CLASS
    assert li.unit.path[: -Unit.steplen] == world.cs.path and li.home_region == "350000"
    assert User.objects.get(person=li).must_change_password
    assert not User.objects.get(person=li).has_usable_password()


def test_a_gbk_csv_with_a_title_row_imports(world):
    text = (
        "花名册\n"
        + ",".join(["学号", "姓名", "人员类别", "所属单位"])
        + "\n2021001,张三,学生,CS-C1\n"
    )
    result = run(text.encode("gb18030"))
    assert result.ok and result.created == 1


def test_reimporting_the_same_file_changes_nothing(world):
    data = xlsx_bytes([person_row("2021001"), person_row("2021002", "李四", unit="U/医学院/新班")])
    assert run(data).created == 2
    before = (counts(), list(Person.objects.values_list("updated_at", flat=True)))
    again = run(data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.units_created == []
    assert (counts(), list(Person.objects.values_list("updated_at", flat=True))) == before


def test_reimporting_updates_people_by_number(world):
    result = run(
        xlsx_bytes(
            [
                person_row(
                    "2020001",
                    "李明",
                    unit="CS-C1",
                    political_status="中共党员",
                    branch="CS-B1",
                    id_number="11010519491231002X",
                )
            ]
        )
    )
    assert (result.created, result.updated) == (0, 1)
    world.student.refresh_from_db()
    assert (world.student.unit, world.student.political_status, world.student.party_branch) == (
        world.cs_class,
        "member",
        world.cs_branch,
    )
    assert Person.objects.filter(number="2020001").count() == 1


def test_a_column_the_file_lacks_is_left_as_it_was(world):
    data = csv_bytes(
        [["2020001", "李明", "学生", "MED-C1"]], header=["学号", "姓名", "人员类别", "所属单位"]
    )
    assert run(data).unchanged == 1
    world.student.refresh_from_db()
    assert world.student.phone == "13800000001"


def test_a_dry_run_counts_but_writes_nothing(world):
    before = counts()
    result = run(xlsx_bytes([person_row("2021001", unit="U/医学院/新班")]), dry_run=True)
    assert result.ok and result.created == 1
    assert result.units_created == ["示范大学/医学院/新班"]
    assert counts() == before


# --- the command --------------------------------------------------------------------------


def test_the_command_lists_every_bad_row_exits_non_zero_and_writes_nothing(
    world, roster_file, capsys
):
    path = roster_file(
        [
            person_row("2021001", unit="NOPE"),
            person_row("2021002"),
            person_row("2021003", phone="123"),
        ]
    )
    before = counts()
    with pytest.raises(CommandError) as error:
        call_command("import_roster", path)
    err = capsys.readouterr().err
    assert "第 2 行 · 所属单位" in err and "第 4 行 · 手机号" in err
    assert "没有写入" in str(error.value) or "nothing" in str(error.value)
    assert counts() == before


def test_the_command_exits_with_status_one_on_bad_rows(world, roster_file):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(
            ["bastion", "import_roster", roster_file([person_row(unit="NOPE")])]
        ).execute()
    assert exit_.value.code == 1


def test_the_mended_file_imports_everyone_once_then_changes_nothing(world, roster_file, capsys):
    path = roster_file([person_row("2021001"), person_row("2021002", "李四")])
    call_command("import_roster", path, "--initial-password", "Chu-Shi-Mi-Ma-2021")
    assert "2" in capsys.readouterr().out
    assert Person.objects.filter(number__in=["2021001", "2021002"]).count() == 2
    user = User.objects.get(username="2021001")
    assert user.check_password("Chu-Shi-Mi-Ma-2021") and user.must_change_password
    before = counts()
    call_command("import_roster", path)
    assert counts() == before


def test_the_command_refuses_a_file_that_is_not_a_spreadsheet(world, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 50)
    with pytest.raises(CommandError):
        call_command("import_roster", str(path))


def test_a_lab_is_named_by_code_or_name_and_must_exist(world):
    officer = User.objects.get(person=world.org_officer)
    good = xlsx_bytes(
        [
            person_row("2021201", "钱程", lab="MED-LAB"),
            person_row("2021202", "孙越", lab="病原生物学实验室"),
        ]
    )
    result = run(good, actor=officer)
    assert not result.problems, result.problems
    labs = Person.objects.filter(number__in=["2021201", "2021202"]).values_list("lab", flat=True)
    assert set(labs) == {world.med_lab.pk}
    refused = run(xlsx_bytes([person_row("2021203", "李四", lab="不存在的实验室")]), actor=officer)
    assert [p.column for p in refused.problems] == ["实验室"]
    assert not Person.objects.filter(number="2021203").exists()
