"""Cases: the transition map, the one service that moves a case, and opening a case.

``case_record_step`` is the only writer of CaseStep / CaseVote rows after opening. It locks the case, checks the
move against TRANSITIONS and the earlier steps, and refuses with a CaseError whose message says what is missing
and what to do. Every move is a CaseStep row (from, to, who, when, note, document) and an audit entry. Effects on
the member (status, posts, rights) are applied by ``discipline.effects`` on the effect date.
"""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction
from branches.permissions import DISCIPLINE_CHANGE
from branches.scope import has_perm
from members.choices import MEMBER_STATUSES
from members.models import DevelopmentVote, Person
from members.pipeline import entitled_voters

from .choices import (MEASURES_BY_KIND, AppealOutcome, CaseKind, CaseStatus, Measure, ProbationOutcome,
                      StepKind as K)
from .models import Case, CaseStep, CaseVote
from .policy import DisciplinePolicySet
from .selectors import case_steps

C = CaseStatus


class CaseError(ValidationError):
    """A refused move of a case; the message says which rule and what to do."""


@dataclass(frozen=True)
class Transition:
    statuses: tuple                  # statuses at which the step may be recorded
    to_status: str | None = None     # the status it moves to (None: stays; decisions: only when passed)
    system: bool = False             # recorded by the effects job, not from a form


TRANSITIONS: dict[str, Transition] = {
    K.INVESTIGATION: Transition((C.OPEN,)),
    K.EDUCATION_TALK: Transition((C.OPEN,)),
    K.STATEMENT: Transition((C.OPEN,)),
    K.BRANCH_DECISION: Transition((C.OPEN,), to_status=C.DECIDED),
    K.APPROVAL: Transition((C.DECIDED,), to_status=C.APPROVED),
    K.DELIVERY: Transition((C.APPROVED,), to_status=C.DELIVERED),
    K.EFFECT: Transition((C.DELIVERED, C.APPEALED), to_status=C.EFFECTIVE, system=True),
    K.APPEAL: Transition((C.DELIVERED, C.EFFECTIVE), to_status=C.APPEALED),
    K.APPEAL_RESULT: Transition((C.APPEALED,)),
    K.PROBATION_REVIEW: Transition((C.EFFECTIVE,), to_status=C.CLOSED),
    K.CLOSE: Transition((C.OPEN,), to_status=C.CLOSED),
}
DATA_KEYS = {"note", "document", "given", "vote", "measure", "probation_months", "passed", "effective_on",
             "outcome"}


def _label(kind) -> str:
    return str(K(kind).label)


def _d(day) -> str:
    return day.isoformat() if day else "—"


def has_step(steps, kind, since=None) -> bool:
    return any(s.kind == kind and (since is None or s.pk > since.pk) for s in steps)


def last_step(steps, kind) -> CaseStep | None:
    found = [s for s in steps if s.kind == kind]
    return found[-1] if found else None


def structural_problem(case: Case, kind: str, steps: list[CaseStep]) -> str | None:
    """Why ``kind`` cannot be recorded on ``case`` now, or None."""
    if kind not in TRANSITIONS:
        return _("Unknown step %(k)s.") % {"k": kind}
    t = TRANSITIONS[kind]
    if case.status not in t.statuses:
        return _("%(step)s is not possible while the case is “%(status)s” (possible when: %(allowed)s).") % {
            "step": _label(kind), "status": C(case.status).label,
            "allowed": ", ".join(str(C(s).label) for s in t.statuses)}
    if kind == K.BRANCH_DECISION:
        # The right of defence: no decision without the member's own statement having been offered.
        if not has_step(steps, K.STATEMENT):
            return _("The member's own statement has not been offered yet: record the statement (given, or offered "
                     "and declined) before the branch general meeting decides.")
        if case.kind == CaseKind.LAPSE and not has_step(steps, K.EDUCATION_TALK):
            return _("A lapse case needs an education talk with the member before the branch general meeting "
                     "decides.")
        if case.kind in (CaseKind.SANCTION, CaseKind.ORG_HANDLING) and not has_step(steps, K.INVESTIGATION):
            return _("Record the facts and the investigation before the branch general meeting decides.")
    if kind == K.PROBATION_REVIEW and case.measure != Measure.PROBATION:
        return _("Only a probation within the party is reviewed at its end.")
    if kind == K.EFFECT and case.effect_applied_on:
        return _("The decision already took effect on %(date)s.") % {"date": _d(case.effect_applied_on)}
    return None


