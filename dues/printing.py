"""Printed and exported dues documents: collection sheet (PDF, Excel), public notice, yearly registers per member
and per unit, receipts, remittance sheet. PDFs are Chinese only, like the paper forms (branches.pdf)."""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from . import periods
from .choices import EntryKind
from .models import ZERO
from .rates import money

METHOD_ZH = {"cash": "现金", "transfer": "银行转账", "wechat": "微信", "alipay": "支付宝", "payroll": "工资代扣"}
CATEGORY_ZH = {"employee": "在职", "retiree": "离退休", "farmer": "农民", "student": "学生、下岗失业、低保"}
STATE_ZH = {"paid": "已缴", "partly": "部分缴纳", "unpaid": "未缴", "not_due": "无需缴纳", "relief": "缓缴/减免"}
MONEY_FMT = "#,##0.00"


def sheet_rows(people) -> list[dict]:
    """Rows of the collection sheet from the month_sheet queryset (already evaluated or not)."""
    from .selectors import month_state

    rows = []
    for n, p in enumerate(people, start=1):
        state = month_state(p.charged, p.paid, p.charged != 0, False)
        rows.append({"n": n, "name": p.name, "unit": p.unit.display_name,
                     "monthly": money(p.monthly_amount) if p.monthly_amount is not None else None,
                     "charged": money(p.charged), "paid": money(p.paid), "arrears": money(p.charged_to - p.paid_to),
                     "state": STATE_ZH[state], "pk": p.pk})
    return rows


def sheet_xlsx(*, unit_name: str, period: int, rows: list[dict], totals) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = periods.label(period)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.append([f"{unit_name}党费收缴表（{periods.label_zh(period)}）"])
    ws.merge_cells("A1:H1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    headers = ["序号", "姓名", "所在支部", "月缴纳额", "本月应缴", "本月实缴", "累计欠缴", "缴纳情况"]
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.border = border
        cell.alignment = Alignment(horizontal="center")
    for r in rows:
        ws.append([r["n"], r["name"], r["unit"], r["monthly"], r["charged"], r["paid"], r["arrears"], r["state"]])
    ws.append(["", "合计", f"{totals.members} 人", None, totals.charged, totals.paid, totals.arrears, ""])
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for cell in row:
            cell.border = border
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FMT
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.append([])
    ws.append(["", f"本月收到党费（含补缴、预缴）：{totals.received:.2f} 元；其中自愿多交：{totals.voluntary:.2f} 元"])
    for col, width in zip("ABCDEFGH", (6, 10, 24, 11, 11, 11, 11, 10)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def arrears_xlsx(*, unit_name: str, upto: int, people, runs: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "欠缴党费"
    ws.append([f"{unit_name}欠缴党费名单（截至{periods.label_zh(upto)}）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["序号", "姓名", "所在支部", "应缴合计", "实缴合计", "欠缴金额", "连续未缴月数", "未缴起始月份"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    total = ZERO
    for n, p in enumerate(people, start=1):
        months, start = runs.get(p.pk, (0, None))
        ws.append([n, p.name, p.unit.display_name, money(p.charged_to), money(p.paid_to), money(p.arrears), months,
                   periods.label(start) if start is not None else ""])
        total += money(p.arrears)
    ws.append(["", "合计", "", None, None, total, None, None])
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = MONEY_FMT
    for col, width in zip("ABCDEFGH", (6, 10, 24, 11, 11, 11, 12, 12)):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def register_rows(people, year: int) -> tuple[list[dict], list[Decimal]]:
    """For the yearly unit register: one row per member with the 12 months paid, charged, paid and arrears for the
    year; and the 12 column totals. One query (``unit_year_grid``)."""
    grid = unit_year_grid([p.pk for p in people], year)
    months = list(periods.year_range(year))
    rows, col_totals = [], [ZERO] * 12
    for n, p in enumerate(people, start=1):
        cells = grid.get(p.pk, {})
        paid = [cells.get(m, (ZERO, ZERO))[1] for m in months]
        charged = sum((cells.get(m, (ZERO, ZERO))[0] for m in months), ZERO)
        col_totals = [a + b for a, b in zip(col_totals, paid)]
        paid_total = sum(paid, ZERO)
        rows.append({"n": n, "name": p.name, "paid": paid, "charged": charged, "paid_total": paid_total,
                     "arrears": charged - paid_total})
    return rows, col_totals


def unit_year_grid(person_ids, year: int) -> dict[int, dict[int, tuple[Decimal, Decimal]]]:
    """{person: {month: (charged, paid)}} for a year, one query."""
    from django.db.models import Sum

    from .models import LedgerEntry

    out: dict[int, dict[int, list]] = {}
    rng = periods.year_range(year)
    for r in (LedgerEntry.objects.filter(person_id__in=person_ids, period__gte=rng.start, period__lt=rng.stop,
                                         kind__in=[EntryKind.CHARGE, EntryKind.PAYMENT])
              .values("person_id", "period", "kind").annotate(s=Sum("amount"))):
        cell = out.setdefault(r["person_id"], {}).setdefault(r["period"], [ZERO, ZERO])
        cell[0 if r["kind"] == EntryKind.CHARGE else 1] += money(r["s"])
    return {pid: {m: tuple(v) for m, v in months.items()} for pid, months in out.items()}
