"""Printable documents of membership development (发展党员), rendered by branches.pdf:

- ``person_dossier_pdf``: the dossier 入党材料 of one person: a cover, a table of contents, then one section per
  kind of material in the order of DOMAIN.md §3 (application, talks, activist form, inspection records, thought
  reports, political review, training certificate, notices, volunteer form, votes, approvals), each listing the
  recorded steps with date, recorder, conclusion, people, vote counts, training time, notice period, attached file
  names and notes. Material the person's stage calls for but that is not recorded is printed as "（缺）"; steps of
  an earlier (lapsed or not approved) admission attempt get a section of their own.
- ``person_activist_form_pdf``: 入党积极分子登记表, the bordered A4 form.
- ``person_public_notice_pdf`` / ``unit_public_notice_pdf``: 发展党员公示 for one candidate, or several candidates
  of one unit (``?person=<pk>&person=<pk>``). The period comes from the recorded PUBLIC_NOTICE step, else from
  ``?start=YYYY-MM-DD`` and the notice rule in working days (members.policy), else blanks to fill in by hand.

Printed documents are Chinese only (see members/views_print.py); the choice labels come from there.
Viewing scope decides who may print (out of scope: 404); citizen IDs are masked without MEMBER_VIEW_SENSITIVE.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from branches.choices import UnitKind
from branches.models import Unit
from branches.pdf import image_data_url, render_pdf
from branches.permissions import MEMBER_VIEW_SENSITIVE, VIEW
from branches.scope import get_scoped_or_404, has_perm

from .choices import MemberStatus
from .models import (DevelopmentStep, DevelopmentStepKind as K, Person, ReviewKind, ReviewRequest, ReviewStatus,
                     StatusChange)
from .pipeline import PipelineState, pipeline_state
from .policy import PolicySet, add_working_days
from .views_print import EDUCATION_ZH, GENDER_ZH, STATUS_ZH, _date, _zh

S = MemberStatus

MISSING = "（缺）"
NOT_YET = "（未到此阶段）"
NONE = "（无）"
NO_FILE = "（未上传）"

#: The Chinese name of each development step as the paper documents call it.
STEP_ZH = {
    K.APPLICATION: "入党申请书",
    K.TALK: "党组织派人与入党申请人谈话",
    K.ACTIVIST_SELECTION: "确定入党积极分子",
    K.CONTACTS_ASSIGNED: "指定培养联系人",
    K.THOUGHT_REPORT: "思想汇报",
    K.INSPECTION: "培养教育考察",
    K.CANDIDATE_DECISION: "确定发展对象",
    K.SPONSORS_ASSIGNED: "确定入党介绍人",
    K.POLITICAL_REVIEW: "政治审查",
    K.TRAINING: "短期集中培训",
    K.PRE_REVIEW: "上级党委预审",
    K.PUBLIC_NOTICE: "发展对象公示",
    K.VOLUNTEER_FORM: "填写入党志愿书",
    K.BRANCH_COMMITTEE_REVIEW: "支部委员会审查",
    K.BRANCH_VOTE: "支部党员大会讨论接收预备党员",
    K.COMMITTEE_TALK: "上级党委派人谈话",
    K.COMMITTEE_APPROVAL: "上级党委审批（接收预备党员）",
    K.OATH: "入党宣誓",
    K.FULL_APPLICATION: "转正申请书",
    K.FULL_VOTE: "支部党员大会讨论预备党员转正",
    K.FULL_NOTICE: "预备党员转正公示",
    K.FULL_APPROVAL: "上级党委审批（预备党员转正）",
    K.PROBATION_EXTENDED: "延长预备期",
    K.PROBATION_CANCELLED: "取消预备党员资格",
}

#: The wording of a conclusion (passed, not passed) per kind of step.
CONCLUSION_ZH = {
    K.POLITICAL_REVIEW: ("政审合格", "政审不合格"),
    K.PRE_REVIEW: ("预审同意", "预审未通过"),
    K.COMMITTEE_APPROVAL: ("批准接收为预备党员", "不予批准"),
    K.FULL_APPROVAL: ("批准转为正式党员", "不予批准转正"),
    K.BRANCH_VOTE: ("表决通过，同意接收为预备党员", "表决未通过"),
    K.FULL_VOTE: ("表决通过，同意转为正式党员", "表决未通过"),
}

PEOPLE_ZH = {K.CONTACTS_ASSIGNED: "培养联系人", K.SPONSORS_ASSIGNED: "入党介绍人"}

# How far the person has come: 0 applicant, 1 activist, 2 candidate, 3 probationary, 4 full member.
_STATUS_STAGE = {S.APPLICANT: 0, S.ACTIVIST: 1, S.CANDIDATE: 2, S.PROBATIONARY: 3, S.PROBATION_CANCELLED: 3,
                 S.FULL: 4}
# The stage from which a step must be on file (a person who got there without it has a gap); None: optional.
_NEEDED_FROM = {
    K.APPLICATION: 0, K.TALK: 1, K.ACTIVIST_SELECTION: 1, K.CONTACTS_ASSIGNED: 1,
    K.INSPECTION: 2, K.THOUGHT_REPORT: 2, K.CANDIDATE_DECISION: 2,
    K.SPONSORS_ASSIGNED: 3, K.POLITICAL_REVIEW: 3, K.TRAINING: 3, K.PRE_REVIEW: 3, K.PUBLIC_NOTICE: 3,
    K.VOLUNTEER_FORM: 3, K.BRANCH_COMMITTEE_REVIEW: 3, K.BRANCH_VOTE: 3, K.COMMITTEE_TALK: 3,
    K.COMMITTEE_APPROVAL: 3, K.OATH: 3,
    K.FULL_APPLICATION: 4, K.FULL_VOTE: 4, K.FULL_NOTICE: 4, K.FULL_APPROVAL: 4,
    K.PROBATION_EXTENDED: None, K.PROBATION_CANCELLED: None,
}

#: The dossier's sections in the order of DOMAIN.md §3; "发展对象的确定和入党介绍人" and "入党宣誓和预备期" hold the
#: steps that list does not name, where they fall in time. "list" sections print their steps as one table.
SECTIONS = (
    ("application", "入党申请书", (K.APPLICATION, K.FULL_APPLICATION), False),
    ("talks", "谈话记录", (K.TALK, K.COMMITTEE_TALK), False),
    ("activist", "入党积极分子登记", (K.ACTIVIST_SELECTION, K.CONTACTS_ASSIGNED), False),
    ("inspection", "培养教育考察记录", (K.INSPECTION,), True),
    ("thought", "思想汇报", (K.THOUGHT_REPORT,), True),
    ("candidate", "发展对象的确定和入党介绍人", (K.CANDIDATE_DECISION, K.SPONSORS_ASSIGNED), False),
    ("political", "政治审查", (K.POLITICAL_REVIEW,), False),
    ("training", "集中培训（培训结业证书）", (K.TRAINING,), False),
    ("notices", "公示", (K.PUBLIC_NOTICE, K.FULL_NOTICE), False),
    ("volunteer", "入党志愿书", (K.VOLUNTEER_FORM, K.BRANCH_COMMITTEE_REVIEW), False),
    ("votes", "支部党员大会表决", (K.BRANCH_VOTE, K.FULL_VOTE), False),
    ("approvals", "上级党委预审和审批", (K.PRE_REVIEW, K.COMMITTEE_APPROVAL, K.FULL_APPROVAL), False),
    ("probation", "入党宣誓和预备期", (K.OATH, K.PROBATION_EXTENDED, K.PROBATION_CANCELLED), False),
)

CN_NUMERALS = "一二三四五六七八九十"

#: ?start= of a public notice is taken only within these bounds (older or further ahead: ignored).
NOTICE_START_MIN = datetime.date(2000, 1, 1)
NOTICE_START_MAX_AHEAD = datetime.timedelta(days=366)


def _cn_numeral(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 20:
        return "十" + CN_NUMERALS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMERALS[tens - 1] + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def _cn_date(value: datetime.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _dotted_date(value: datetime.date | None) -> str:
    """2024.3.5, as the columns of printed lists write dates."""
    return f"{value.year}.{value.month}.{value.day}" if value else ""


def _cn_month(value: datetime.date | None) -> str:
    return f"{value.year}年{value.month}月" if value else ""


def _actor(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _file_name(step: DevelopmentStep) -> str:
    return os.path.basename(step.document.name) if step.document else ""


def person_stage(person: Person) -> int:
    """0 applicant … 4 full member, from the status and the key dates (-1: no development stage known)."""
    stage = _STATUS_STAGE.get(person.status, -1)
    dates = (person.application_date, person.activist_date, person.candidate_date, person.admission_date,
             person.full_member_date)
    for n, value in enumerate(dates):
        if value:
            stage = max(stage, n)
    return stage


def _vote_rows(step: DevelopmentStep) -> list[tuple[str, str]]:
    vote = getattr(step, "vote", None)
    if vote is None:
        return [("表决情况", MISSING)]
    quorum = ("到会有表决权的正式党员超过应到会人数的半数，符合规定" if vote.has_quorum
              else "到会有表决权的正式党员未超过应到会人数的半数，不足法定人数")
    majority = ("赞成票超过应到会有表决权正式党员的半数" if vote.yes * 2 > vote.entitled
                else "赞成票未超过应到会有表决权正式党员的半数")
    return [
        ("表决情况", f"应到会有表决权的正式党员 {vote.entitled} 人，实到 {vote.present} 人；"
                     f"赞成 {vote.yes} 票，反对 {vote.no} 票，弃权 {vote.abstain} 票"),
        ("法定人数", quorum),
        ("表决结果", f"{majority}，{'通过' if vote.passed else '未通过'}"),
    ]


def _step_record(step: DevelopmentStep, state: PipelineState) -> dict:
    """One step as (label, value) rows for the dossier."""
    kind, extra = step.kind, step.extra if isinstance(step.extra, dict) else {}
    rows = [("日期", _date(step.date)), ("记录人", _actor(step.actor) or "—")]
    if kind in PEOPLE_ZH:
        names = "、".join(p.name for p in step.related_people.all())
        rows.append((PEOPLE_ZH[kind], names or MISSING))
    if kind in (K.BRANCH_VOTE, K.FULL_VOTE):
        rows += _vote_rows(step)
    elif kind in CONCLUSION_ZH:
        passed = extra.get("passed")
        rows.append(("结论", MISSING if passed is None else CONCLUSION_ZH[kind][0 if passed else 1]))
    if kind == K.COMMITTEE_APPROVAL and extra.get("passed"):
        vote = state.admission_vote(step.date)
        if vote is not None:
            rows.append(("预备期", f"自 {_date(vote.date)} 支部党员大会通过之日起计算"))
    if kind == K.FULL_APPROVAL and extra.get("passed") and state.person.full_member_date:
        rows.append(("转正日期", _date(state.person.full_member_date)))
    if kind == K.TRAINING:
        parts = [f"{extra[k]} {unit}" for k, unit in (("days", "天"), ("hours", "学时")) if extra.get(k)]
        rows.append(("培训时长", "，".join(parts) or MISSING))
    if kind == K.PUBLIC_NOTICE:
        days = state.rule("notice_working_days", step.date).value
        rows.append(("公示期", f"{_date(step.date)} 至 {_date(state.notice_end(step))}（{days} 个工作日）"))
    if kind == K.FULL_NOTICE:
        rows.append(("公示开始", _date(step.date)))
    if kind == K.ACTIVIST_SELECTION and extra.get("notice_start"):
        days = state.rule("activist_notice_days", step.date).value
        rows.append(("确定前公示", f"自 {extra['notice_start']} 起公示{f' {days} 天' if days else ''}"))
    if kind == K.PROBATION_EXTENDED:
        rows.append(("延长期限", f"{extra['months']} 个月" if extra.get("months") else MISSING))
    rows.append(("附件", f"附件：{_file_name(step)}" if step.document else NO_FILE))
    if step.note:
        rows.append(("备注", step.note))
    return {"pk": step.pk, "kind": kind, "name": STEP_ZH[kind], "date": _date(step.date), "rows": rows,
            "actor": _actor(step.actor) or "—", "file": _file_name(step), "note": step.note}


@dataclass
class Entry:
    kind: str
    name: str
    records: list = field(default_factory=list)
    marker: str = ""            # MISSING / NOT_YET / NONE when nothing is recorded

    @property
    def missing(self) -> bool:
        return self.marker == MISSING


def dossier_sections(state: PipelineState, today: datetime.date | None = None) -> tuple[list[dict], list[dict]]:
    """(sections, earlier attempt records): every step of the person in exactly one place."""
    stage = person_stage(state.person)
    earlier_ids = state.earlier_attempt_ids(today)
    sections = []
    for n, (key, title, kinds, as_list) in enumerate(SECTIONS, start=1):
        entries = []
        for kind in kinds:
            steps = [s for s in state.history(kind) if s.pk not in earlier_ids]
            entry = Entry(kind, STEP_ZH[kind], [_step_record(s, state) for s in steps])
            if not steps:
                needed = _NEEDED_FROM[kind]
                entry.marker = NONE if needed is None else (MISSING if stage >= needed else NOT_YET)
            entries.append(entry)
        sections.append({"key": key, "number": _cn_numeral(n), "title": title, "entries": entries,
                         "as_list": as_list, "missing": sum(e.missing for e in entries),
                         "count": sum(len(e.records) for e in entries)})
    earlier = []
    earlier_steps = [s for s in state.steps if s.pk in earlier_ids]
    for i, step in enumerate(earlier_steps):
        record = _step_record(step, state)
        if step.kind == K.BRANCH_VOTE and state.passed(step):
            following = next((s for s in earlier_steps[i + 1:] if s.kind in (K.BRANCH_VOTE, K.COMMITTEE_APPROVAL)),
                             None)
            if following is None or following.kind != K.COMMITTEE_APPROVAL:
                record["rows"].append(("状态", f"逾期未获上级党委审批，已于 {_date(state.approval_deadline(step))} 失效"))
        earlier.append(record)
    return sections, earlier


def _restart_text(state: PipelineState, today: datetime.date | None = None) -> str:
    restart = state.restart(today)
    if restart is None:
        return ""
    if restart.reason == "lapsed":
        return (f"支部党员大会于 {_date(restart.step.date)} 作出的决议，在 {restart.months} 个月内"
                f"（至 {_date(restart.date)}）未获上级党委审批，该次程序已失效，支部须重新履行入党手续、重新填写入党志愿书。")
    return f"上级党委于 {_date(restart.date)} 决定不予批准，支部须重新履行入党手续、重新填写入党志愿书。"


def _citizen_id(user, person: Person) -> tuple[str, bool]:
    """(the ID as the user may see it, masked?)."""
    if has_perm(user, MEMBER_VIEW_SENSITIVE, person.unit):
        return person.citizen_id, False
    return person.masked_citizen_id, True


def _particulars(person: Person) -> dict:
    return {
        "gender": _zh(GENDER_ZH, person.gender),
        "birth": _date(person.birth_date),
        "birth_month": _cn_month(person.birth_date),
        "education": _zh(EDUCATION_ZH, person.education),
        "status": _zh(STATUS_ZH, person.status),
        "application": _date(person.application_date),
        "activist": _date(person.activist_date),
        "candidate": _date(person.candidate_date),
        "admission": _date(person.admission_date),
        "full_member": _date(person.full_member_date),
    }


def _get_person(request, pk) -> Person:
    return get_scoped_or_404(Person.objects.select_related("unit", "party_group"), request.user, VIEW, pk=pk)


# ---------------------------------------------------------------------------------------------------------
# The dossier
# ---------------------------------------------------------------------------------------------------------

@require_safe
@login_required
def person_dossier_pdf(request, pk):
    """入党材料: the person's development material in DOMAIN.md's order, gaps marked （缺）."""
    person = _get_person(request, pk)
    state = pipeline_state(person)
    today = timezone.localdate()
    sections, earlier = dossier_sections(state, today)
    changes = StatusChange.objects.filter(person=person).select_related("actor", "step").order_by("date", "pk")
    citizen_id, masked = _citizen_id(request.user, person)
    missing = sum(s["missing"] for s in sections)
    extra_sections = []
    n = len(sections)
    if earlier:
        n += 1
        extra_sections.append({"key": "earlier", "number": _cn_numeral(n), "title": "此前的发展程序（已失效或未获批准）"})
    n += 1
    extra_sections.append({"key": "status", "number": _cn_numeral(n), "title": "身份变更记录"})
    context = {
        "title": "入党材料",
        "person": person,
        "unit_name": person.unit.name,
        "p": _particulars(person),
        "citizen_id": citizen_id,
        "masked": masked,
        "sections": sections,
        "earlier": earlier,
        "earlier_section": extra_sections[0] if earlier else None,
        "status_section": extra_sections[-1],
        "toc_extra": extra_sections,
        "restart_text": _restart_text(state, today),
        "status_changes": [{
            "date": _date(c.date), "from": _zh(STATUS_ZH, c.from_status), "to": _zh(STATUS_ZH, c.to_status),
            "basis": STEP_ZH.get(c.step.kind, "") if c.step_id else "", "actor": _actor(c.actor) or "—",
        } for c in changes],
        "missing_total": missing,
        "today": _cn_date(today),
    }
    return render_pdf("pdf/development/dossier.html", context, request=request,
                      filename=f"{person.name}-入党材料-{today:%Y%m%d}.pdf")


# ---------------------------------------------------------------------------------------------------------
# The activist registration form
# ---------------------------------------------------------------------------------------------------------

@require_safe
@login_required
def person_activist_form_pdf(request, pk):
    """入党积极分子登记表 of one person, with the contacts and the branch's opinion when recorded."""
    person = _get_person(request, pk)
    state = pipeline_state(person)
    selection = state.last(K.ACTIVIST_SELECTION)
    contacts_step = state.last(K.CONTACTS_ASSIGNED)
    contacts = [p.name for p in contacts_step.related_people.all()] if contacts_step else []
    record = (ReviewRequest.objects.filter(person=person, kind=ReviewKind.ACTIVIST_RECORD,
                                           status=ReviewStatus.APPROVED)
              .order_by("-decision_date", "-pk").first())
    citizen_id, masked = _citizen_id(request.user, person)
    opinion = ""
    notice = ""
    if selection is not None:
        opinion = f"经党支部委员会 {_cn_date(selection.date)} 研究，同意确定{person.name}同志为入党积极分子。"
        start = selection.extra.get("notice_start") if isinstance(selection.extra, dict) else None
        if start:
            try:
                notice = f"确定前已于 {_cn_date(datetime.date.fromisoformat(start))} 起进行公示。"
            except (TypeError, ValueError):
                notice = ""
    today = timezone.localdate()
    context = {
        "title": "入党积极分子登记表",
        "person": person,
        "unit_name": person.unit.name,
        "p": _particulars(person),
        "citizen_id": citizen_id,
        "masked": masked,
        "photo_url": image_data_url(person.photo),
        "contacts": contacts,
        "contacts_date": _date(contacts_step.date) if contacts_step else "",
        "opinion": opinion,
        "notice": notice,
        "selection_note": selection.note if selection is not None else "",
        "record_text": (f"已于 {_cn_date(record.decision_date or record.decided_at.date())} 备案。"
                        if record is not None and (record.decision_date or record.decided_at) else ""),
        "card_no": f"{person.pk:06d}",
    }
    return render_pdf("pdf/development/activist_form.html", context, request=request,
                      filename=f"{person.name}-入党积极分子登记表-{today:%Y%m%d}.pdf")