def _date_problems(case: Case, kind: str, date: datetime.date, steps: list[CaseStep], data: dict,
                   policy: DisciplinePolicySet) -> list:
    problems = []
    today = timezone.localdate()
    if date > today and kind != K.EFFECT:
        problems.append(ValidationError(_("The date cannot be in the future (today is %(t)s).") % {"t": _d(today)},
                                        code="date"))
    dated = [s for s in steps if s.kind != K.EFFECT]
    if dated and date < dated[-1].date:
        problems.append(ValidationError(
            _("The date cannot be before the previous step (%(step)s on %(date)s).")
            % {"step": dated[-1].get_kind_display(), "date": _d(dated[-1].date)}, code="date"))
    if kind == K.DELIVERY:
        eff = data.get("effective_on")
        approval = last_step(steps, K.APPROVAL)
        if not eff:
            problems.append(ValidationError(_("Enter the effective date of the decision."), code="effective_on"))
        elif approval and eff < approval.date:
            problems.append(ValidationError(_("The decision cannot take effect before it was approved (%(date)s).")
                                            % {"date": _d(approval.date)}, code="effective_on"))
    if kind == K.PROBATION_REVIEW and data.get("outcome") == ProbationOutcome.RESTORE and case.rights_suspended_until \
            and date < case.rights_suspended_until:
        problems.append(ValidationError(
            _("Probation within the party runs until %(date)s; rights can be restored from then.")
            % {"date": _d(case.rights_suspended_until)}, code="date"))
    return problems


def _errors_dict(problems: list) -> dict:
    out: dict = {}
    for p in problems:
        key = p.code if p.code in ("date", "effective_on", "note", "measure", "probation_months", "outcome",
                                   "passed", "given") else None
        out.setdefault(key or "__all__", []).extend(p.messages)
    return out


def _check_decision(case: Case, date, data: dict, policy: DisciplinePolicySet) -> tuple[list, DevelopmentVote | None]:
    problems = []
    measure = data.get("measure") or ""
    allowed = MEASURES_BY_KIND.get(case.kind, ())
    if measure not in allowed:
        problems.append(ValidationError(_("Choose the measure decided; for this kind of case: %(m)s.")
                                        % {"m": ", ".join(str(Measure(m).label) for m in allowed)}, code="measure"))
    months = data.get("probation_months")
    if measure == Measure.PROBATION:
        lo, hi = policy.value("probation_min_months", date), policy.value("probation_max_months", date)
        if months not in (lo, hi):
            problems.append(ValidationError(
                _("Probation within the party is for %(lo)s or %(hi)s months.") % {"lo": lo, "hi": hi},
                code="probation_months"))
    counts = data.get("vote") or {}
    vote = DevelopmentVote(entitled=entitled_voters(case.person.unit_id, date, exclude_pk=case.person_id),
                           **{k: int(counts.get(k) or 0) for k in ("present", "yes", "no", "abstain")})
    try:
        vote.clean()
    except ValidationError as exc:
        problems.extend(ValidationError(m) for m in exc.messages)
    return problems, vote


