"""Demo meetings for ``seed_demo`` (called after the people exist): a realistic record of organizational life.

- small: the last 12 months of every party branch and party group of the demo tree, mostly complete with a few
  gaps (so the matrix shows green, amber and red), attendance for every meeting (a few members on leave with a
  reason, two members absent from everything for the last 7 months: the lapse-risk list), resolutions, a few
  planned meetings in the coming days, and a local rule of the demo committee ([seed 004]: organizational life
  meeting every half year from 1 January of this year).
- large: 5 years of meetings for the 200 branches and their party groups (for the compliance-matrix benchmark),
  attendance for the last 3 months only.

Written with bulk_create (the services per meeting are far too slow for 60,000 meetings), in the shapes the
services write, with one audit entry per meeting. Idempotent: a unit that has any meeting is skipped.
"""
from __future__ import annotations

import datetime
import random
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from branches.choices import System, UnitKind

from .choices import AttendanceStatus as A, MeetingStatus as S, MeetingType as T, Period

TOPICS = {
    T.GENERAL: ["学习贯彻党的二十大精神", "讨论年度工作计划", "通报支部工作情况", "学习党章党规", "讨论发展党员工作"],
    T.COMMITTEE: ["研究本月支部工作", "研究党员发展工作", "研究主题党日活动安排", "讨论党费收缴情况", "研究党员教育管理"],
    T.GROUP: ["学习上级文件精神", "交流思想工作情况", "讨论小组活动安排", "学习先进典型事迹"],
    T.LECTURE: ["坚定理想信念 践行初心使命", "学习新党章 争做合格党员", "发扬优良作风 密切联系群众", "加强纪律建设"],
    T.THEME_DAY: ["重温入党誓词", "志愿服务进社区", "参观红色教育基地", "学习身边榜样", "集中学习新思想"],
    T.ORG_LIFE: ["年度组织生活会", "专题组织生活会"],
    T.APPRAISAL: ["年度民主评议党员"],
    T.TALK: ["谈心谈话：思想工作交流", "谈心谈话：了解工作生活情况"],
}
PLACES = ["党员活动室", "会议室", "党群服务中心", "支部活动室"]


def _months(first: datetime.date, last: datetime.date):
    m = first.replace(day=1)
    while m <= last:
        yield m
        m += relativedelta(months=1)


def _day(rng, month: datetime.date, today: datetime.date) -> datetime.date | None:
    last = (month + relativedelta(months=1) - datetime.timedelta(days=1)).day
    d = month.replace(day=rng.randint(3, min(26, last)))
    return d if d <= today else None


def _plan_unit(rng, unit, first, last, today, has_committee: bool, quality: float):
    """[(type, date, also_theme_day)] of one unit's held meetings from first to last."""
    out = []
    for month in _months(first, last):
        if unit.kind == UnitKind.PARTY_GROUP:
            if rng.random() < quality and (d := _day(rng, month, today)):
                out.append((T.GROUP, d, False))
            continue
        if has_committee and rng.random() < quality and (d := _day(rng, month, today)):
            out.append((T.COMMITTEE, d, False))
        if rng.random() < quality and (d := _day(rng, month, today)):
            # a general meeting now and then also served as the month's theme party day
            if month.month % 3 == 2 and rng.random() < .3:
                out.append((T.GENERAL, d, True))
            else:
                out.append((T.THEME_DAY, d, False))
        if month.month % 3 == 2 and rng.random() < quality + .05 and (d := _day(rng, month, today)):
            if not any(t == T.GENERAL and dd.month == d.month and dd.year == d.year for t, dd, _x in out):
                out.append((T.GENERAL, d, False))
        if month.month % 3 == 0 and rng.random() < quality and (d := _day(rng, month, today)):
            out.append((T.LECTURE, d, False))
        if month.month in (1, 12) and rng.random() < .6 and (d := _day(rng, month, today)):
            out.append((T.ORG_LIFE, d, False))
            out.append((T.APPRAISAL, d, False))
        if month.month in (7, 1) and rng.random() < quality and (d := _day(rng, month, today)):
            out.append((T.ORG_LIFE, d, False))
        if month.month in (4, 10) and rng.random() < quality and (d := _day(rng, month, today)):
            out.append((T.TALK, d, False))
    return out


