"""Printable PDFs of the roll (花名册) and of one member's record card (党员信息卡). Rendered by branches.pdf.

Printed documents are Chinese only, like the paper forms they replace, so the labels of choices are
spelled out here in Chinese (DOMAIN.md §2) instead of following the reader's interface language.
"""
from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.utils import timezone

from branches.models import Unit
from branches.pdf import image_data_url, render_pdf
from branches.permissions import MEMBER_VIEW_SENSITIVE, VIEW
from branches.scope import get_scoped_or_404, has_perm, scope_paths

from .choices import LEFT_STATUSES, MEMBER_STATUSES, PIPELINE_STATUSES, MemberStatus
from .models import CommitteePosition, Person

GENDER_ZH = {"M": "男", "F": "女"}
STATUS_ZH = {
    MemberStatus.APPLICANT: "入党申请人",
    MemberStatus.ACTIVIST: "入党积极分子",
    MemberStatus.CANDIDATE: "发展对象",
    MemberStatus.PROBATIONARY: "预备党员",
    MemberStatus.FULL: "正式党员",
    MemberStatus.TRANSFERRED_OUT: "转出",
    MemberStatus.DECEASED: "死亡",
    MemberStatus.WITHDREW: "退党",
    MemberStatus.REMOVED: "除名",
    MemberStatus.EXPELLED: "开除党籍",
    MemberStatus.PROBATION_CANCELLED: "取消预备党员资格",
}
EDUCATION_ZH = {
    "doctorate": "博士研究生",
    "master": "硕士研究生",
    "bachelor": "大学本科",
    "college": "大学专科",
    "vocational": "中专",
    "high_school": "高中",
    "middle_school": "初中",
    "primary": "小学及以下",
}
CATEGORY_ZH = {
    "employee": "在职",
    "retiree": "离退休",
    "student": "学生",
    "farmer": "农民",
    "unemployed": "下岗失业",
    "other": "其他",
}
POSITION_ZH = {
    "secretary": "书记",
    "deputy": "副书记",
    "organization": "组织委员",
    "publicity": "宣传委员",
    "discipline": "纪检委员",
    "youth": "青年委员",
    "other": "委员",
}

# ?status= of the roll: which people it lists, and its title.
ROLL_KINDS = {
    "members": (MEMBER_STATUSES, "党员花名册"),
    "pipeline": (PIPELINE_STATUSES, "入党申请人、积极分子、发展对象名册"),
    "all": (None, "人员花名册"),
}
DEFAULT_ROLL_KIND = "members"


# Order of the status totals: members first, then the pipeline from its far end, then those who left.
TOTALS_ORDER = (MemberStatus.FULL, MemberStatus.PROBATIONARY, MemberStatus.CANDIDATE, MemberStatus.ACTIVIST,
                MemberStatus.APPLICANT, *LEFT_STATUSES)


def _status_rank(status) -> int:
    return TOTALS_ORDER.index(status) if status in TOTALS_ORDER else len(TOTALS_ORDER)


def _zh(mapping: dict, value) -> str:
    return mapping.get(value, value or "")