@transaction.atomic
def case_record_step(*, actor, case: Case, kind: str, date: datetime.date, **data) -> CaseStep:
    """Record one step of ``case`` and move its status when the step does. Refuses illegal moves (CaseError)."""
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise ValueError(f"case_record_step: unknown data {sorted(unknown)}")
    case = Case.objects.select_for_update().select_related("person__unit", "unit").get(pk=case.pk)
    if actor is not None and getattr(actor, "pk", None) and not has_perm(actor, DISCIPLINE_CHANGE, case.unit):
        raise CaseError(_("You may not handle discipline cases in %(u)s.") % {"u": case.unit})
    steps = case_steps(case)
    problem = structural_problem(case, kind, steps)
    if problem:
        raise CaseError(problem)
    policy = DisciplinePolicySet(case.unit)
    problems = _date_problems(case, kind, date, steps, data, policy)
    note = (data.get("note") or "").strip()
    document = data.get("document")
    extra: dict = {}
    vote = None
    t = TRANSITIONS[kind]
    to_status = t.to_status or case.status
    if kind in (K.INVESTIGATION, K.EDUCATION_TALK) and not note and not document:
        problems.append(ValidationError(_("Describe the facts found, or attach the record."), code="note"))
    if kind == K.STATEMENT:
        given = data.get("given")
        if given is None:
            problems.append(ValidationError(_("Say whether the member gave a statement or declined."), code="given"))
        elif given and not note and not document:
            problems.append(ValidationError(_("Enter the statement or attach it."), code="note"))
        extra["given"] = bool(given)
    if kind == K.BRANCH_DECISION:
        more, vote = _check_decision(case, date, data, policy)
        problems += more
        extra.update(measure=data.get("measure") or "", passed=bool(vote and not more and vote.passed))
        if data.get("measure") == Measure.PROBATION:
            extra["probation_months"] = data.get("probation_months")
        if not extra["passed"]:
            to_status = case.status
    if kind == K.APPROVAL:
        if data.get("passed") is None:
            problems.append(ValidationError(_("Enter the outcome: approved or not approved."), code="passed"))
        extra["passed"] = bool(data.get("passed"))
        if not extra["passed"]:
            to_status = C.OPEN      # back to the branch, which may decide again or close the case
            if not note:
                problems.append(ValidationError(_("Give the higher committee's reasons for not approving."),
                                                code="note"))
    if kind == K.DELIVERY and data.get("effective_on"):
        extra["effective_on"] = data["effective_on"].isoformat()
    if kind == K.CLOSE and not note:
        problems.append(ValidationError(_("Say why the case is closed without a decision."), code="note"))
    if kind == K.APPEAL:
        if not note and not document:
            problems.append(ValidationError(_("Enter the grounds of the appeal or attach it."), code="note"))
        extra["prior_status"] = case.status
    if kind == K.APPEAL_RESULT:
        outcome = data.get("outcome")
        if outcome not in AppealOutcome.values:
            problems.append(ValidationError(_("Choose the result of the appeal."), code="outcome"))
        else:
            extra["outcome"] = outcome
            prior = C.EFFECTIVE if case.effect_applied_on else C.DELIVERED
            to_status = C.REVOKED if outcome == AppealOutcome.REVOKED else prior
        if not note:
            problems.append(ValidationError(_("Enter the reasons given with the result of the appeal."), code="note"))
    if kind == K.PROBATION_REVIEW:
        outcome = data.get("outcome")
        if outcome not in ProbationOutcome.values:
            problems.append(ValidationError(_("Choose the outcome of the review."), code="outcome"))
        extra["outcome"] = outcome
    if problems:
        raise CaseError(_errors_dict(problems))

    before = snapshot(case)
    step = CaseStep(case=case, kind=kind, date=date, from_status=case.status, to_status=to_status,
                    actor=actor if getattr(actor, "pk", None) else None, note=note, extra=extra)
    if document:
        step.document = document
    step.full_clean()
    step.save()
    if vote is not None and kind == K.BRANCH_DECISION:
        CaseVote.objects.create(step=step, entitled=vote.entitled, present=vote.present, yes=vote.yes, no=vote.no,
                                abstain=vote.abstain)
    fields = ["status", "updated_at"]
    case.status = to_status
    if kind == K.BRANCH_DECISION and extra["passed"]:
        case.measure = extra["measure"]
        case.probation_months = extra.get("probation_months") if case.measure == Measure.PROBATION else None
        fields += ["measure", "probation_months"]
    if kind == K.APPROVAL and not extra["passed"]:
        case.measure, case.probation_months = "", None
        fields += ["measure", "probation_months"]
    if kind == K.DELIVERY:
        case.effective_on = data["effective_on"]
        fields.append("effective_on")
    case.full_clean()
    case.save(update_fields=fields)
    audit_record(actor=actor, action=AuditAction.STATUS if case.status != before["status"] else AuditAction.UPDATE,
                 obj=case, before=before, after=snapshot(case), note=_label(kind))

    from . import effects

    if kind == K.DELIVERY and case.effective_on <= timezone.localdate():
        effects.case_effect_apply(actor=actor, case=case)
    elif kind == K.APPEAL_RESULT and extra.get("outcome") == AppealOutcome.REVOKED:
        effects.case_effect_revoke(actor=actor, case=case, step=step)
    elif kind == K.PROBATION_REVIEW:
        effects.probation_reviewed(actor=actor, case=case, step=step)
    return step


