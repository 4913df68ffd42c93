"""Helpers for the member tests: people with unique IDs, .xlsx uploads, reading workbooks."""
import datetime
import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from members.importers import COLUMNS
from members.idcard import make_citizen_id
from tests.factories import make_person

HEADERS = [c.header for c in COLUMNS]
_seq = itertools.count(100)


def unique_citizen_id(birth: datetime.date, male: bool) -> str:
    """A valid ID never used before in this test run (sequence numbers differ in parity per gender)."""
    return make_citizen_id("440305", birth, 2 * (next(_seq) % 450) + (1 if male else 0), male)


def person(unit, name="张三", *, male=True, birth=datetime.date(1985, 6, 15), **fields):
    """tests.factories.make_person with an ID that cannot collide with another person's."""
    fields.setdefault("citizen_id", unique_citizen_id(birth, male))
    return make_person(unit, name=name, male=male, birth=birth, **fields)


def workbook_bytes(rows, headers=HEADERS, title_rows=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(list(row))
    ws.append(list(headers))
    for row in rows:
        if isinstance(row, dict):
            ws.append([row.get(h) for h in headers])
        else:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(rows, name="roll.xlsx", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, workbook_bytes(rows, **kwargs),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def person_row(unit_code, name="王芳", *, male=False, birth=datetime.date(1990, 3, 8), status="正式党员", **extra):
    """A valid import row (as a {header: value} dict) for a full member."""
    row = {
        "姓名": name, "性别": "男" if male else "女", "民族": "汉族", "出生日期": birth,
        "公民身份号码": unique_citizen_id(birth, male), "学历": "大学本科", "联系电话": "13900000000",
        "人员类别": "在职", "所在组织编码": unit_code, "党员状态": status,
        "申请入党日期": datetime.date(2010, 3, 1), "入党日期": datetime.date(2012, 7, 1),
        "转正日期": datetime.date(2013, 7, 1),
    }
    row.update(extra)
    return row


def read_xlsx(content: bytes):
    """All rows of the first sheet as lists of values."""
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]