# ---------------------------------------------------------------------------------------------------------
# The public notice
# ---------------------------------------------------------------------------------------------------------

def _notice_start_param(request) -> datetime.date | None:
    """?start=YYYY-MM-DD within sane bounds, else None (bad values are ignored, never an error)."""
    raw = (request.GET.get("start") or "").strip()
    if not raw or len(raw) > 10:
        return None
    try:
        value = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    if not (NOTICE_START_MIN <= value <= timezone.localdate() + NOTICE_START_MAX_AHEAD):
        return None
    return value


def _may_be_noticed(person: Person) -> bool:
    """A candidate, or someone who was one (a notice printed again for the file)."""
    return person.status == S.CANDIDATE or bool(person.candidate_date)


@dataclass
class NoticePeriod:
    start: datetime.date | None
    end: datetime.date | None
    days: int
    recorded: bool = False

    @property
    def text(self) -> str:
        if self.start is None:
            return f"　　　年　　月　　日至　　　年　　月　　日（{self.days}个工作日）"
        return f"{_cn_date(self.start)}至{_cn_date(self.end)}（{self.days}个工作日）"


def _period(policy: PolicySet, start: datetime.date | None, recorded: bool = False) -> NoticePeriod:
    days = policy.value("notice_working_days", start)
    if start is None:
        return NoticePeriod(None, None, days)
    return NoticePeriod(start, add_working_days(start, days), days, recorded)


