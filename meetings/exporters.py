"""Excel files of the meetings pages (Chinese headers, like the printed forms): the meeting list, the compliance
matrix and the attendance report. Text cells starting with '=' stay text, never formulas."""
from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from members.exporters import text_cell

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
HEADER_FONT = Font(bold=True)
STATE_FILL = {"met": "C6EFCE", "due": "FFEB9C", "overdue": "FFC7CE", "future": "F2F2F2", "none": "FFFFFF"}
TYPE_ZH = {"general": "党员大会", "committee": "支委会", "group": "党小组会", "lecture": "党课", "theme_day": "主题党日",
           "org_life": "组织生活会", "appraisal": "民主评议党员", "study": "集中学习", "democratic_life": "民主生活会",
           "talk": "谈心谈话", "other": "其他会议"}
STATUS_ZH = {"planned": "计划", "held": "已召开", "cancelled": "已取消"}
ATT_ZH = {"invited": "未登记", "present": "出席", "leave": "请假", "absent": "缺席"}
STATE_ZH = {"met": "已开", "due": "待开", "overdue": "应开未开", "future": "未到期", "none": ""}


def _cell(sheet, value, fill: str | None = None):
    """The value as typed: text stays text (a leading '=' is no formula, no apostrophe is added), numbers numbers."""
    return text_cell(sheet, value, **({"fill": PatternFill("solid", fgColor=fill)} if fill else {}))


def _header(sheet, header: list[str]) -> list:
    return [text_cell(sheet, h, fill=HEADER_FILL, font=HEADER_FONT) for h in header]


def _book(title: str, header: list[str]):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(_header(ws, header))
    return wb, ws


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_meetings(meetings: Iterable) -> bytes:
    wb, ws = _book("会议记录", ["日期", "时间", "会议类型", "兼主题党日", "单位", "主题", "地点", "主持人", "记录人",
                           "应到", "实到", "请假", "缺席", "状态"])
    if hasattr(meetings, "iterator"):
        meetings = meetings.iterator(chunk_size=2000)
    for m in meetings:
        ws.append([_cell(ws, v) for v in (
            m.date.isoformat(), m.start_time.strftime("%H:%M") if m.start_time else "", TYPE_ZH.get(m.meeting_type, ""),
            "是" if m.also_theme_day else "", m.unit.name, m.topic, m.place, m.host.name if m.host_id else "",
            m.recorder.name if m.recorder_id else "", getattr(m, "n_invited", None), getattr(m, "n_present", None),
            getattr(m, "n_leave", None), getattr(m, "n_absent", None), STATUS_ZH.get(m.status, m.status))])
    return _bytes(wb)


def export_matrix(cols, rows, year: int) -> bytes:
    wb, ws = _book(f"{year}年合规", ["单位", *[c[2] for c in cols], "已开", "应开未开", "待开", "完成率"])
    for unit, uc, cells in rows:
        line = [_cell(ws, unit.name)]
        for cell in cells:
            text = STATE_ZH[cell.state]
            if cell.periods:
                text += "：" + "；".join(f"{TYPE_ZH.get(p.meeting_type, '')} {p.held}/{p.required}" for p in cell.periods)
            line.append(_cell(ws, text, fill=STATE_FILL[cell.state]))
        line += [_cell(ws, uc.met), _cell(ws, uc.overdue), _cell(ws, uc.due),
                 _cell(ws, f"{uc.rate}%" if uc.rate is not None else "")]
        ws.append(line)
    return _bytes(wb)


def export_attendance(rows, risks) -> bytes:
    wb, ws = _book("出勤率", ["姓名", "单位", "党小组", "出席", "请假", "缺席", "出勤率"])
    for person, counts, rate in rows:
        ws.append([_cell(ws, v) for v in (person.name, person.unit.name,
                                          person.party_group.name if person.party_group_id else "",
                                          counts.get("present", 0), counts.get("leave", 0), counts.get("absent", 0),
                                          f"{rate}%" if rate is not None else "")])
    ws2 = wb.create_sheet("连续6个月未参加组织生活")
    ws2.append(_header(ws2, ["姓名", "单位", "党小组", "应参加次数"]))
    for p in risks:
        ws2.append([_cell(ws2, v) for v in (p.name, p.unit.name, p.party_group.name if p.party_group_id else "",
                                            p.n_expected)])
    return _bytes(wb)