# ---------------------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def case_open(*, actor, person: Person, kind: str, opened_on: datetime.date, summary: str, account=None,
              source=None, source_note: str = "", document=None) -> Case:
    """Open a case for a member on the roll. ``source`` is the record the case comes from (a dues lapse case, an
    appraisal entry, an earlier case): linked, never copied, and at most one case per source."""
    person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
    errors: dict = {}
    if actor is not None and getattr(actor, "pk", None) and not has_perm(actor, DISCIPLINE_CHANGE, person.unit):
        raise CaseError(_("You may not open discipline cases in %(u)s.") % {"u": person.unit})
    if kind not in CaseKind.values:
        errors["kind"] = _("Choose the kind of case.")
    if person.status not in MEMBER_STATUSES:
        errors["person"] = _("%(p)s is %(s)s, not a party member on the roll: no case can be opened.") % {
            "p": person, "s": person.get_status_display()}
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("The date cannot be in the future.")
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = _("State the facts in brief: what the case is about.")
    existing = Case.objects.open().filter(person=person, kind=CaseKind.LAPSE).first() if kind == CaseKind.LAPSE else None
    if existing is not None:
        errors["person"] = _("%(p)s already has an open lapse case (%(n)s); continue that one.") % {
            "p": person, "n": existing.number}
    source_type = source_id = None
    if source is not None:
        source_type, source_id = ContentType.objects.get_for_model(source), str(source.pk)
        existing = Case.objects.filter(source_type=source_type, source_id=source_id).first()
        if existing:
            errors["__all__"] = _("A case was already opened from this record: %(n)s.") % {"n": existing.number}
    if errors:
        raise CaseError(errors)
    case = Case(number=uuid.uuid4().hex[:20], kind=kind, person=person, unit=person.unit, opened_on=opened_on,
                summary=summary, account=account, source_type=source_type, source_id=source_id or "",
                source_note=(source_note or "")[:200], created_by=actor if getattr(actor, "pk", None) else None)
    case.full_clean()
    case.save()
    case.number = f"JL{opened_on.year}-{case.pk:05d}"
    case.save(update_fields=["number"])
    step = CaseStep(case=case, kind=K.OPENED, date=opened_on, from_status="", to_status=C.OPEN,
                    actor=case.created_by, note=summary)
    if document:
        step.document = document
    step.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=case, after=snapshot(case))
    return case


def case_open_from_dues_lapse(*, actor, lapse_case, opened_on: datetime.date | None = None, account=None) -> Case:
    """Take over a dues lapse case (six months unpaid) as a discipline lapse case linked to it."""
    opened_on = opened_on or timezone.localdate()
    summary = _("%(n)s consecutive months of dues unpaid since %(since)s (dues lapse check of %(date)s).") % {
        "n": lapse_case.months_unpaid, "since": getattr(lapse_case, "run_start_label", lapse_case.run_start),
        "date": _d(lapse_case.opened_on)}
    return case_open(actor=actor, person=lapse_case.person, kind=CaseKind.LAPSE, opened_on=opened_on,
                     summary=summary, account=account, source=lapse_case,
                     source_note=_("Dues lapse check"))


def case_open_from_absence(*, actor, person: Person, since: datetime.date, opened_on: datetime.date | None = None,
                           account=None) -> Case:
    """Open a lapse case for a member absent from all organizational life since ``since`` (meetings' lapse risks)."""
    opened_on = opened_on or timezone.localdate()
    summary = _("No organizational life attended since %(since)s (meetings lapse-risk list of %(date)s).") % {
        "since": _d(since), "date": _d(opened_on)}
    return case_open(actor=actor, person=person, kind=CaseKind.LAPSE, opened_on=opened_on, summary=summary,
                     account=account, source_note=_("Meetings: absent from organizational life"))


# ---------------------------------------------------------------------------------------------------------
# What can be done next (for the case page)
# ---------------------------------------------------------------------------------------------------------

def next_steps(case: Case, steps: list[CaseStep]) -> list[tuple[str, str | None]]:
    """(step kind, why not possible or None) for every manual step possible at the case's status."""
    out = []
    for kind, t in TRANSITIONS.items():
        if t.system or case.status not in t.statuses:
            continue
        if kind == K.PROBATION_REVIEW and case.measure != Measure.PROBATION:
            continue
        out.append((kind, structural_problem(case, kind, steps)))
    return out