def _contact_lines(unit: Unit) -> list[str]:
    """联系电话 of the issuing unit and of its nearest committee above, when they have one."""
    lines = []
    if unit.phone:
        who = f"（联系人：{unit.contact_person}）" if unit.contact_person else ""
        lines.append(f"{unit.name}：{unit.phone}{who}")
    if unit.kind != UnitKind.COMMITTEE or not unit.phone:
        above = [u for u in Unit.objects.get_ancestors(unit) if u.kind == UnitKind.COMMITTEE and u.phone]
        if above:
            c = above[-1]
            who = f"（联系人：{c.contact_person}）" if c.contact_person else ""
            lines.append(f"{c.name}：{c.phone}{who}")
    return lines


def _notice_row(person: Person) -> dict:
    p = _particulars(person)
    job = "".join(x for x in (person.work_unit, person.post) if x)
    parts = [person.name, p["gender"], person.ethnicity, f"{_cn_month(person.birth_date)}出生"]
    if p["education"]:
        parts.append(f"{p['education']}学历")
    if job:
        parts.append(job)
    if person.application_date:
        parts.append(f"{_cn_date(person.application_date)}递交入党申请书")
    if person.activist_date:
        parts.append(f"{_cn_date(person.activist_date)}被确定为入党积极分子")
    if person.candidate_date:
        parts.append(f"{_cn_date(person.candidate_date)}被确定为发展对象")
    return {
        "name": person.name, "gender": p["gender"], "ethnicity": person.ethnicity,
        "birth": f"{person.birth_date.year}.{person.birth_date.month}", "education": p["education"],
        "work_unit": person.work_unit, "post": person.post,
        "application": _dotted_date(person.application_date), "activist": _dotted_date(person.activist_date),
        "candidate": _dotted_date(person.candidate_date),
        "paragraph": "，".join(parts) + "。",
    }


