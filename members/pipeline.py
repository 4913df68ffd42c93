"""Membership development (发展党员): the transition map, the one write service and the timeline.

``pipeline_record_step`` is the only writer of DevelopmentStep / DevelopmentVote / StatusChange rows. It
locks the person, checks the move against TRANSITIONS (status and prior steps) and against the date rules
(members.policy), and refuses with a PipelineError whose message names the rule and the date it is met.
``pipeline_state`` / ``pipeline_timeline`` compute what is done, what comes next and by when, in a fixed
number of queries.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction

from .choices import MemberStatus
from .models import DevelopmentStep, DevelopmentStepKind as K, DevelopmentVote, Person, StatusChange
from .policy import PolicySet, Resolved, add_months, add_working_days

S = MemberStatus


class PipelineError(ValidationError):
    """A refused development step; the message says which rule and, where it helps, the date it is met."""


@dataclass(frozen=True)
class Transition:
    statuses: tuple                       # statuses at which the step may be recorded
    requires: tuple = ()                  # step kinds that must be done (and passed) before
    once: bool = False                    # at most one such step (in the current attempt, for ATTEMPT_KINDS)
    to_status: str | None = None          # the status the step moves to (votes: only when passed)
    needs_people: bool = False            # two full members (contacts, sponsors)
    has_vote: bool = False
    has_conclusion: bool = False          # passed / failed


DEVELOPING = (S.ACTIVIST, S.CANDIDATE)
TRANSITIONS: dict[str, Transition] = {
    K.APPLICATION: Transition((S.APPLICANT,), once=True),
    K.TALK: Transition((S.APPLICANT,), requires=(K.APPLICATION,), once=True),
    K.ACTIVIST_SELECTION: Transition((S.APPLICANT,), requires=(K.APPLICATION, K.TALK), once=True,
                                     to_status=S.ACTIVIST),
    K.CONTACTS_ASSIGNED: Transition(DEVELOPING, needs_people=True),
    K.THOUGHT_REPORT: Transition((S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY)),
    K.INSPECTION: Transition(DEVELOPING),
    K.CANDIDATE_DECISION: Transition((S.ACTIVIST,), requires=(K.CONTACTS_ASSIGNED,), once=True,
                                     to_status=S.CANDIDATE),
    K.SPONSORS_ASSIGNED: Transition((S.CANDIDATE,), needs_people=True),
    K.POLITICAL_REVIEW: Transition((S.CANDIDATE,), has_conclusion=True),
    K.TRAINING: Transition(DEVELOPING),
    K.PRE_REVIEW: Transition((S.CANDIDATE,), requires=(K.POLITICAL_REVIEW, K.TRAINING), has_conclusion=True),
    K.PUBLIC_NOTICE: Transition((S.CANDIDATE,), once=True),
    K.VOLUNTEER_FORM: Transition((S.CANDIDATE,), requires=(K.PRE_REVIEW,), once=True),
    K.BRANCH_COMMITTEE_REVIEW: Transition((S.CANDIDATE,), requires=(K.VOLUNTEER_FORM,), once=True),
    # A passed vote does not change the status: the person stays a candidate until the higher committee approves.
    K.BRANCH_VOTE: Transition((S.CANDIDATE,), requires=(
        K.POLITICAL_REVIEW, K.TRAINING, K.PRE_REVIEW, K.PUBLIC_NOTICE, K.SPONSORS_ASSIGNED, K.VOLUNTEER_FORM,
        K.BRANCH_COMMITTEE_REVIEW), has_vote=True),
    # PROBATIONARY only for people moved at the vote under the earlier rule and still awaiting the approval.
    K.COMMITTEE_TALK: Transition((S.CANDIDATE, S.PROBATIONARY), requires=(K.BRANCH_VOTE,), once=True),
    K.COMMITTEE_APPROVAL: Transition((S.CANDIDATE, S.PROBATIONARY), requires=(K.BRANCH_VOTE, K.COMMITTEE_TALK),
                                     once=True, to_status=S.PROBATIONARY, has_conclusion=True),
    K.OATH: Transition((S.PROBATIONARY,), requires=(K.COMMITTEE_APPROVAL,), once=True),
    K.FULL_APPLICATION: Transition((S.PROBATIONARY,), requires=(K.COMMITTEE_APPROVAL,)),
    K.FULL_VOTE: Transition((S.PROBATIONARY,), requires=(K.FULL_APPLICATION,), has_vote=True),
    K.FULL_NOTICE: Transition((S.PROBATIONARY,), requires=(K.FULL_VOTE,)),
    K.FULL_APPROVAL: Transition((S.PROBATIONARY,), requires=(K.FULL_VOTE, K.FULL_NOTICE), to_status=S.FULL,
                                has_conclusion=True),
    K.PROBATION_EXTENDED: Transition((S.PROBATIONARY,), requires=(K.COMMITTEE_APPROVAL,)),
    K.PROBATION_CANCELLED: Transition((S.PROBATIONARY,), requires=(K.COMMITTEE_APPROVAL,), once=True,
                                      to_status=S.PROBATION_CANCELLED),
}
# The steps of one admission attempt. An attempt restarts (the branch redoes the procedure with a new volunteer
# form) after a passed vote lapsed without approval or after the higher committee did not approve; the "once"
# and "requires" checks of these kinds look at the current attempt only, earlier attempts stay as history.
ATTEMPT_KINDS = frozenset({K.VOLUNTEER_FORM, K.BRANCH_COMMITTEE_REVIEW, K.BRANCH_VOTE, K.COMMITTEE_TALK,
                           K.COMMITTEE_APPROVAL})
DATA_KEYS = {"note", "document", "related_people", "extra", "vote", "notice_start"}


def _label(kind) -> str:
    return str(K(kind).label)


def _d(day: datetime.date | None) -> str:
    return day.isoformat() if day else "—"


# ---------------------------------------------------------------------------------------------------------
# State: a person's steps, read once
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Restart:
    """Why the current admission attempt started: the earlier one lapsed or was not approved."""
    reason: str                           # "lapsed" | "not_approved"
    step: DevelopmentStep                 # the lapsed vote or the negative decision
    date: datetime.date                   # the last day of the earlier attempt (deadline or decision date)
    months: int = 0                       # the approval limit that lapsed

    @property
    def message(self) -> str:
        if self.reason == "lapsed":
            return _("No approval within %(n)s months of the branch resolution of %(vote)s (until %(date)s): the "
                     "procedure lapsed; the branch must redo it with a new volunteer form.") % {
                "n": self.months, "vote": _d(self.step.date), "date": _d(self.date)}
        return _("The higher committee did not approve on %(date)s; the branch may redo the procedure with a new "
                 "volunteer form.") % {"date": _d(self.date)}


class PipelineState:
    def __init__(self, person: Person, steps: list[DevelopmentStep], policy: PolicySet):
        self.person, self.steps, self.policy = person, sorted(steps, key=lambda s: (s.date, s.pk or 0)), policy
        self.by_kind: dict[str, list[DevelopmentStep]] = {}
        for step in self.steps:
            self.by_kind.setdefault(step.kind, []).append(step)
        self._attempts: dict[datetime.date, tuple[int, Restart | None]] = {}

    # -- admission attempts ----------------------------------------------------------------------------------

    def approval_deadline(self, vote: DevelopmentStep) -> datetime.date:
        return add_months(vote.date, self.rule("approval_max_months", vote.date).value)

    def _attempt(self, on: datetime.date | None = None) -> tuple[int, Restart | None]:
        """(index in ``steps`` where the current attempt starts, the Restart that opened it) as of ``on``.

        Restart points: a "not approved" committee decision (the attempt starts after it) and a passed vote
        with no decision by its deadline (the attempt starts with the first step after the deadline, or now
        when ``on`` is past the deadline)."""
        on = on or timezone.localdate()
        if on not in self._attempts:
            start, restart, vote = 0, None, None
            for i, step in enumerate(self.steps):
                if vote is not None and step.date > self.approval_deadline(vote):
                    start, restart, vote = i, self._lapse(vote), None
                if step.kind == K.BRANCH_VOTE and self.passed(step):
                    vote = step
                elif step.kind == K.COMMITTEE_APPROVAL:
                    vote = None
                    if not self.passed(step):
                        start, restart = i + 1, Restart("not_approved", step, step.date)
            if vote is not None and on > self.approval_deadline(vote):
                start, restart = len(self.steps), self._lapse(vote)
            self._attempts[on] = (start, restart)
        return self._attempts[on]

    def _lapse(self, vote: DevelopmentStep) -> Restart:
        return Restart("lapsed", vote, self.approval_deadline(vote), self.rule("approval_max_months", vote.date).value)

    def attempt_steps(self, on: datetime.date | None = None) -> list[DevelopmentStep]:
        """The steps since the last restart point (all steps when the procedure never restarted)."""
        return self.steps[self._attempt(on)[0]:]

    def earlier_attempt_ids(self, on: datetime.date | None = None) -> set[int]:
        """The pks of admission-attempt steps that belong to an earlier (lapsed or not approved) attempt."""
        return {s.pk for s in self.steps[:self._attempt(on)[0]] if s.kind in ATTEMPT_KINDS}

    def restart(self, on: datetime.date | None = None) -> Restart | None:
        return self._attempt(on)[1]

    # -- lookups (ATTEMPT_KINDS: the current attempt only) ----------------------------------------------------

    def all(self, kind, on: datetime.date | None = None) -> list[DevelopmentStep]:
        if kind in ATTEMPT_KINDS:
            return [s for s in self.attempt_steps(on) if s.kind == kind]
        return self.by_kind.get(kind, [])

    def last(self, kind, on: datetime.date | None = None) -> DevelopmentStep | None:
        found = self.all(kind, on)
        return found[-1] if found else None

    def history(self, kind) -> list[DevelopmentStep]:
        """Every step of ``kind``, earlier attempts included."""
        return self.by_kind.get(kind, [])

    def position(self, step: DevelopmentStep | None) -> int:
        return -1 if step is None else self.steps.index(step)

    @staticmethod
    def passed(step: DevelopmentStep | None) -> bool:
        return step is not None and step.extra.get("passed", True) is not False

    def done(self, kind, on: datetime.date | None = None) -> bool:
        """Done and, for reviews, votes and decisions, passed (the latest one of the current attempt counts)."""
        return self.passed(self.last(kind, on))

    def rule(self, key: str, on: datetime.date | None = None) -> Resolved:
        return self.policy.get(key, on)

    def admission_vote(self, on: datetime.date | None = None) -> DevelopmentStep | None:
        """The passed branch vote of the current attempt."""
        return next((s for s in reversed(self.all(K.BRANCH_VOTE, on)) if self.passed(s)), None)

    def full_approval_refused(self) -> DevelopmentStep | None:
        """The latest "not approved" full-membership decision when no new full vote followed it."""
        decision = self.last(K.FULL_APPROVAL)
        if decision is None or self.passed(decision) or self.position(self.last(K.FULL_VOTE)) > self.position(decision):
            return None
        return decision

    def probation_end(self) -> datetime.date | None:
        admitted = self.person.admission_date
        if not admitted:
            return None
        end = add_months(admitted, self.rule("probation_months", admitted).value)
        for ext in self.all(K.PROBATION_EXTENDED):
            end = add_months(end, ext.extra.get("months", 0))
        return end

    def notice_end(self, step: DevelopmentStep | None) -> datetime.date | None:
        if step is None:
            return None
        return add_working_days(step.date, self.rule("notice_working_days", step.date).value)


def pipeline_state(person: Person) -> PipelineState:
    """Three queries: steps (with votes and actors), their related people, the policy rows."""
    steps = list(DevelopmentStep.objects.filter(person=person).select_related("actor", "vote")
                 .prefetch_related("related_people").order_by("date", "pk"))
    return PipelineState(person, steps, PolicySet(person.unit))


# ---------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------

def _lapse_message(restart: Restart) -> str:
    return _("Approval is possible at most %(n)s months after the branch resolution of %(vote)s, that is until "
             "%(date)s; the branch must redo the procedure with a new volunteer form.") % {
        "n": restart.months, "vote": _d(restart.step.date), "date": _d(restart.date)}


def structural_problem(kind: str, state: PipelineState, on: datetime.date | None = None) -> str | None:
    """Why ``kind`` cannot be recorded at the person's status and with the steps done so far (as of ``on``,
    today by default: that decides whether a passed vote has lapsed), or None."""
    t = TRANSITIONS[kind]
    status = state.person.status
    if status not in t.statuses:
        return _("%(step)s is not possible for a person with the status %(status)s (possible for: %(allowed)s).") % {
            "step": _label(kind), "status": S(status).label,
            "allowed": ", ".join(str(S(s).label) for s in t.statuses)}
    if kind in (K.COMMITTEE_TALK, K.COMMITTEE_APPROVAL):
        restart = state.restart(on)
        if restart and restart.reason == "lapsed" and state.admission_vote(on) is None:
            return _lapse_message(restart)
    for req in t.requires:
        if not state.done(req, on):
            return _("%(step)s needs %(req)s first.") % {"step": _label(kind), "req": _label(req)}
    if t.once and state.all(kind, on):
        return _("%(step)s has already been recorded (on %(date)s).") % {
            "step": _label(kind), "date": _d(state.last(kind, on).date)}
    if kind == K.BRANCH_VOTE and state.admission_vote(on):
        return _("%(step)s has already been recorded (on %(date)s).") % {
            "step": _label(kind), "date": _d(state.admission_vote(on).date)}
    if kind == K.FULL_APPROVAL and state.full_approval_refused():
        return _("%(step)s needs %(req)s first.") % {"step": _label(kind), "req": _label(K.FULL_VOTE)}
    if kind == K.FULL_APPROVAL and state.position(state.last(K.FULL_NOTICE)) < state.position(state.last(K.FULL_VOTE)):
        return _("%(step)s needs %(req)s first.") % {"step": _label(kind), "req": _label(K.FULL_NOTICE)}
    if kind == K.PROBATION_EXTENDED:
        allowed = state.rule("extension_max_count").value
        if len(state.all(kind)) >= allowed:
            return _("Probation can be extended only %(n)d time(s); it was already extended on %(date)s.") % {
                "n": allowed, "date": _d(state.last(kind).date)}
    return None


def allowed_kinds(state: PipelineState) -> list[str]:
    """The steps that can be recorded now; after a lapse also the approval, which the service then accepts
    only when it is dated within the limit (and refuses otherwise, saying that the procedure must be redone)."""
    restart = state.restart()
    lapsed_on = restart.date if restart and restart.reason == "lapsed" else None
    return [k for k in TRANSITIONS if structural_problem(k, state) is None
            or (lapsed_on and k in (K.COMMITTEE_TALK, K.COMMITTEE_APPROVAL)
                and structural_problem(k, state, on=lapsed_on) is None)]


def _date_problems(kind: str, date: datetime.date, state: PipelineState, data: dict) -> list[str]:
    person, t = state.person, TRANSITIONS[kind]
    problems = []
    if date > timezone.localdate():
        problems.append(_("The date %(date)s is in the future; record a step once it has happened.") % {"date": _d(date)})
    for req in t.requires:
        prior = state.last(req, date)
        if prior and date < prior.date:
            problems.append(_("%(step)s cannot be dated before %(req)s (%(date)s).") % {
                "step": _label(kind), "req": _label(req), "date": _d(prior.date)})
    if kind == K.APPLICATION:
        rule = state.rule("min_age_years", date)
        if person.age_on(date) < rule.value:
            problems.append(_("An applicant must be at least %(n)s years old on the application date; %(name)s "
                              "turns %(n)s on %(date)s.") % {"n": rule.value, "name": person.name,
                                                              "date": _d(add_months(person.birth_date, 12 * rule.value))})
    elif kind == K.ACTIVIST_SELECTION:
        rule = state.rule("activist_notice_days", date)
        if rule.value:
            start = data.get("notice_start")
            if not start:
                problems.append(_("The %(rule)s asks for a notice of %(n)s days before an activist is registered; "
                                  "enter the day the notice was posted.") % {"rule": rule.source, "n": rule.value})
            elif date < start + datetime.timedelta(days=rule.value):
                problems.append(_("The notice of %(n)s days posted on %(start)s ends on %(date)s; the activist "
                                  "can be registered from then.") % {
                    "n": rule.value, "start": _d(start), "date": _d(start + datetime.timedelta(days=rule.value))})
    elif kind == K.CANDIDATE_DECISION:
        rule = state.rule("activist_min_months", date)
        ends = add_months(person.activist_date, rule.value)
        if date < ends:
            problems.append(_("The activist period of %(n)s months ends on %(date)s; the candidate decision is "
                              "possible from then.") % {"n": rule.value, "date": _d(ends)})
    elif kind == K.TRAINING:
        days_rule, hours_rule = state.rule("training_min_days", date), state.rule("training_min_hours", date)
        extra = data.get("extra") or {}
        days, hours = extra.get("days") or 0, extra.get("hours") or 0
        if days < days_rule.value and hours < hours_rule.value:
            problems.append(_("Concentrated training must last at least %(d)s days or %(h)s class hours; "
                              "%(days)s days and %(hours)s hours were entered.") % {
                "d": days_rule.value, "h": hours_rule.value, "days": days, "hours": hours})
    elif kind == K.BRANCH_VOTE:
        ends = state.notice_end(state.last(K.PUBLIC_NOTICE))
        if ends and date <= ends:
            problems.append(_("The public notice runs until %(date)s; the branch general meeting can vote after "
                              "that.") % {"date": _d(ends)})
    elif kind == K.COMMITTEE_APPROVAL:
        vote = state.admission_vote(date)
        if vote and date > state.approval_deadline(vote):      # normally caught as a lapse already
            problems.append(_lapse_message(state._lapse(vote)))
    elif kind == K.FULL_VOTE:
        ends = state.probation_end()
        if ends and date < ends:
            problems.append(_("Probation ends on %(date)s; the full-membership vote is possible from then.")
                            % {"date": _d(ends)})
    elif kind == K.FULL_APPROVAL and state.last(K.FULL_VOTE):
        vote = state.last(K.FULL_VOTE)
        rule = state.rule("approval_max_months", vote.date)
        latest = add_months(vote.date, rule.value)
        if date > latest:
            problems.append(_("Approval is possible at most %(n)s months after the branch resolution of "
                              "%(vote)s, that is until %(date)s; the branch must redo the procedure.")
                            % {"n": rule.value, "vote": _d(vote.date), "date": _d(latest)})
    elif kind == K.PROBATION_EXTENDED:
        lo, hi = state.rule("extension_min_months", date), state.rule("extension_max_months", date)
        months = (data.get("extra") or {}).get("months")
        if not months or not (lo.value <= months <= hi.value):
            problems.append(_("An extension of probation is at least %(lo)s and at most %(hi)s months.")
                            % {"lo": lo.value, "hi": hi.value})
    restart = state.restart(date)
    if kind in ATTEMPT_KINDS and restart and restart.reason == "not_approved" and date < restart.date:
        problems.append(_("%(step)s cannot be dated before the decision of the higher committee that restarted "
                          "the procedure (%(date)s).") % {"step": _label(kind), "date": _d(restart.date)})
    if kind in (K.ACTIVIST_SELECTION, K.CANDIDATE_DECISION, K.BRANCH_VOTE) and person.application_date \
            and date < person.application_date:
        problems.append(_("%(step)s cannot be dated before the application (%(date)s).")
                        % {"step": _label(kind), "date": _d(person.application_date)})
    return problems


def _check_people(kind: str, person: Person, people: list[Person], date: datetime.date) -> list[str]:
    if len(people) != 2 or len({p.pk for p in people}) != 2:
        return [_("Choose two full members.")]
    problems = []
    for p in people:
        if p.pk == person.pk or p.status != S.FULL:
            problems.append(_("%(name)s is not a full member and cannot be a contact or sponsor.") % {"name": p.name})
    if kind == K.SPONSORS_ASSIGNED:
        suspended = suspended_voters(person.unit_id, date)
        for p in people:
            if p.pk in suspended:
                problems.append(_("%(name)s is on probation within the party on %(date)s and cannot be a sponsor.")
                                % {"name": p.name, "date": date.isoformat()})
    return problems


# Providers of voting-right suspensions, registered by higher apps (discipline: probation within the party,
# 留党察看): fn(unit_id, date) -> the pks of people of that unit who may not vote, elect or be elected on ``date``.
vote_suspensions: list = []


def register_vote_suspension(fn) -> None:
    if fn not in vote_suspensions:
        vote_suspensions.append(fn)


def suspended_voters(unit_id: int, date: datetime.date) -> set[int]:
    return {pk for fn in vote_suspensions for pk in fn(unit_id, date)}


def entitled_voters(unit_id: int, date: datetime.date, exclude_pk: int | None = None) -> int:
    """Full members of the unit entitled to vote on ``date``: status full with full membership on or before it,
    without a suspension of their voting rights."""
    qs = Person.objects.filter(unit_id=unit_id, status=S.FULL, full_member_date__lte=date).exclude(pk=exclude_pk)
    suspended = suspended_voters(unit_id, date)
    return (qs.exclude(pk__in=suspended) if suspended else qs).count()


def _entitled(person: Person, date: datetime.date) -> int:
    """Full members of the person's unit on ``date`` entitled to vote (the person excluded)."""
    return entitled_voters(person.unit_id, date, exclude_pk=person.pk)


