"""Helpers for the discipline tests: a branch with voters, an officer, and a case walked to a given step."""
import datetime

from branches.choices import Role
from branches.services import appointment_create
from discipline.cases import case_open, case_record_step
from discipline.choices import CaseKind, Measure, StepKind as K
from tests.factories import UserFactory, make_person

D = datetime.date


def officer_of(unit, username="officer_a"):
    user = UserFactory(username=username)
    appointment_create(actor=None, user=user, unit=unit, role=Role.DISCIPLINE_OFFICER)
    return user


def voters(unit, n=4, prefix="党员"):
    return [make_person(unit, name=f"{prefix}{i}") for i in range(n)]


def open_case(actor, person, kind=CaseKind.SANCTION, on=D(2026, 3, 2), **kw):
    return case_open(actor=actor, person=person, kind=kind, opened_on=on, summary="违反工作纪律", **kw)


def walk(actor, case, *, measure=Measure.WARNING, until=None, start=D(2026, 3, 2), effective_on=None, months=None,
         vote=None):
    """Record the steps of a case in order up to (and including) ``until`` (default: delivery)."""
    plan = [
        (K.INVESTIGATION, start + datetime.timedelta(days=3), {"note": "调查核实"}),
        (K.EDUCATION_TALK, start + datetime.timedelta(days=5), {"note": "谈话教育"}),
        (K.STATEMENT, start + datetime.timedelta(days=10), {"given": True, "note": "本人申辩"}),
        (K.BRANCH_DECISION, start + datetime.timedelta(days=20),
         {"measure": measure, "probation_months": months,
          "vote": vote or {"present": 4, "yes": 4, "no": 0, "abstain": 0}}),
        (K.APPROVAL, start + datetime.timedelta(days=30), {"passed": True}),
        (K.DELIVERY, start + datetime.timedelta(days=35),
         {"effective_on": effective_on or start + datetime.timedelta(days=30)}),
    ]
    for kind, date, data in plan:
        case_record_step(actor=actor, case=case, kind=kind, date=date, **data)
        case.refresh_from_db()
        if kind == until:
            break
    return case