def _render_notice(request, *, unit: Unit, people: list[Person], period: NoticePeriod, as_table: bool, filename: str):
    context = {
        "title": "发展党员公示",
        "unit": unit,
        "unit_name": unit.name,
        "rows": [_notice_row(p) for p in people],
        "as_table": as_table,
        "period": period,
        "contacts": _contact_lines(unit),
        "issue_date": _cn_date(period.start),
    }
    return render_pdf("pdf/development/public_notice.html", context, request=request, filename=filename)


@require_safe
@login_required
def person_public_notice_pdf(request, pk):
    """发展党员公示 of one candidate; ?start=YYYY-MM-DD when the notice is not recorded yet."""
    person = _get_person(request, pk)
    if not _may_be_noticed(person):
        messages.error(request, _("%(name)s is not a candidate for admission; the public notice is printed for "
                                  "candidates only.") % {"name": person.name})
        return redirect("members:person_pipeline", pk=person.pk)
    state = pipeline_state(person)
    step = state.last(K.PUBLIC_NOTICE)
    if step is not None:
        period = _period(state.policy, step.date, recorded=True)
    else:
        period = _period(state.policy, _notice_start_param(request))
    today = timezone.localdate()
    return _render_notice(request, unit=person.unit, people=[person], period=period, as_table=False,
                          filename=f"{person.name}-发展党员公示-{today:%Y%m%d}.pdf")


