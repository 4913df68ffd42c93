"""The committee review queue (审批): branches submit items, committee reviewers decide them once.

A branch (PIPELINE_CHANGE on the person's unit) submits an item: an activist selection or candidate decision
for record (备案), a candidate for pre-review (预审), an admission for approval (审批) or full membership for
approval (转正审批). Reviewers (REVIEW on the person's unit: reviewers and admins of a higher committee) see
the pending items of their scope, oldest first, and decide each once: approve (record the committee's step
through ``members.pipeline.pipeline_record_step``), decide negatively where the pipeline knows that outcome,
or return it to the branch with a reason. Deciding is a compare-and-set on ``status``: of two reviewers
acting at once one wins, the other is told who decided and when, and nothing else changes.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, Role, UnitKind
from branches.models import Unit
from branches.notifications import notification_send, unit_secretaries
from branches.permissions import REVIEW, role_grants

from .choices import MemberStatus
from .models import DevelopmentStep, DevelopmentStepKind as K, Person, ReviewKind, ReviewRequest, ReviewStatus
from .pipeline import PipelineState, pipeline_record_step, pipeline_state, pipeline_timeline, structural_problem
from .policy import add_months

RK = ReviewKind

# The development step each item reports (record kinds) or decides (the others).
RECORD_KINDS = {RK.ACTIVIST_RECORD: K.ACTIVIST_SELECTION, RK.CANDIDATE_RECORD: K.CANDIDATE_DECISION}
DECISION_KINDS = {RK.PRE_REVIEW: K.PRE_REVIEW, RK.ADMISSION_APPROVAL: K.COMMITTEE_APPROVAL,
                  RK.FULL_APPROVAL: K.FULL_APPROVAL}
# Steps that only the higher committee decides: recorded through the queue, not through the branch's step form.
COMMITTEE_STEP_KINDS = frozenset(DECISION_KINDS.values())
REVIEW_KIND_FOR_STEP = {step: kind for kind, step in DECISION_KINDS.items()}

# What a branch user clicks to submit each kind.
SUBMIT_LABELS = {
    RK.ACTIVIST_RECORD: gettext_lazy("Report the activist selection for record"),
    RK.CANDIDATE_RECORD: gettext_lazy("Report the candidate decision for record"),
    RK.PRE_REVIEW: gettext_lazy("Submit for pre-review"),
    RK.ADMISSION_APPROVAL: gettext_lazy("Submit for approval"),
    RK.FULL_APPROVAL: gettext_lazy("Submit for full-membership approval"),
}

# Decision outcomes (the values of the decision form's radio).
RECORDED, APPROVED, NOT_APPROVED, EXTEND, CANCEL = "recorded", "approved", "not_approved", "extend", "cancel"
OUTCOME_LABELS = {
    RECORDED: gettext_lazy("Recorded (acknowledged)"),
    APPROVED: gettext_lazy("Approved"),
    NOT_APPROVED: gettext_lazy("Not approved"),
    EXTEND: gettext_lazy("Not approved: probation extended"),
    CANCEL: gettext_lazy("Not approved: probation cancelled"),
}
FULL_OUTCOME_LABELS = {
    APPROVED: gettext_lazy("Approved: full membership"),
    NOT_APPROVED: gettext_lazy("Not approved (the branch proposes an extension or a cancellation)"),
    EXTEND: gettext_lazy("Extend probation"),
    CANCEL: gettext_lazy("Cancel probation"),
}
NEAR_DAYS = 14          # a deadline this close shows amber in the queue


class ReviewError(ValidationError):
    """A refused submission or decision; the message says what is missing or what to fix."""


class ReviewAlreadyDecided(ReviewError):
    """Another reviewer decided the item first."""


def _d(day) -> str:
    return day.isoformat() if day else "—"


def _who(user) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


# ---------------------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------------------

def review_queue(user, *, decided: bool = False):
    """Items in the user's REVIEW scope with what a queue row shows joined in: pending ones oldest first, or
    the decided ones (history) newest first."""
    qs = (ReviewRequest.objects.restrict(user, REVIEW)
          .select_related("person", "unit", "submitted_by", "decided_by", "result_step"))
    if decided:
        return qs.exclude(status=ReviewStatus.PENDING).order_by("-decided_at", "-pk")
    return qs.filter(status=ReviewStatus.PENDING).order_by("submitted_at", "pk")


def review_items_for_person(person: Person) -> list[ReviewRequest]:
    """Every item of one person, oldest first (one query)."""
    return list(ReviewRequest.objects.filter(person=person)
                .select_related("submitted_by", "decided_by", "step", "result_step").order_by("submitted_at", "pk"))


def review_reviewers(unit: Unit) -> list:
    """Users who review ``unit``'s items: active REVIEWER or ADMIN appointments (any role granting REVIEW) on a
    committee above the unit (or the unit itself when it is a committee)."""
    steplen = Unit.steplen
    paths = [unit.path[:i] for i in range(steplen, len(unit.path) + 1, steplen)]
    roles = [r for r in Role.values if role_grants(r, REVIEW)]
    return list(get_user_model().objects.filter(
        appointments__unit__path__in=paths, appointments__unit__kind=UnitKind.COMMITTEE,
        appointments__unit__dissolved_on__isnull=True, appointments__role__in=roles,
        appointments__ended_at__isnull=True, is_active=True,
    ).distinct().order_by("username"))


def days_waiting(item: ReviewRequest, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    end = timezone.localdate(item.decided_at) if item.decided_at else today
    return max(0, (end - timezone.localdate(item.submitted_at)).days)


def deadline_state(item: ReviewRequest, today: datetime.date | None = None) -> str:
    """"past", "near" (within NEAR_DAYS) or "" for a pending item's deadline."""
    if not item.deadline or item.status != ReviewStatus.PENDING:
        return ""
    today = today or timezone.localdate()
    if item.deadline < today:
        return "past"
    if (item.deadline - today).days <= NEAR_DAYS:
        return "near"
    return ""