def _date(value, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if value else ""


def _sensitive_checker(user):
    """A function unit_path -> bool: may ``user`` see full citizen IDs there? No query per row."""
    paths = scope_paths(user, MEMBER_VIEW_SENSITIVE)
    if paths is None:
        return lambda path: True
    prefixes = tuple(paths)
    return lambda path: bool(prefixes) and path.startswith(prefixes)


@login_required
def unit_roll_pdf(request, unit_pk):
    """党员花名册 of a unit and everything below it; ``?status=members|pipeline|all`` (default members)."""
    unit = get_scoped_or_404(Unit.objects, request.user, VIEW, pk=unit_pk)
    kind = request.GET.get("status", DEFAULT_ROLL_KIND)
    if kind not in ROLL_KINDS:
        kind = DEFAULT_ROLL_KIND
    statuses, title = ROLL_KINDS[kind]

    people = (
        Person.objects.restrict(request.user, VIEW)
        .filter(unit__path__startswith=unit.path)
        .select_related("unit", "party_group")
        .order_by("unit__path", F("party_group__path").asc(nulls_first=True), "name", "pk")
    )
    if statuses is not None:
        people = people.filter(status__in=statuses)

    may_see = _sensitive_checker(request.user)
    rows, by_status, by_gender, masked = [], Counter(), Counter(), False
    for n, p in enumerate(people, start=1):
        full_id = may_see(p.unit.path)
        masked = masked or not full_id
        by_status[p.status] += 1
        by_gender[p.gender] += 1
        rows.append({
            "n": n,
            "name": p.name,
            "gender": _zh(GENDER_ZH, p.gender),
            "ethnicity": p.ethnicity,
            "birth": _date(p.birth_date, "%Y-%m"),
            "education": _zh(EDUCATION_ZH, p.education),
            "category": _zh(CATEGORY_ZH, p.category),
            "unit": p.unit.display_name,
            "group": p.party_group.display_name if p.party_group_id else "",
            "admission": _date(p.admission_date),
            "full_member": _date(p.full_member_date),
            "status": _zh(STATUS_ZH, p.status),
            "phone": p.phone,
            "citizen_id": p.citizen_id if full_id else p.masked_citizen_id,
        })

    status_totals = [(_zh(STATUS_ZH, s), by_status[s]) for s in sorted(by_status, key=_status_rank)]
    gender_totals = [(GENDER_ZH[g], by_gender[g]) for g in ("M", "F") if by_gender[g]]
    today = timezone.localdate()
    context = {
        "title": title,
        "unit": unit,
        "unit_name": unit.name,
        "period": f"截至 {today.year}年{today.month}月{today.day}日",
        "rows": rows,
        "total": len(rows),
        "status_totals": status_totals,
        "gender_totals": gender_totals,
        "masked": masked,
    }
    return render_pdf("pdf/unit_roll.html", context, request=request,
                      filename=f"{unit.name}-{title}-{today:%Y%m%d}.pdf")


@login_required
def person_card_pdf(request, pk):
    """党员信息卡: one person's record card, laid out like the paper form."""
    person = get_scoped_or_404(Person.objects.select_related("unit", "party_group"), request.user, VIEW, pk=pk)
    positions = (
        CommitteePosition.objects.restrict(request.user, VIEW)
        .filter(person=person)
        .select_related("term__unit")
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "pk")
    )
    position_rows = [{
        "unit": pos.term.unit.name,
        "position": pos.title if (pos.position == "other" and pos.title) else _zh(POSITION_ZH, pos.position),
        "term": f"{_date(pos.term.start_date)} 至 {_date(pos.term.end_date)}",
        "period": f"{_date(pos.started_on)} 至 {_date(pos.ended_on) or '今'}",
    } for pos in positions]

    full_id = has_perm(request.user, MEMBER_VIEW_SENSITIVE, person.unit)
    is_member = person.status in MEMBER_STATUSES
    standing = person.party_standing_years
    if standing is not None:
        standing_text = f"{standing} 年"
    elif person.status == MemberStatus.PROBATIONARY:
        standing_text = "预备期"
    else:
        standing_text = ""
    today = timezone.localdate()
    title = "党员信息卡" if is_member else "人员信息卡"
    context = {
        "title": title,
        "person": person,
        "unit_name": person.unit.name,
        "card_no": f"{person.pk:06d}",
        "photo_url": image_data_url(person.photo),
        "p": {
            "gender": _zh(GENDER_ZH, person.gender),
            "birth": _date(person.birth_date),
            "age": person.age_on(today),
            "education": _zh(EDUCATION_ZH, person.education),
            "category": _zh(CATEGORY_ZH, person.category),
            "citizen_id": person.citizen_id if full_id else person.masked_citizen_id,
            "status": _zh(STATUS_ZH, person.status),
            "application": _date(person.application_date),
            "activist": _date(person.activist_date),
            "candidate": _date(person.candidate_date),
            "admission": _date(person.admission_date),
            "full_member": _date(person.full_member_date),
            "work_start": _date(person.work_start_date),
            "left": _date(person.left_date),
            "standing": standing_text,
            "group": person.party_group.name if person.party_group_id else "",
        },
        "masked": not full_id,
        "positions": position_rows,
    }
    return render_pdf("pdf/person_card.html", context, request=request,
                      filename=f"{person.name}-{title}-{today:%Y%m%d}.pdf")