def _person_ids(request) -> list[int]:
    """The valid ?person= ids (positive integers of a sane size); anything else is ignored."""
    ids = []
    for raw in request.GET.getlist("person")[:200]:
        raw = raw.strip()
        if raw.isascii() and raw.isdigit() and len(raw) <= 12 and int(raw) > 0:
            ids.append(int(raw))
    return ids


@require_safe
@login_required
def unit_public_notice_pdf(request, unit_pk):
    """发展党员公示 listing candidates of one unit (and the units below it) in the user's scope:
    ``?person=<pk>`` repeated picks them (ids of anyone else are ignored); without it, every current candidate."""
    unit = get_scoped_or_404(Unit.objects, request.user, VIEW, pk=unit_pk)
    people = (Person.objects.restrict(request.user, VIEW).filter(unit__path__startswith=unit.path)
              .select_related("unit").order_by("candidate_date", "name", "pk"))
    asked = "person" in request.GET
    if asked:
        people = [p for p in people.filter(pk__in=_person_ids(request)) if _may_be_noticed(p)]
    else:
        people = list(people.filter(status=S.CANDIDATE))
    if not people:
        messages.error(request, _("There is no candidate for admission to list in the public notice of %(unit)s: "
                                  "choose candidates of this unit.") % {"unit": unit.name})
        return redirect("branches:unit_detail", pk=unit.pk)
    policy = PolicySet(unit)
    # The recorded notice when every candidate listed has one and they began on the same day; else ?start=.
    recorded = dict(DevelopmentStep.objects.filter(person__in=people, kind=K.PUBLIC_NOTICE)
                    .values_list("person_id", "date"))
    start = None
    if len(recorded) == len(people) and len(set(recorded.values())) == 1:
        start = next(iter(recorded.values()))
    start = start or _notice_start_param(request)
    period = _period(policy, start)
    today = timezone.localdate()
    return _render_notice(request, unit=unit, people=people, period=period, as_table=True,
                          filename=f"{unit.name}-发展党员公示-{today:%Y%m%d}.pdf")


__all__ = ["person_dossier_pdf", "person_activist_form_pdf", "person_public_notice_pdf", "unit_public_notice_pdf",
           "dossier_sections", "person_stage", "STEP_ZH", "SECTIONS", "MISSING"]