def outcome_label(item: ReviewRequest) -> str:
    """What was decided, in words: derived from the status and the step the decision recorded."""
    if item.status == ReviewStatus.PENDING:
        return str(ReviewStatus.PENDING.label)
    if item.status == ReviewStatus.RETURNED:
        return _("Returned to the branch")
    if item.kind in RECORD_KINDS:
        return str(OUTCOME_LABELS[RECORDED])
    step = item.result_step
    if step is None:
        return str(ReviewStatus(item.status).label)
    if step.kind == K.PROBATION_EXTENDED:
        return _("Not approved: probation extended by %(n)s months") % {"n": step.extra.get("months", "?")}
    if step.kind == K.PROBATION_CANCELLED:
        return str(OUTCOME_LABELS[CANCEL])
    if step.passed is False:
        return str(OUTCOME_LABELS[NOT_APPROVED])
    if item.kind == RK.FULL_APPROVAL:
        return str(FULL_OUTCOME_LABELS[APPROVED])
    return str(OUTCOME_LABELS[APPROVED])


def outcome_is_positive(item: ReviewRequest) -> bool:
    return item.status == ReviewStatus.APPROVED and (item.result_step is None or item.result_step.passed is not False)


def item_state_text(item: ReviewRequest) -> str:
    """One line for the timeline: waiting since, returned with the reason, or what was decided."""
    if item.status == ReviewStatus.PENDING:
        return _("Waiting for the committee since %(date)s.") % {"date": _d(timezone.localdate(item.submitted_at))}
    if item.status == ReviewStatus.RETURNED:
        return _("Returned on %(date)s by %(who)s: %(reason)s") % {
            "date": _d(item.decision_date), "who": _who(item.decided_by), "reason": item.reason}
    return _("%(outcome)s on %(date)s by %(who)s.") % {
        "outcome": outcome_label(item), "date": _d(item.decision_date), "who": _who(item.decided_by)}


def already_decided_message(item: ReviewRequest) -> str:
    when = timezone.localtime(item.decided_at).strftime("%Y-%m-%d %H:%M") if item.decided_at else "—"
    return _("This item was already decided by %(who)s on %(when)s (%(outcome)s); nothing was changed.") % {
        "who": _who(item.decided_by), "when": when, "outcome": outcome_label(item)}


# ---------------------------------------------------------------------------------------------------------
# What a branch may submit now
# ---------------------------------------------------------------------------------------------------------

