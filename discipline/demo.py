"""Discipline demo data for ``seed_demo`` (called after the people and dues exist). Idempotent and deterministic.

Adds the login ``officer`` (纪检委员 of the general branch DEMO-G01) and, mostly in its branch DEMO-G01-B01, a few
realistic records through the services: a warning in effect, a sanction case under investigation, a probation
within the party in effect, a lapse case taken over from the dues lapse check (or from the absence list) after the
education talk, an inquiry letter whose answer is due soon, an answered admonition notice, and last year's
democratic appraisal reported. Nothing is created when the branch already has discipline cases.
"""
from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from branches.choices import Role
from branches.models import Appointment, Unit
from branches.services import appointment_create
from branches.services_access import user_create
from members.choices import MemberStatus
from members.models import Person
from members.pipeline import entitled_voters

from .appraisal import appraisal_create, appraisal_entry_record, appraisal_report
from .cases import case_open, case_open_from_dues_lapse, case_record_step
from .choices import CaseKind, Grade, LetterEventKind, LetterKind, Measure, StepKind as K
from .letters import letter_issue, letter_record
from .models import Case

BRANCH = "DEMO-G01-B01"
OFFICER_UNIT = "DEMO-G01"   # the officer works for the general branch and its branches
USERNAME = "officer"


def _officer(unit, admin):
    from members.demo import PASSWORD as DEMO_PASSWORD

    User = get_user_model()
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = user_create(actor=admin, username=USERNAME, password=DEMO_PASSWORD, full_name="纪检委员",
                           email=f"{USERNAME}@example.org", unit=unit)
    held = Appointment.objects.filter(user=user, unit=unit, role=Role.DISCIPLINE_OFFICER, ended_at__isnull=True)
    if not held.exists():
        appointment_create(actor=admin, user=user, unit=unit, role=Role.DISCIPLINE_OFFICER)
    return user


def _walk(actor, case, person, today, *, start, measure, until=K.DELIVERY, months=None, effective=None):
    d = lambda n: start + datetime.timedelta(days=n)  # noqa: E731
    n = entitled_voters(person.unit_id, d(20), exclude_pk=person.pk)
    plan = [
        (K.INVESTIGATION, d(3), {"note": "经调查核实，反映问题基本属实。"}),
        (K.EDUCATION_TALK, d(6), {"note": "支部书记、纪检委员与本人谈话，指出问题，进行批评教育。"}),
        (K.STATEMENT, d(10), {"given": True, "note": "本人对事实无异议，作了检讨。"}),
        (K.BRANCH_DECISION, d(20), {"measure": measure, "probation_months": months,
                                    "vote": {"present": n, "yes": n, "no": 0, "abstain": 0}}),
        (K.APPROVAL, d(30), {"passed": True, "note": "同意支部意见。"}),
        (K.DELIVERY, d(33), {"effective_on": effective or d(30), "note": "当面送达本人。"}),
    ]
    for kind, date, data in plan:
        if date > today:
            break
        case_record_step(actor=actor, case=case, kind=kind, date=date, **data)
        case.refresh_from_db()
        if kind == until:
            break
    return case


