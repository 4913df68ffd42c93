"""Excel import of the year's bases (党费基数导入), all or nothing.

Reuses the roll import's reading and upload handling (members.importers): step 1 reads the first sheet and
validates every row (the member found by citizen ID among the members the user may change dues of, the
category label, the amounts as Decimal, the rate table computation, duplicates inside the file); nothing is
written. Step 2 (``bases_import``) writes every row in one transaction, and only when no row has an error: never
half an import.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.permissions import DUES_CHANGE
from members.choices import MEMBER_STATUSES
from members.idcard import normalize
from members.importers import RowError, normalize_header, read_sheet
from members.models import Person

from .choices import RateCategory
from .policy import DuesPolicySet
from .rates import money, table_for
from .services import base_compute, dues_base_declare

logger = logging.getLogger(__name__)

MAX_ROWS = 2000
CATEGORY_LABELS = {
    "在职": RateCategory.EMPLOYEE, "在职职工": RateCategory.EMPLOYEE, "在岗": RateCategory.EMPLOYEE,
    "离退休": RateCategory.RETIREE, "离休": RateCategory.RETIREE, "退休": RateCategory.RETIREE,
    "农民": RateCategory.FARMER,
    "学生": RateCategory.STUDENT, "下岗失业": RateCategory.STUDENT, "失业": RateCategory.STUDENT,
    "低保": RateCategory.STUDENT, "学生、下岗失业、低保": RateCategory.STUDENT,
}
CATEGORY_SHOWN = ["在职", "离退休", "农民", "学生", "下岗失业", "低保"]

# (header, field, required, aliases)
COLUMNS = [
    ("姓名", "name", False, ()),
    ("公民身份号码", "citizen_id", True, ("身份证号", "身份证号码")),
    ("缴费类别", "category", True, ("人员类别", "类别")),
    ("月收入（税后）", "income", False, ("月收入", "税后月收入", "缴纳基数", "基数")),
    ("申报金额", "declared_amount", False, ("农民申报金额",)),
    ("自愿多交", "voluntary_extra", False, ("自愿多交金额",)),
    ("备注", "note", False, ()),
]
HEADERS = {normalize_header(a): f for h, f, _r, al in COLUMNS for a in (h, *al)}


@dataclass
class BaseRow:
    number: int
    person: Person | None = None
    values: dict = field(default_factory=dict)
    amount: Decimal | None = None
    rule: str = ""
    errors: list[RowError] = field(default_factory=list)
    table: object = None              # the rate table and dues rules the row was checked with (read once per unit)
    policy: object = None


@dataclass
class BaseImportReport:
    year: int
    rows: list[BaseRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return [e for r in self.rows for e in r.errors]

    @property
    def can_import(self) -> bool:
        return not self.file_errors and bool(self.rows) and not self.errors

    @property
    def total(self) -> Decimal:
        return sum((r.amount or Decimal("0")) for r in self.rows)


def _money_cell(value, header, number, errors) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)          # the shortest text of the float, never the float itself
    try:
        amount = money(str(value).strip().replace(",", "").replace("元", ""))
    except (InvalidOperation, ValueError):
        errors.append(RowError(number, header, _("Enter an amount in yuan, such as 3500.00.")))
        return None
    if amount < 0:
        errors.append(RowError(number, header, _("The amount cannot be negative.")))
        return None
    return amount


def validate_workbook(fileobj, *, user, year: int) -> BaseImportReport:
    report = BaseImportReport(year=year)
    try:
        rows = read_sheet(fileobj)
    except ValueError:
        report.file_errors.append(_("This file cannot be opened as an Excel workbook."))
        return report
    header_index, mapping = None, {}
    for i, (_n, values) in enumerate(rows[:5]):
        found = {c: HEADERS[normalize_header(v)] for c, v in enumerate(values) if normalize_header(v) in HEADERS}
        if "citizen_id" in found.values():
            header_index, mapping = i, found
            break
    if header_index is None:
        report.file_errors.append(_("No header row was found. Use the template: the header row needs at least the "
                                    "columns 公民身份号码 and 缴费类别."))
        return report
    if "category" not in mapping.values():
        report.file_errors.append(_("Required columns are missing: %(cols)s.") % {"cols": "缴费类别"})
        return report
    data = rows[header_index + 1:]
    if not data:
        report.file_errors.append(_("The sheet has a header row but no data rows."))
        return report
    if len(data) > MAX_ROWS:
        report.file_errors.append(_("The file has more than %(n)d rows; split it into several files.") % {"n": MAX_ROWS})
        return report
    people = {p.citizen_id: p for p in Person.objects.restrict(user, DUES_CHANGE).select_related("unit")}
    tables, policies, seen = {}, {}, {}
    header_of = {f: h for h, f, _r, _a in COLUMNS}
    for number, values in data:
        row = BaseRow(number=number)
        cells = {f: (values[c] if c < len(values) else None) for c, f in mapping.items()}
        cid = normalize(str(cells.get("citizen_id") or ""))
        person = people.get(cid)
        if not cid:
            row.errors.append(RowError(number, header_of["citizen_id"], _("Enter the citizen ID.")))
        elif person is None:
            row.errors.append(RowError(number, header_of["citizen_id"],
                                       _("No member with this ID among the members whose dues you keep.")))
        elif person.status not in MEMBER_STATUSES:
            row.errors.append(RowError(number, header_of["citizen_id"],
                                       _("%(n)s is not a probationary or full member.") % {"n": person.name}))
            person = None
        elif cells.get("name") and str(cells["name"]).strip() != person.name:
            row.errors.append(RowError(number, header_of["name"], _("The ID belongs to %(n)s, not %(m)s.")
                                       % {"n": person.name, "m": str(cells["name"]).strip()}))
        if cid and cid in seen:
            row.errors.append(RowError(number, header_of["citizen_id"],
                                       _("The same citizen ID is already in row %(n)d of this file.") % {"n": seen[cid]}))
        seen.setdefault(cid, number)
        label = normalize_header(cells.get("category"))
        category = CATEGORY_LABELS.get(label) or (label if label in RateCategory.values else None)
        if category is None:
            row.errors.append(RowError(number, header_of["category"], _("“%(value)s” is not one of: %(options)s.")
                                       % {"value": cells.get("category") or "", "options": "、".join(CATEGORY_SHOWN)}))
        amounts = {f: _money_cell(cells.get(f), header_of[f], number, row.errors)
                   for f in ("income", "declared_amount", "voluntary_extra")}
        row.values = {"category": category, **amounts, "note": str(cells.get("note") or "").strip()[:300]}
        if person is not None and category is not None and not row.errors:
            key = person.unit_id
            if key not in tables:
                tables[key] = table_for(person.unit, year)
                policies[key] = DuesPolicySet(person.unit)
            try:
                _table, computed = base_compute(person=person, year=year, category=category, income=amounts["income"],
                                                declared_amount=amounts["declared_amount"], policy=policies[key],
                                                table=tables[key])
                row.amount = computed.amount + (amounts["voluntary_extra"] or Decimal("0.00"))
                row.rule = computed.rule
                row.table, row.policy = tables[key], policies[key]
            except ValidationError as exc:
                for f, msgs in (exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]):
                    row.errors.append(RowError(number, header_of.get(f, ""), " ".join(msgs)))
        row.person = person
        report.rows.append(row)
    return report


@transaction.atomic
def bases_import(*, actor, report: BaseImportReport) -> int:
    """Write every row of a report without errors; a failure rolls the whole import back."""
    if not report.can_import:
        raise ValidationError(_("The file has errors; nothing was imported."))
    for row in report.rows:
        dues_base_declare(actor=actor, person=row.person, year=report.year, category=row.values["category"],
                          income=row.values["income"], declared_amount=row.values["declared_amount"],
                          voluntary_extra=row.values["voluntary_extra"] or Decimal("0.00"), note=row.values["note"],
                          table=row.table, policy=row.policy)
    return len(report.rows)


def import_template() -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "党费基数"
    ws.append([h for h, _f, _r, _a in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["张三", "110105199001019990", "在职", "4500.00", "", "0", "示例行，导入前请删除"])
    for col, width in zip("ABCDEFG", (10, 22, 10, 14, 10, 10, 24)):
        ws.column_dimensions[col].width = width
    ws["B2"].number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