@dataclass
class SubmitOption:
    """One kind of item for the person's timeline: ready to submit (problem == "") or why not yet."""
    kind: str
    step: DevelopmentStep | None = None
    deadline: datetime.date | None = None
    problem: str = ""
    pending: ReviewRequest | None = None

    @property
    def label(self) -> str:
        return str(SUBMIT_LABELS[self.kind])

    @property
    def kind_label(self) -> str:
        return str(RK(self.kind).label)

    @property
    def ready(self) -> bool:
        return not self.problem


def _recorded(items, step) -> ReviewRequest | None:
    return next((i for i in items if i.step_id == step.pk and i.status == ReviewStatus.APPROVED), None)


def submit_option(kind: str, state: PipelineState, items: list[ReviewRequest],
                  today: datetime.date | None = None) -> SubmitOption:
    """Whether ``kind`` can be submitted for the person now, with the step it reports and its deadline; the
    problem names what is missing (the pipeline's own structural checks for the committee's steps)."""
    today = today or timezone.localdate()
    opt = SubmitOption(kind)
    opt.pending = next((i for i in items if i.kind == kind and i.status == ReviewStatus.PENDING), None)
    if kind in RECORD_KINDS:
        step_kind = RECORD_KINDS[kind]
        opt.step = state.last(step_kind)
        if opt.step is None:
            opt.problem = _("%(item)s needs %(step)s first.") % {"item": RK(kind).label, "step": K(step_kind).label}
        elif (done := _recorded(items, opt.step)) is not None:
            opt.problem = _("%(step)s of %(date)s was already recorded by the committee on %(on)s.") % {
                "step": K(step_kind).label, "date": _d(opt.step.date), "on": _d(done.decision_date)}
    else:
        step_kind = DECISION_KINDS[kind]
        problem = structural_problem(step_kind, state, on=today)
        if problem:
            opt.problem = problem
        elif kind == RK.PRE_REVIEW and state.done(K.PRE_REVIEW):
            opt.problem = _("Pre-review already passed on %(date)s.") % {"date": _d(state.last(K.PRE_REVIEW).date)}
        elif kind == RK.ADMISSION_APPROVAL:
            opt.step = state.admission_vote(today)
            opt.deadline = state.approval_deadline(opt.step)
        elif kind == RK.FULL_APPROVAL:
            opt.step = state.last(K.FULL_VOTE)
            opt.deadline = add_months(opt.step.date, state.rule("approval_months", opt.step.date).value)
    if opt.pending is not None and not opt.problem:
        opt.problem = _("%(item)s has been waiting for the committee since %(date)s.") % {
            "item": RK(kind).label, "date": _d(timezone.localdate(opt.pending.submitted_at))}
    return opt


def submit_options(state: PipelineState, items: list[ReviewRequest]) -> list[SubmitOption]:
    """The kinds that concern the person at their stage: ready ones and the ones whose problem to show."""
    person, result = state.person, []
    for kind in RK.values:
        opt = submit_option(kind, state, items)
        if kind in RECORD_KINDS:
            relevant = opt.step is not None and (opt.ready or opt.pending is not None)
        elif kind == RK.PRE_REVIEW:
            relevant = person.status == MemberStatus.CANDIDATE and not state.done(K.PRE_REVIEW)
        elif kind == RK.ADMISSION_APPROVAL:
            relevant = person.status in (MemberStatus.CANDIDATE, MemberStatus.PROBATIONARY) and \
                state.admission_vote() is not None and not state.all(K.COMMITTEE_APPROVAL)
        else:
            relevant = person.status == MemberStatus.PROBATIONARY and state.done(K.COMMITTEE_APPROVAL) and \
                state.last(K.FULL_VOTE) is not None
        if relevant or opt.ready:
            result.append(opt)
    return result


# ---------------------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------------------

def _review_url(item) -> str:
    return reverse("members:review_detail", args=[item.pk])


def _timeline_url(item) -> str:
    return reverse("members:person_pipeline", args=[item.person_id])