def apply_discipline(size: str, *, today: datetime.date, out=print) -> None:
    unit = Unit.objects.filter(code=BRANCH).first()
    officer_unit = Unit.objects.filter(code=OFFICER_UNIT).first()
    if unit is None or officer_unit is None:
        return
    # Like the rest of seed_demo, every write is done (and audited) as the demo's "admin".
    admin = get_user_model().objects.filter(username="admin").first()
    _officer(officer_unit, admin)
    officer = admin
    if Case.objects.filter(unit=unit).exists():
        out("Discipline demo: already present.")
        return
    people = list(Person.objects.filter(unit=unit, status=MemberStatus.FULL).order_by("citizen_id"))
    if len(people) < 8:
        return
    with transaction.atomic():
        w = case_open(actor=officer, person=people[0], kind=CaseKind.SANCTION,
                      opened_on=today - datetime.timedelta(days=150),
                      summary="多次无故不参加组织生活，经教育仍不改正。")
        _walk(officer, w, people[0], today, start=w.opened_on, measure=Measure.WARNING)
        p = case_open(actor=officer, person=people[1], kind=CaseKind.SANCTION,
                      opened_on=today - datetime.timedelta(days=120),
                      summary="违反中央八项规定精神，公款吃喝。")
        _walk(officer, p, people[1], today, start=p.opened_on, measure=Measure.PROBATION, months=12)
        o = case_open(actor=officer, person=people[2], kind=CaseKind.SANCTION,
                      opened_on=today - datetime.timedelta(days=12),
                      summary="群众反映其在物资采购中违反办事程序。")
        case_record_step(actor=officer, case=o, kind=K.INVESTIGATION, date=today - datetime.timedelta(days=5),
                         note="调取采购记录，询问经办人员。")
        lapse = None
        try:
            from dues.models import LapseCase

            lapse = (LapseCase.objects.filter(person__unit__path__startswith=officer_unit.path,
                                              person__status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY))
                     .order_by("pk").first())
        except Exception:  # the dues app is not there
            lapse = None
        if lapse is not None:
            lc = case_open_from_dues_lapse(actor=officer, lapse_case=lapse,
                                           opened_on=max(lapse.opened_on, today - datetime.timedelta(days=3)))
        else:
            lc = case_open(actor=officer, person=people[3], kind=CaseKind.LAPSE,
                           opened_on=today - datetime.timedelta(days=3),
                           summary="连续六个月不参加党的组织生活。", source_note="三会一课：连续六个月未参加组织生活")
        case_record_step(actor=officer, case=lc, kind=K.EDUCATION_TALK, date=today,
                         note="支部书记与本人谈话，了解原因，进行教育。")
        letter = letter_issue(actor=officer, person=people[4], kind=LetterKind.INQUIRY,
                              issued_on=today - datetime.timedelta(days=8), matter="群众反映你在人事调整中有打招呼行为，请如实说明。")
        letter_record(actor=officer, letter=letter, kind=LetterEventKind.TALK, date=today - datetime.timedelta(days=6),
                      officials="支部书记、纪检委员", note="核实有关情况，提出要求。")
        adm = letter_issue(actor=officer, person=people[5], kind=LetterKind.ADMONITION,
                           issued_on=today - datetime.timedelta(days=40), matter="重大资金使用未经集体研究。")
        letter_record(actor=officer, letter=adm, kind=LetterEventKind.ANSWER, date=today - datetime.timedelta(days=33),
                      note="已作书面说明并整改。")
        appraisal = appraisal_create(actor=officer, unit=unit, year=today.year - 1,
                                     held_on=datetime.date(today.year, 1, 15) if today.month > 1 else today)
        total = len(people)
        for i, entry in enumerate(appraisal.entries.select_related("person")):
            grade = Grade.EXCELLENT if i % 5 == 0 else Grade.BASIC if i % 11 == 3 else Grade.QUALIFIED
            major = total // 2 + 1          # the grade decided has the majority of the votes of those present
            counts = dict(votes_excellent=major if grade == Grade.EXCELLENT else 2,
                          votes_basic=major if grade == Grade.BASIC else 0, votes_unqualified=0)
            counts["votes_qualified"] = total - counts["votes_excellent"] - counts["votes_basic"]
            try:
                appraisal_entry_record(actor=officer, entry=entry, grade=grade, self_assessment="能够发挥先锋模范作用。",
                                       **counts)
            except ValidationError:  # a sanction that year blocks "excellent"
                appraisal_entry_record(actor=officer, entry=entry, grade=Grade.QUALIFIED, **counts)
        appraisal_report(actor=officer, appraisal=appraisal, reported_on=appraisal.held_on)
    out(f"Discipline demo: 4 cases, 2 letters, 1 appraisal in {unit.name}; login {USERNAME} / the demo password "
        f"(discipline officer of {officer_unit.name}).")
