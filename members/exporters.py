"""Excel files of the roll: the export of a (filtered) list and the import template.

The export uses the import's columns, so an exported roll can be corrected and imported elsewhere.
Citizen IDs are masked unless the user may see them in the person's unit.
"""
from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .importers import COLUMNS, EXAMPLE_BIRTH, HEADER_SEARCH_ROWS, MAX_ROWS, ImportColumn
from .models import Person

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str):
    """A workbook as a download named ``filename`` (Chinese names kept, RFC 6266)."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
REQUIRED_FONT = Font(bold=True, color="B3121B")
HEADER_FONT = Font(bold=True)

# Chinese labels written for choice values: the first label of each import option map.
_LABELS = {c.field: {v: label for label, v in reversed(list(c.options.items()))} for c in COLUMNS if c.options}


def _label(field: str, value) -> str:
    if not value:
        return ""
    return _LABELS[field].get(value, str(value))


def text_cell(sheet, value, **style) -> WriteOnlyCell:
    """A cell that holds ``value`` as typed: a string starting with '=' stays text, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value:
        cell.data_type = "s"
    if isinstance(value, (datetime.date, datetime.datetime)):
        cell.number_format = DATE_FORMAT
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _person_values(person: Person, citizen_id: str) -> dict:
    values = {c.field: getattr(person, c.field, "") for c in COLUMNS}
    values.update(
        gender=_label("gender", person.gender),
        education=_label("education", person.education),
        category=_label("category", person.category),
        status=_label("status", person.status),
        citizen_id=citizen_id,
        unit=person.unit.code,
        party_group=person.party_group.code if person.party_group_id else "",
    )
    return {k: ("" if v is None else v) for k, v in values.items()}


def _header_row(sheet, columns: Iterable[ImportColumn], comments: bool = False) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = text_cell(sheet, column.header, font=REQUIRED_FONT if column.required else HEADER_FONT,
                          fill=HEADER_FILL, alignment=Alignment(horizontal="center", vertical="center"))
        if comments and column.note:
            cell.comment = Comment(column.note, "")
        cells.append(cell)
    return cells


def export_people(people: Iterable[Person], *, can_see_id: Callable) -> bytes:
    """An .xlsx of ``people`` (iterate a queryset with unit and party_group joined in)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员名册")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.append(_header_row(sheet, COLUMNS))
    for person in people:
        citizen_id = person.citizen_id if can_see_id(person.unit) else person.masked_citizen_id
        values = _person_values(person, citizen_id)
        sheet.append([text_cell(sheet, values[c.field]) for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_template(*, unit_code: str = "") -> bytes:
    """The import template: header row in Chinese, one example row, a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    sheet.append([c.header for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if column.note:
            cell.comment = Comment(column.note, "")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        example = unit_code if column.field == "unit" else column.example
        target = sheet.cell(row=2, column=index, value=example)
        if isinstance(example, datetime.date):
            target.number_format = DATE_FORMAT
        if column.field in ("citizen_id", "phone", "unit", "party_group"):
            sheet.column_dimensions[letter].number_format = "@"     # text: Excel keeps all 18 digits
            target.number_format = "@"
        if column.options:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.options) + '"',
                                        allow_blank=True, showErrorMessage=True,
                                        errorTitle=column.header, error="请从下拉列表中选择")
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"

    notes = workbook.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "可选值"])
    for cell in notes[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in COLUMNS:
        notes.append([column.header, "必填" if column.required else "", column.note,
                      "、".join(column.options) if column.options else ""])
    notes.append([])
    notes.append(["第2行是示例，导入前请删除。日期格式为 yyyy-mm-dd（如 "
                  f"{EXAMPLE_BIRTH:%Y-%m-%d}）。表头须在前 {HEADER_SEARCH_ROWS} 行内；只读取第一个工作表；"
                  f"每个文件最多 {MAX_ROWS} 行。"])
    for letter, width in zip("ABCD", (18, 10, 40, 60)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