# ---------------------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def pipeline_record_step(*, actor, person: Person, kind: str, date: datetime.date, **data) -> DevelopmentStep:
    """Record one development step; move the status when the step does. Refuses illegal or early moves."""
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise ValueError(f"pipeline_record_step: unknown data {sorted(unknown)}")
    if kind not in TRANSITIONS:
        raise PipelineError(_("Unknown development step %(k)s.") % {"k": kind})
    person = Person.objects.select_for_update().select_related("unit").get(pk=person.pk)
    state = pipeline_state(person)
    t = TRANSITIONS[kind]
    problem = structural_problem(kind, state, on=date)
    if problem:
        raise PipelineError(problem)
    problems = _date_problems(kind, date, state, data)
    people = list(data.get("related_people") or [])
    if t.needs_people:
        problems += _check_people(kind, person, people, date)
    extra = dict(data.get("extra") or {})
    vote = None
    if t.has_vote:
        counts = data.get("vote") or {}
        vote = DevelopmentVote(entitled=_entitled(person, date), **{k: counts.get(k) or 0
                                                                      for k in ("present", "yes", "no", "abstain")})
        try:
            vote.clean()
        except ValidationError as exc:
            problems += exc.messages
        extra["passed"] = vote.passed
    if t.has_conclusion:
        if extra.get("passed") is None:
            problems.append(_("Enter the outcome of %(step)s: passed (approved) or not passed (not approved).")
                            % {"step": _label(kind)})
        extra["passed"] = bool(extra.get("passed", False))
    elif not t.has_vote:
        extra.pop("passed", None)
    if kind == K.ACTIVIST_SELECTION and data.get("notice_start"):
        extra["notice_start"] = data["notice_start"].isoformat()
    if problems:
        raise PipelineError(problems)

    step = DevelopmentStep(person=person, kind=kind, date=date, actor=actor if getattr(actor, "pk", None) else None,
                           note=data.get("note") or "", extra=extra)
    if data.get("document"):
        step.document = data["document"]
    step.full_clean()
    step.save()
    if people:
        step.related_people.set(people)
    if vote is not None:
        vote.step = step
        vote.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=step, after=snapshot(step), unit=person.unit,
                 note=_label(kind))
    _apply_status(actor=actor, person=person, kind=kind, date=date, step=step, state=state)
    return step


