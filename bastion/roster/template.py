"""The roster template (xlsx): headers, an example row, and a sheet explaining every column."""

import io
from functools import cache

from bastion.roster.parsing import COLUMNS

EXAMPLE = [
    "2020001",
    "李明",
    "男",
    "学生",
    "示范大学/医学院/临床医学系/临床2020级1班",
    "中共预备党员",
    "临床医学系学生党支部",
    "13800000001",
    "11010519491231002X",
    "一号楼301",
    "",
    "湖北省武汉市江岸区",
]
# The explanations are the template's own Chinese text, as the headers are.
EXPLAINED = {
    "number": "学号或工号，唯一；再次导入时按它更新，不会重复。保留开头的 0：请把该列设为文本。",
    "name": "姓名。",
    "gender": "男 或 女，可空。",
    "kind": "学生 或 教职工（也可写 本科生、研究生、教工、职工等）。",
    "unit": "单位代码（如 MED-C1），或从学校起、用 / 分隔的单位名称路径"
    "（如 示范大学/医学院/临床医学系/临床2020级1班）。路径末尾尚不存在的单位会被新建。",
    "political_status": "中共党员、中共预备党员、入党积极分子、入党申请人 或 群众"
    "（共青团员记为群众）；"
    "可空，空即群众。",
    "branch": "党支部的代码或名称，必须已存在；只对党员、预备党员、积极分子和申请人有效。",
    "phone": "11 位手机号，可空。",
    "id_number": "18 位身份证号，可空；校验位 X 大小写均可；不得与他人重复。",
    "dormitory": "宿舍，如 一号楼301，可空。",
    "lab": "研究生或科研人员所在的实验室或课题组：代码或名称，须已存在；可空。用于推荐密切接触者。",
    "home_region": "生源地：行政区划代码（如 420102）或名称（如 湖北省武汉市江岸区），可空。",
}


@cache
def template_bytes() -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append([c.header for c in COLUMNS])
    sheet.append(EXAMPLE)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F4")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold if not column.required else Font(bold=True, color="C0392B")
        cell.fill = fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = {
            "unit": 44,
            "id_number": 22,
            "branch": 22,
            "home_region": 20,
        }.get(column.field, 12)
        for row in range(2, 1002):  # text, so Excel keeps leading zeros and long numbers
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "否", EXPLAINED[column.field]])
    notes.append([])
    notes.append(
        [
            "",
            "",
            "表头可以不在第一行（上面可有标题行）；有错误的行会逐行列出，"
            "全部改正前不会导入任何人。",
        ]
    )
    for cell in notes[1]:
        cell.font = bold
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 6
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True)
    notes.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
