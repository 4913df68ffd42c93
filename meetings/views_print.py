"""Printables: one meeting's minutes with the sign-in sheet, and a unit's yearly register (三会一课记录本) with every
meeting in order and the compliance summary. Chinese only, like the paper forms (branches.pdf)."""
from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from branches.models import Unit
from branches.pdf import render_pdf
from branches.permissions import DISCIPLINE_VIEW, VIEW
from branches.scope import get_scoped_or_404, has_perm

from .choices import AttendanceStatus as A, MeetingStatus
from .compliance import compliance
from .exporters import ATT_ZH, STATE_ZH, TYPE_ZH
from .models import Attendance, Meeting


def _resolutions(m: Meeting, can_see_discipline: bool) -> list[dict]:
    out = []
    for r in m.resolutions.all():
        if r.decision_type_id and not can_see_discipline:
            out.append({"text": "纪律处分事项（保密）", "vote": None})
        else:
            out.append({"text": r.text, "vote": r.vote})
    return out


def _meeting_block(m: Meeting, attendances: list[Attendance], can_see_discipline: bool = False) -> dict:
    counts = {s: 0 for s in A.values}
    for a in attendances:
        counts[a.status] += 1
    return {
        "m": m, "type": TYPE_ZH.get(m.meeting_type, ""),
        "time": (f"{m.start_time:%H:%M}" if m.start_time else "") + (f"—{m.end_time:%H:%M}" if m.end_time else ""),
        "attendances": [{"name": a.person.name, "status": ATT_ZH[a.status], "reason": a.reason} for a in attendances],
        "expected": len(attendances), "present": counts[A.PRESENT], "leave": counts[A.LEAVE],
        "absent": counts[A.ABSENT],
        "leave_list": "、".join(f"{a.person.name}（{a.reason}）" for a in attendances if a.status == A.LEAVE),
        "absent_list": "、".join(a.person.name for a in attendances if a.status == A.ABSENT),
        "resolutions": _resolutions(m, can_see_discipline),
    }


@login_required
def meeting_minutes_pdf(request, pk):
    m = get_scoped_or_404(Meeting.objects.prefetch_related("resolutions__development_step__vote").select_related(
        "unit", "host", "recorder", "lecturer", "partner"), request.user, VIEW, pk=pk)
    attendances = list(m.attendances.select_related("person").order_by("person__name", "pk"))
    context = {"title": "会议记录", "unit_name": m.unit.name, "period": f"{m.date:%Y年%m月%d日}",
               "b": _meeting_block(m, attendances, has_perm(request.user, DISCIPLINE_VIEW, m.unit)), "rows_blank": max(0, 8 - len(attendances))}
    return render_pdf("pdf/meetings/minutes.html", context, request=request,
                      filename=f"{m.unit.name}-{m.date:%Y%m%d}-会议记录.pdf")


@login_required
def unit_register_pdf(request, unit_pk, year):
    unit = get_scoped_or_404(Unit.objects, request.user, VIEW, pk=unit_pk)
    if not 2000 <= year <= 2100:
        raise Http404
    today = timezone.localdate()
    meetings = list(Meeting.objects.filter(unit=unit, date__year=year, status=MeetingStatus.HELD)
                    .select_related("unit", "host", "recorder", "lecturer", "partner")
                    .prefetch_related(Prefetch("attendances", queryset=Attendance.objects.select_related("person")
                                               .order_by("person__name", "pk")),
                                      "resolutions__development_step__vote")
                    .order_by("date", "start_time", "pk"))
    see = has_perm(request.user, DISCIPLINE_VIEW, unit)
    blocks = [_meeting_block(m, list(m.attendances.all()), see) for m in meetings]
    uc = compliance([unit], datetime.date(year, 1, 1), datetime.date(year, 12, 31), today)[unit.pk]
    summary = [{"type": TYPE_ZH.get(p.meeting_type, ""), "period": p.span.label, "required": p.required,
                "held": p.held, "state": STATE_ZH[p.state]} for p in uc.periods]
    context = {"title": "三会一课记录本", "unit_name": unit.name, "period": f"{year}年度", "year": year,
               "blocks": blocks, "summary": summary, "uc": uc}
    return render_pdf("pdf/meetings/register.html", context, request=request,
                      filename=f"{unit.name}-{year}年三会一课记录本.pdf")