def _talk_pairs(people: list, committee_ids) -> list[tuple]:
    """(host, partner) of a round of talks: between committee members, a committee member with a member, between
    members, as far as the branch has the people (without a committee: one talk)."""
    on = [p for p in people if p.pk in committee_ids]
    off = [p for p in people if p.pk not in committee_ids]
    if not on:
        return [(people[0], people[1])] if len(people) > 1 else []
    pairs = []
    if len(on) > 1:
        pairs.append((on[0], on[1]))
    if off:
        pairs.append((on[0], off[0]))
    if len(off) > 1:
        pairs.append((off[-1], off[-2]))
    return pairs


def apply_meetings(size: str, *, today: datetime.date, out=print) -> int:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from branches.audit import snapshot
    from branches.choices import AuditAction
    from branches.models import AuditEntry, CommitteeTerm, Unit
    from members.choices import MEMBER_STATUSES
    from members.models import CommitteePosition, Person

    from .models import Attendance, Meeting, MeetingPolicy, Resolution

    top = Unit.objects.filter(code="DEMO").first()
    if top is None:
        return 0
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(username="admin").first()   # the demo's writes are the admin's
    if size != "large" and not MeetingPolicy.objects.filter(unit=top).exists():
        from .policy import meeting_policy_add

        meeting_policy_add(actor=actor, unit=top, meeting_type=T.ORG_LIFE, unit_kind=UnitKind.BRANCH,
                           period=Period.HALF_YEAR, min_count=1, effective_from=datetime.date(today.year, 1, 1),
                           note="本工委规定：组织生活会每半年召开一次（seed 004）")
    units = list(Unit.objects.active().filter(path__startswith=top.path, system=System.PARTY,
                                              kind__in=[UnitKind.BRANCH, UnitKind.PARTY_GROUP]).order_by("path"))
    done = set(Meeting.objects.filter(unit__in=units).values_list("unit_id", flat=True).distinct())
    units = [u for u in units if u.pk not in done]
    if not units:
        out("Meetings: already there.")
        return 0
    years = 5 if size == "large" else 1
    first = (today - relativedelta(years=years) + relativedelta(months=1)).replace(day=1)
    attendance_from = today - relativedelta(months=3 if size == "large" else 12)
    with_committee = set(CommitteeTerm.objects.filter(unit__in=units).values_list("unit_id", flat=True))
    people_by_unit, people_by_group = defaultdict(list), defaultdict(list)
    for p in Person.objects.filter(unit__path__startswith=top.path, status__in=MEMBER_STATUSES).only(
            "pk", "unit_id", "party_group_id", "admission_date", "name"):
        people_by_unit[p.unit_id].append(p)
        if p.party_group_id:
            people_by_group[p.party_group_id].append(p)
    committee_of = defaultdict(list)
    for unit_id, pid in CommitteePosition.objects.filter(term__unit__in=units, term__ended_on__isnull=True,
                                                         ended_on__isnull=True).values_list("term__unit_id", "person_id"):
        committee_of[unit_id].append(pid)
    absentees = set()
    if size != "large":         # two members absent from all organizational life for the last 7 months
        for u in units[:2]:
            pool = [p for p in people_by_unit.get(u.pk, []) if p.pk not in committee_of.get(u.pk, [])]
            if pool:
                absentees.add(pool[-1].pk)
    ct = ContentType.objects.get_for_model(Meeting)
    created = 0
    batch: list[tuple[Meeting, list]] = []

    def flush():
        nonlocal created
        if not batch:
            return
        with transaction.atomic():
            Meeting.objects.bulk_create([m for m, _a in batch], batch_size=2000)
            rows = []
            for m, att in batch:
                for pid, status, reason in att:
                    rows.append(Attendance(meeting_id=m.pk, person_id=pid, status=status, reason=reason))
            Attendance.objects.bulk_create(rows, batch_size=5000)
            AuditEntry.objects.bulk_create([AuditEntry(action=AuditAction.CREATE, content_type=ct, object_id=str(m.pk),
                                                       object_repr=str(m)[:200], unit_id=m.unit_id, after=snapshot(m),
                                                       actor=actor, note="seed_demo: meetings")
                                            for m, _a in batch], batch_size=2000)
            resolutions = [Resolution(meeting_id=m.pk, text="会议同意" + m.topic) for m, _a in batch
                           if m.meeting_type == T.COMMITTEE and m.date.month % 2 == 0]
            Resolution.objects.bulk_create(resolutions, batch_size=2000)
        created += len(batch)
        batch.clear()

    for i, unit in enumerate(units):
        urng = random.Random(f"{size}-{unit.code}")
        quality = .97 if urng.random() < .6 else (.85 if urng.random() < .7 else .6)
        group = unit.kind == UnitKind.PARTY_GROUP
        people = people_by_group.get(unit.pk, []) if group else people_by_unit.get(unit.pk, [])
        branch_pk = unit.pk if not group else None
        for mtype, day, theme in _plan_unit(urng, unit, first, today, today, unit.pk in with_committee, quality):
            topics = TOPICS[mtype]
            staff = people or []
            host = staff[0] if staff else None
            partner = staff[1] if len(staff) > 1 else None
            if mtype == T.TALK:       # a round of talks: one of each pair the branch has (TalkKind)
                for one, two in _talk_pairs(staff, committee_of.get(branch_pk, [])):
                    batch.append((Meeting(unit=unit, meeting_type=T.TALK, status=S.HELD, date=day,
                                          start_time=datetime.time(urng.choice([9, 14, 15]), urng.choice([0, 30])),
                                          place=urng.choice(PLACES), host=one, partner=two, topic=urng.choice(topics),
                                          minutes=f"{one.name}与{two.name}谈心谈话，交流思想、工作和生活情况。"), []))
                continue
            m = Meeting(unit=unit, meeting_type=mtype, status=S.HELD, date=day,
                        start_time=datetime.time(urng.choice([9, 14, 15]), urng.choice([0, 30])),
                        place=urng.choice(PLACES), host=host, recorder=partner if mtype != T.TALK else None,
                        topic=urng.choice(topics), also_theme_day=theme,
                        agenda="\n".join(urng.sample(["传达上级精神", "学习有关文件", "讨论支部工作", "党员发言交流",
                                                      "布置下阶段工作"], 3)),
                        minutes=f"会议由{host.name if host else '支部书记'}主持。" + "与会同志认真学习讨论，一致表示要结合工作实际抓好落实。",
                        partner=partner if mtype == T.TALK else None,
                        lecturer=host if mtype == T.LECTURE else None,
                        lecture_title=urng.choice(TOPICS[T.LECTURE]) if mtype == T.LECTURE else "")
            att = []
            if day >= attendance_from and mtype != T.TALK:
                expected = ([p for p in people if p.pk in committee_of.get(branch_pk, [])]
                            if mtype == T.COMMITTEE and committee_of.get(branch_pk) else people)
                for p in expected:
                    if p.admission_date and p.admission_date > day:
                        continue
                    if p.pk in absentees and day >= today - relativedelta(months=7):
                        att.append((p.pk, A.ABSENT, ""))
                        continue
                    r = urng.random()
                    if r < .06:
                        att.append((p.pk, A.LEAVE, urng.choice(["出差", "病假", "外出学习", "家中有事"])))
                    elif r < .09:
                        att.append((p.pk, A.ABSENT, ""))
                    else:
                        att.append((p.pk, A.PRESENT, ""))
            batch.append((m, att))
        if size != "large" and not group and i % 3 == 0 and people:   # a planned meeting in the coming days
            day = today + datetime.timedelta(days=3 + i % 5)
            m = Meeting(unit=unit, meeting_type=T.THEME_DAY, status=S.PLANNED, date=day,
                        start_time=datetime.time(15, 0), place="党员活动室", host=people[0], topic="主题党日：重温入党誓词",
                        agenda="重温入党誓词\n学习先进事迹\n交流心得体会")
            batch.append((m, [(p.pk, A.INVITED, "") for p in people]))
        if len(batch) >= 3000:
            flush()
            out(f"  meetings {created:>6} ({i + 1}/{len(units)} units)")
    flush()
    out(f"Meetings: {created} created for {len(units)} units.")
    return created