@transaction.atomic
def review_submit(*, actor, person: Person, kind: str, note: str = "") -> ReviewRequest:
    """Submit one item to the higher committee; refuses duplicates and premature submissions."""
    if kind not in RK.values:
        raise ReviewError({"kind": _("Choose what to submit.")})
    person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
    state = pipeline_state(person)
    opt = submit_option(kind, state, review_items_for_person(person))
    if opt.problem:
        raise ReviewError(opt.problem)
    item = ReviewRequest(person=person, kind=kind, unit=person.unit, step=opt.step, deadline=opt.deadline,
                         note=(note or "").strip(), submitted_by=_actor(actor), submitted_at=timezone.now())
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:                  # submitted by someone else at the same moment
        raise ReviewError(_("%(item)s is already waiting for the committee.") % {"item": RK(kind).label})
    audit_record(actor=actor, action=AuditAction.CREATE, obj=item, after=snapshot(item), unit=person.unit,
                 note=_("Submitted to the committee: %(item)s") % {"item": RK(kind).label})
    title = _("%(item)s: %(name)s (%(unit)s) waits for the committee") % {
        "item": RK(kind).label, "name": person.name, "unit": person.unit.display_name}
    body = _("Submitted by %(who)s.") % {"who": _who(_actor(actor))}
    if item.deadline:
        body += " " + _("Deadline: %(date)s.") % {"date": _d(item.deadline)}
    if item.note:
        body += "\n" + item.note
    notification_send(recipients=review_reviewers(person.unit), title=title, body=body, url=_review_url(item),
                      unit=person.unit)
    return item


def outcome_choices(item: ReviewRequest, state: PipelineState | None = None) -> list[tuple[str, str]]:
    """The decisions possible for the item's kind (and, for full approval, what the pipeline still allows)."""
    if item.kind in RECORD_KINDS:
        return [(RECORDED, str(OUTCOME_LABELS[RECORDED]))]
    if item.kind == RK.FULL_APPROVAL:
        choices = [(APPROVED, str(FULL_OUTCOME_LABELS[APPROVED]))]
        if state is None or len(state.all(K.PROBATION_EXTENDED)) < state.rule("extension_max_count").value:
            choices.append((EXTEND, str(FULL_OUTCOME_LABELS[EXTEND])))
        choices += [(CANCEL, str(FULL_OUTCOME_LABELS[CANCEL])), (NOT_APPROVED, str(FULL_OUTCOME_LABELS[NOT_APPROVED]))]
        return choices
    return [(APPROVED, str(OUTCOME_LABELS[APPROVED])), (NOT_APPROVED, str(OUTCOME_LABELS[NOT_APPROVED]))]


def _claim(*, actor, item: ReviewRequest, status: str, decision_date: datetime.date, reason: str) -> None:
    """The compare-and-set: pending -> decided in one conditional UPDATE. On PostgreSQL a second transaction
    blocks on the row until the first ends, then finds it no longer pending."""
    won = ReviewRequest.objects.filter(pk=item.pk, status=ReviewStatus.PENDING).update(
        status=status, decided_by=_actor(actor), decided_at=timezone.now(), decision_date=decision_date,
        reason=reason)
    if not won:
        current = ReviewRequest.objects.select_related("decided_by", "result_step").get(pk=item.pk)
        raise ReviewAlreadyDecided(already_decided_message(current))


def _notify_decision(item: ReviewRequest) -> None:
    title = _("%(item)s for %(name)s: %(outcome)s") % {
        "item": item.get_kind_display(), "name": item.person.name, "outcome": outcome_label(item)}
    body = _("Decided by %(who)s on %(date)s.") % {"who": _who(item.decided_by), "date": _d(item.decision_date)}
    if item.reason:
        body += "\n" + (_("Reason: %(r)s") if item.status == ReviewStatus.RETURNED else _("Comment: %(r)s")) % {
            "r": item.reason}
    notification_send(recipients=[*unit_secretaries(item.unit), item.submitted_by], title=title, body=body,
                      url=_timeline_url(item), unit=item.unit)


def _load(item) -> ReviewRequest:
    return ReviewRequest.objects.select_related("person__unit", "unit", "submitted_by", "step").get(pk=item.pk)