def _apply_status(*, actor, person: Person, kind: str, date: datetime.date, step, state: PipelineState) -> None:
    from .services import person_update

    fields: dict = {}
    if kind == K.APPLICATION:
        fields = {"application_date": date}
    elif kind == K.ACTIVIST_SELECTION:
        fields = {"status": S.ACTIVIST, "activist_date": date}
    elif kind == K.CANDIDATE_DECISION:
        fields = {"status": S.CANDIDATE, "candidate_date": date}
    elif kind == K.COMMITTEE_APPROVAL and step.extra.get("passed"):
        # Probation counts from the branch general meeting that admitted the person [Dev2014].
        fields = {"status": S.PROBATIONARY, "admission_date": state.admission_vote(date).date}
    elif kind == K.COMMITTEE_APPROVAL and person.status == S.PROBATIONARY:
        # Not approved for someone moved at the vote under the earlier rule: back to candidate.
        fields = {"status": S.CANDIDATE, "admission_date": None}
    elif kind == K.FULL_APPROVAL and step.extra.get("passed"):
        fields = {"status": S.FULL, "full_member_date": state.probation_end()}
    elif kind == K.PROBATION_CANCELLED:
        fields = {"status": S.PROBATION_CANCELLED, "left_date": date}
    if not fields:
        return
    before = person.status
    person_update(actor=actor, person=person, **fields)
    after = fields.get("status", before)
    if after != before:
        StatusChange.objects.create(person=person, from_status=before, to_status=after, date=date,
                                    actor=step.actor, note=_label(kind), step=step)