@transaction.atomic
def review_decide(*, actor, item: ReviewRequest, outcome: str, date: datetime.date, reason: str = "",
                  months: int | None = None) -> ReviewRequest:
    """Decide a pending item. Record items: acknowledged, no step written. Committee steps: written through
    ``pipeline_record_step`` with the reviewer as actor (a refusal raises and changes nothing); the last step
    written is kept in ``result_step``."""
    item = _load(item)
    state = pipeline_state(item.person) if item.kind not in RECORD_KINDS else None
    if outcome not in dict(outcome_choices(item, state)):
        if item.status != ReviewStatus.PENDING:
            raise ReviewAlreadyDecided(already_decided_message(_load(item)))
        raise ReviewError({"outcome": _("Choose one of the decisions offered.")})
    if date is None:
        raise ReviewError({"date": _("Enter the date of the decision.")})
    if date > timezone.localdate():
        raise ReviewError({"date": _("The date %(date)s is in the future; record a decision once it has been "
                                     "taken.") % {"date": _d(date)}})
    if outcome == EXTEND and not months:
        raise ReviewError({"months": _("Enter by how many months probation is extended.")})
    reason = (reason or "").strip()
    before = snapshot(item)
    _claim(actor=actor, item=item, status=ReviewStatus.APPROVED, decision_date=date, reason=reason)
    person, result = item.person, None
    if item.kind in RECORD_KINDS:
        if item.step and date < item.step.date:
            raise ReviewError({"date": _("The record cannot be dated before %(step)s (%(date)s).") % {
                "step": item.step.get_kind_display(), "date": _d(item.step.date)}})
    else:
        note = reason or _("Decided in the committee review queue.")
        step_kind = DECISION_KINDS[item.kind]
        result = pipeline_record_step(actor=actor, person=person, kind=step_kind, date=date, note=note,
                                      extra={"passed": outcome == APPROVED})
        if outcome == EXTEND:
            result = pipeline_record_step(actor=actor, person=person, kind=K.PROBATION_EXTENDED, date=date,
                                          note=note, extra={"months": months})
        elif outcome == CANCEL:
            result = pipeline_record_step(actor=actor, person=person, kind=K.PROBATION_CANCELLED, date=date,
                                          note=note)
        ReviewRequest.objects.filter(pk=item.pk).update(result_step=result)
    item = ReviewRequest.objects.select_related("person", "unit", "decided_by", "submitted_by",
                                                "result_step").get(pk=item.pk)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=item, before=before, after=snapshot(item),
                 unit=item.unit, note=_("Committee decision: %(outcome)s") % {"outcome": outcome_label(item)})
    _notify_decision(item)
    return item