def pipeline_restart(state: PipelineState, today: datetime.date | None = None) -> Restart | None:
    """Why the branch has to redo the admission procedure now (a candidate whose last attempt lapsed or was
    not approved and who has no passed vote in the new attempt), or None."""
    if state.person.status != S.CANDIDATE or state.admission_vote(today) is not None:
        return None
    return state.restart(today)


# ---------------------------------------------------------------------------------------------------------
# The timeline: what comes next, by when, and why
# ---------------------------------------------------------------------------------------------------------

@dataclass
class NextItem:
    kind: str
    earliest: datetime.date | None = None
    latest: datetime.date | None = None
    rule: str = ""
    missing: bool = False
    overdue: bool = False
    label: str = field(init=False)

    def __post_init__(self):
        self.label = _label(self.kind)


def pipeline_timeline(state: PipelineState, today: datetime.date | None = None) -> list[NextItem]:
    today = today or timezone.localdate()
    p, items = state.person, []

    def add(kind, earliest=None, latest=None, rule="", missing=False):
        item = NextItem(kind, earliest, latest, rule, missing, overdue=bool(latest and latest < today))
        items.append(item)

    def periodic(kind, key, since):
        r = state.rule(key, today)
        last = state.last(kind)
        due = add_months(last.date if last else since, r.value)
        add(kind, latest=due, rule=_("every %(n)s months (%(src)s)") % {"n": r.value, "src": r.source})

    def committee(vote):
        """A passed vote awaits the committee talk and the approval (within 3, never beyond 6 months)."""
        r, rmax = state.rule("approval_months", vote.date), state.rule("approval_max_months", vote.date)
        if not state.all(K.COMMITTEE_TALK, today):
            add(K.COMMITTEE_TALK, earliest=vote.date, missing=True)
        due, last = add_months(vote.date, r.value), add_months(vote.date, rmax.value)
        add(K.COMMITTEE_APPROVAL, earliest=vote.date, latest=due if today <= due else last,
            rule=_("within %(n)s months of the branch resolution, never beyond %(m)s (%(src)s); probation "
                   "counts from the resolution") % {"n": r.value, "m": rmax.value, "src": r.source})

    if p.status == S.APPLICANT:
        app = state.last(K.APPLICATION)
        if app is None:
            add(K.APPLICATION, missing=True, rule=_("the application starts the procedure"))
        elif not state.all(K.TALK):
            r = state.rule("talk_within_months", app.date)
            add(K.TALK, earliest=app.date, latest=add_months(app.date, r.value), missing=True,
                rule=_("%(n)s month(s) after the application (%(src)s)") % {"n": r.value, "src": r.source})
        else:
            add(K.ACTIVIST_SELECTION, earliest=state.last(K.TALK).date, rule=_("after the talk"))
    elif p.status == S.ACTIVIST:
        if not state.all(K.CONTACTS_ASSIGNED):
            add(K.CONTACTS_ASSIGNED, earliest=p.activist_date, missing=True, rule=_("two full members as contacts"))
        periodic(K.THOUGHT_REPORT, "thought_report_months", p.activist_date)
        periodic(K.INSPECTION, "inspection_months", p.activist_date)
        r = state.rule("activist_min_months", today)
        add(K.CANDIDATE_DECISION, earliest=add_months(p.activist_date, r.value),
            rule=_("%(n)s months after the activist date (%(src)s)") % {"n": r.value, "src": r.source})
    elif p.status == S.CANDIDATE:
        vote = state.admission_vote(today)
        if vote:
            committee(vote)
        else:
            restart = state.restart(today)
            for kind in (K.SPONSORS_ASSIGNED, K.POLITICAL_REVIEW, K.TRAINING, K.PRE_REVIEW, K.PUBLIC_NOTICE,
                         K.VOLUNTEER_FORM, K.BRANCH_COMMITTEE_REVIEW):
                if not state.done(kind, today):
                    rule = ""
                    if kind == K.TRAINING:
                        rule = _("at least %(d)s days or %(h)s class hours") % {
                            "d": state.rule("training_min_days").value, "h": state.rule("training_min_hours").value}
                    elif kind == K.PUBLIC_NOTICE:
                        rule = _("%(n)s working days") % {"n": state.rule("notice_working_days").value}
                    elif kind == K.VOLUNTEER_FORM and restart:
                        rule = restart.message
                    first = None
                    if restart and kind in ATTEMPT_KINDS:
                        first = restart.date + datetime.timedelta(days=1 if restart.reason == "lapsed" else 0)
                    add(kind, earliest=first, missing=True, rule=rule)
        periodic(K.THOUGHT_REPORT, "thought_report_months", p.candidate_date)
        if not vote:
            notice_end = state.notice_end(state.last(K.PUBLIC_NOTICE))
            add(K.BRANCH_VOTE, earliest=notice_end + datetime.timedelta(days=1) if notice_end else None,
                rule=_("after the public notice and every item above"))
    elif p.status == S.PROBATIONARY:
        vote = state.admission_vote(today)
        if not state.done(K.COMMITTEE_APPROVAL, today) and vote:       # moved at the vote under the earlier rule
            committee(vote)
        else:
            if not state.all(K.OATH):
                add(K.OATH, missing=True)
            periodic(K.THOUGHT_REPORT, "thought_report_months", p.admission_date)
            end = state.probation_end()
            refused = state.full_approval_refused()
            extended_since = refused and state.position(state.last(K.PROBATION_EXTENDED)) > state.position(refused)
            if refused and not extended_since:
                rule = _("the higher committee did not approve full membership on %(date)s: the branch may extend "
                         "probation or cancel it") % {"date": _d(refused.date)}
                if len(state.all(K.PROBATION_EXTENDED)) < state.rule("extension_max_count").value:
                    add(K.PROBATION_EXTENDED, earliest=refused.date, rule=rule)
                add(K.PROBATION_CANCELLED, earliest=refused.date, rule=rule)
                return items
            full_vote = state.last(K.FULL_VOTE)
            if not state.done(K.FULL_APPLICATION):
                add(K.FULL_APPLICATION, latest=end, missing=True, rule=_("before the end of probation"))
            if refused or not state.done(K.FULL_VOTE):
                add(K.FULL_VOTE, earliest=end, rule=_("from the end of probation (%(src)s)")
                    % {"src": state.rule("probation_months", p.admission_date).source})
            else:
                if not state.all(K.FULL_NOTICE) or state.last(K.FULL_NOTICE).date < full_vote.date:
                    add(K.FULL_NOTICE, earliest=full_vote.date, missing=True)
                r = state.rule("approval_months", full_vote.date)
                add(K.FULL_APPROVAL, earliest=full_vote.date, latest=add_months(full_vote.date, r.value),
                    rule=_("within %(n)s months of the branch resolution (%(src)s)") % {"n": r.value, "src": r.source})
    return items