@transaction.atomic
def review_return(*, actor, item: ReviewRequest, reason: str) -> ReviewRequest:
    """Send a pending item back to the branch with a reason; no development step is written."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError({"reason": _("Say why the item goes back to the branch.")})
    item = _load(item)
    before = snapshot(item)
    _claim(actor=actor, item=item, status=ReviewStatus.RETURNED, decision_date=timezone.localdate(),
           reason=reason)
    item = ReviewRequest.objects.select_related("person", "unit", "decided_by", "submitted_by").get(pk=item.pk)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=item, before=before, after=snapshot(item),
                 unit=item.unit, note=_("Returned to the branch: %(reason)s") % {"reason": reason[:200]})
    _notify_decision(item)
    return item


# ---------------------------------------------------------------------------------------------------------
# The dossier shown beside the decision form
# ---------------------------------------------------------------------------------------------------------

def decision_preview(item: ReviewRequest, outcome: str, date: datetime.date, months: int | None = None) -> str:
    """What deciding will do, in words, for the confirmation page."""
    name = item.person.name
    if outcome == RECORDED:
        return _("%(item)s for %(name)s will be marked as recorded on %(date)s.") % {
            "item": item.get_kind_display(), "name": name, "date": _d(date)}
    effects = {
        (RK.PRE_REVIEW, APPROVED): _("the pre-review is recorded as passed; the branch may issue the volunteer form"),
        (RK.PRE_REVIEW, NOT_APPROVED): _("the pre-review is recorded as not passed"),
        (RK.ADMISSION_APPROVAL, APPROVED): _("%(name)s becomes a probationary member; probation counts from the "
                                             "branch resolution") % {"name": name},
        (RK.ADMISSION_APPROVAL, NOT_APPROVED): _("%(name)s stays a candidate; the branch may redo the procedure with "
                                                 "a new volunteer form") % {"name": name},
        (RK.FULL_APPROVAL, APPROVED): _("%(name)s becomes a full member from the end of probation") % {"name": name},
        (RK.FULL_APPROVAL, NOT_APPROVED): _("%(name)s stays probationary; the branch proposes an extension or a "
                                            "cancellation") % {"name": name},
        (RK.FULL_APPROVAL, EXTEND): _("probation of %(name)s is extended by %(n)s months") % {"name": name,
                                                                                              "n": months or "?"},
        (RK.FULL_APPROVAL, CANCEL): _("probation of %(name)s is cancelled; they leave the roll") % {"name": name},
    }
    return _("%(item)s for %(name)s will be decided on %(date)s as \"%(outcome)s\": %(effect)s. The branch "
             "secretaries are notified. This cannot be undone here.") % {
        "item": item.get_kind_display(), "name": name, "date": _d(date),
        "outcome": dict(outcome_choices(item)).get(outcome, outcome), "effect": effects.get((item.kind, outcome), "")}


def review_dossier(item: ReviewRequest) -> dict:
    """The person's file for the reviewer: key dates, steps with documents and votes, contacts and sponsors,
    the political review, the other items, and what is missing for this item."""
    person = item.person
    state = pipeline_state(person)
    missing = []
    if item.status == ReviewStatus.PENDING:
        if item.kind in DECISION_KINDS:
            problem = structural_problem(DECISION_KINDS[item.kind], state)
            if problem:
                missing.append(problem)
        missing += [f"{n.label}{' — ' + str(n.rule) if n.rule else ''}" for n in pipeline_timeline(state)
                    if n.missing and n.kind not in COMMITTEE_STEP_KINDS]
    contacts, sponsors = state.last(K.CONTACTS_ASSIGNED), state.last(K.SPONSORS_ASSIGNED)
    vote = state.admission_vote() if item.kind == RK.ADMISSION_APPROVAL else (
        state.last(K.FULL_VOTE) if item.kind == RK.FULL_APPROVAL else None)
    targets = None
    if vote is not None:
        months = state.rule("approval_months", vote.date).value
        targets = {"due": add_months(vote.date, months), "months": months}
        if item.kind == RK.ADMISSION_APPROVAL:
            targets.update(limit=state.approval_deadline(vote),
                           max_months=state.rule("approval_max_months", vote.date).value)
    key_dates = [(label, getattr(person, f)) for f, label in (
        ("application_date", _("Application")), ("activist_date", _("Activist")),
        ("candidate_date", _("Candidate")), ("admission_date", _("Admission")),
        ("full_member_date", _("Full membership")))]
    others = [i for i in review_items_for_person(person) if i.pk != item.pk]
    return {
        "state": state,
        "steps": state.steps,
        "earlier_ids": state.earlier_attempt_ids(),
        "key_dates": key_dates,
        "contacts": list(contacts.related_people.all()) if contacts else [],
        "sponsors": list(sponsors.related_people.all()) if sponsors else [],
        "political_review": state.last(K.POLITICAL_REVIEW),
        "vote": vote,
        "targets": targets,
        "probation_end": state.probation_end(),
        "missing": missing,
        "other_items": others,
    }


# ---------------------------------------------------------------------------------------------------------
# The person's timeline page
# ---------------------------------------------------------------------------------------------------------

def step_form_kinds(kinds: list[str], *, can_review: bool, items: list[ReviewRequest]) -> list[str]:
    """The steps the timeline's step form offers: the committee's own decisions only to users with REVIEW
    on the person's unit, and not while an item for that decision waits in the queue (decide it there)."""
    pending = {i.kind for i in items if i.status == ReviewStatus.PENDING}
    return [k for k in kinds if k not in COMMITTEE_STEP_KINDS
            or (can_review and REVIEW_KIND_FOR_STEP[k] not in pending)]


def attach_record_status(steps: list[DevelopmentStep], items: list[ReviewRequest]) -> None:
    """Set ``record_item`` on activist-selection and candidate-decision steps: the latest item reporting them."""
    latest = {}
    for i in items:
        if i.kind in RECORD_KINDS and i.step_id:
            latest[i.step_id] = i
    for s in steps:
        s.record_item = latest.get(s.pk)
