"""Effects of decisions on the member, applied on the effect date (the daily job applies future-dated ones).

- expulsion, removal from the roll, regarded as having left, persuaded to withdraw: the membership ends (status,
  left date; the roll and the dues charges follow the status), and with it every committee position and the
  appointments of the member's user account;
- removal from party posts: the committee positions and appointments end, and no committee post can be taken
  during the impact period (``post_bar``, asked by ``members.committee_services.position_add``);
- probation within the party: voting, electing and being elected are suspended until the end of the period
  (``members.pipeline`` asks ``suspended_person_ids``), and the secretary is reminded before it ends;
- every sanction blocks an "excellent" appraisal in the year it takes effect.

Once: ``case_effect_apply`` runs under the case's row lock and only when ``effect_applied_on`` is empty, so the job
run twice or concurrently applies each effect exactly once.
"""
from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction
from branches.models import Appointment, Reminder
from branches.notifications import notification_send
from branches.services import appointment_end
from members.choices import MEMBER_STATUSES, MemberStatus
from members.committee_services import position_end
from members.models import CommitteePosition, Person, StatusChange
from members.policy import add_months
from members.services import person_update

from .choices import ENDS_MEMBERSHIP, ENDS_POSTS, SANCTION_MEASURES, CaseStatus as C, Measure, ProbationOutcome
from .choices import CaseKind, StepKind as K
from .models import Case, CaseStep
from .cases import _d
from .policy import DisciplinePolicySet

logger = logging.getLogger(__name__)
REMINDER_KIND = "discipline"


def _end_posts(*, actor, case: Case, on: datetime.date) -> tuple[list[int], list[int]]:
    positions, appointments = [], []
    for pos in CommitteePosition.objects.filter(person=case.person, ended_on__isnull=True).order_by("pk"):
        position_end(actor=actor, position=pos, ended_on=max(on, pos.started_on),
                     note=_("Case %(n)s: %(m)s") % {"n": case.number, "m": case.get_measure_display()})
        positions.append(pos.pk)
    if case.account_id:
        for appt in Appointment.objects.filter(user_id=case.account_id, ended_at__isnull=True).order_by("pk"):
            appointment_end(actor=actor, appointment=appt)
            appointments.append(appt.pk)
    return positions, appointments


@transaction.atomic
def case_effect_apply(*, actor, case: Case, today: datetime.date | None = None) -> CaseStep | None:
    """Apply the decision of ``case`` (delivered, effective date reached); None when already applied or not due."""
    today = today or timezone.localdate()
    case = Case.objects.select_for_update().select_related("unit").get(pk=case.pk)
    if case.effect_applied_on or case.status not in (C.DELIVERED, C.APPEALED) or not case.effective_on \
            or case.effective_on > today:
        return None
    on = case.effective_on
    before = snapshot(case)
    person = Person.objects.get(pk=case.person_id)
    extra: dict = {"measure": case.measure}
    notes = []
    new_status = ENDS_MEMBERSHIP.get(case.measure)
    if new_status and person.status in MEMBER_STATUSES:
        extra["status_from"] = person.status
        person_update(actor=actor, person=person, status=new_status, left_date=on)
        StatusChange.objects.create(person=person, from_status=extra["status_from"], to_status=new_status, date=on,
                                    actor=actor if getattr(actor, "pk", None) else None,
                                    note=_("Case %(n)s: %(m)s") % {"n": case.number, "m": case.get_measure_display()})
        notes.append(_("Status: %(s)s.") % {"s": MemberStatus(new_status).label})
    elif new_status:
        notes.append(_("Status unchanged: %(p)s is already %(s)s.") % {"p": person, "s": person.get_status_display()})
    if case.measure in ENDS_POSTS:
        positions, appointments = _end_posts(actor=actor, case=case, on=on)
        extra.update(positions_ended=positions, appointments_ended=appointments)
        notes.append(_("%(p)d committee position(s) and %(a)d appointment(s) ended.")
                     % {"p": len(positions), "a": len(appointments)})
    if case.measure == Measure.PROBATION:
        case.rights_suspended_until = add_months(on, case.probation_months or 0)
        extra["rights_suspended_until"] = case.rights_suspended_until.isoformat()
        notes.append(_("No right to vote, elect or be elected until %(d)s.") % {"d": _d(case.rights_suspended_until)})
    step = CaseStep.objects.create(case=case, kind=K.EFFECT, date=on, from_status=case.status,
                                   to_status=C.EFFECTIVE if case.status == C.DELIVERED else case.status,
                                   actor=actor if getattr(actor, "pk", None) else None, note=" ".join(map(str, notes)),
                                   extra=extra)
    case.status = step.to_status
    case.effect_applied_on = today
    case.save(update_fields=["status", "effect_applied_on", "rights_suspended_until", "updated_at"])
    audit_record(actor=actor, action=AuditAction.STATUS, obj=case, before=before, after=snapshot(case),
                 note=str(K.EFFECT.label))
    return step


def _restore_posts(*, actor, effect: CaseStep, on: datetime.date) -> tuple[list[str], list[str]]:
    """Give back the committee positions and appointments that the revoked decision ended: a new position from the
    revocation date where the term is still current and the seat free (the ended row stays as history), and the
    appointments again. Returns (what was given back, what could not be, with why)."""
    from django.core.exceptions import ValidationError

    from branches.services import appointment_create
    from members.committee_services import position_add

    extra = effect.extra or {}
    done, failed = [], []
    for pos in (CommitteePosition.objects.filter(pk__in=extra.get("positions_ended") or [])
                .select_related("term__unit", "person").order_by("pk")):
        what = f"{pos.term.unit.display_name} {pos.title or pos.get_position_display()}"
        try:
            position_add(actor=actor, term=pos.term, person=pos.person, position=pos.position, title=pos.title,
                         started_on=max(on, pos.term.start_date))
            done.append(what)
        except ValidationError as exc:
            failed.append(f"{what}: {' '.join(exc.messages)}")
    for appt in (Appointment.objects.filter(pk__in=extra.get("appointments_ended") or [])
                 .select_related("unit", "user").order_by("pk")):
        what = f"{appt.unit.display_name} {appt.get_role_display()}"
        try:
            appointment_create(actor=actor, user=appt.user, unit=appt.unit, role=appt.role)
            done.append(what)
        except ValidationError as exc:
            failed.append(f"{what}: {' '.join(exc.messages)}")
    return done, failed


@transaction.atomic
def case_effect_revoke(*, actor, case: Case, step: CaseStep) -> None:
    """A decision revoked on appeal: restore the status it ended, lift a suspension of rights, and give back the
    posts it ended where that is still possible (``_restore_posts``); the appeal step's note says which."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    before = snapshot(case)
    effect = CaseStep.objects.filter(case=case, kind=K.EFFECT).order_by("-pk").first()
    lines: list[str] = []
    if effect is not None:
        status_from = (effect.extra or {}).get("status_from")
        person = Person.objects.get(pk=case.person_id)
        if status_from and person.status == ENDS_MEMBERSHIP.get(case.measure):
            person_update(actor=actor, person=person, status=status_from, left_date=None)
            StatusChange.objects.create(person=person, from_status=ENDS_MEMBERSHIP[case.measure],
                                        to_status=status_from, date=step.date,
                                        actor=actor if getattr(actor, "pk", None) else None,
                                        note=_("Case %(n)s revoked on appeal") % {"n": case.number})
        done, failed = _restore_posts(actor=actor, effect=effect, on=step.date)
        if done:
            lines.append(_("Posts given back: %(l)s.") % {"l": "; ".join(done)})
        if failed:
            lines.append(_("Not given back (the committee re-elects or re-appoints): %(l)s.")
                         % {"l": "; ".join(failed)})
        if lines:
            step.note = "\n".join([step.note, *lines]).strip()
            step.extra = {**(step.extra or {}), "posts_restored": done, "posts_not_restored": failed}
            step.save(update_fields=["note", "extra"])
    if case.rights_suspended_until:
        case.rights_suspended_until = None
        case.save(update_fields=["rights_suspended_until", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=case, before=before, after=snapshot(case),
                 note=" ".join([str(K.APPEAL_RESULT.label), *lines]))


def probation_reviewed(*, actor, case: Case, step: CaseStep) -> Case | None:
    """After the review at the end of probation within the party: rights restored (the suspension ends on the
    review date at the latest) or a new sanction case proposing expulsion, linked to this one."""
    from .cases import case_open

    if step.extra.get("outcome") == ProbationOutcome.RESTORE:
        if case.rights_suspended_until and case.rights_suspended_until > step.date:
            Case.objects.filter(pk=case.pk).update(rights_suspended_until=step.date)
        return None
    return case_open(actor=actor, person=case.person, kind=CaseKind.SANCTION, opened_on=step.date,
                     summary=_("Probation within the party (case %(n)s) reviewed: expulsion proposed. %(note)s")
                     % {"n": case.number, "note": step.note}, account=case.account, source=case,
                     source_note=_("Review of probation within the party"))


def effects_due(today: datetime.date):
    return (Case.objects.filter(effect_applied_on__isnull=True, effective_on__lte=today,
                                status__in=(C.DELIVERED, C.APPEALED)).order_by("effective_on", "pk"))


def discipline_effects_apply(today: datetime.date | None = None) -> int:
    """The daily job: apply every decision whose effect date has come. Idempotent; returns how many were applied."""
    today = today or timezone.localdate()
    applied = 0
    for case in list(effects_due(today)):
        try:
            if case_effect_apply(actor=None, case=case, today=today) is not None:
                applied += 1
        except Exception:  # one bad case must not stop the others; it is retried the next day
            logger.exception("Could not apply the effect of case %s", case.pk)
    return applied


# -- rights under probation within the party -----------------------------------------------------------------------

def suspended_person_ids(unit_id: int, date: datetime.date) -> list[int]:
    """People now in ``unit_id`` without the right to vote, elect or be elected on ``date`` (one query): the case
    follows the member when they are transferred."""
    return list(Case.objects.filter(person__unit_id=unit_id, measure=Measure.PROBATION, effect_applied_on__isnull=False,
                                    effective_on__lte=date, rights_suspended_until__gt=date)
                .exclude(status=C.REVOKED).values_list("person_id", flat=True))


def is_suspended(person: Person, date: datetime.date | None = None) -> Case | None:
    date = date or timezone.localdate()
    return (Case.objects.filter(person=person, measure=Measure.PROBATION, effect_applied_on__isnull=False,
                                effective_on__lte=date, rights_suspended_until__gt=date)
            .exclude(status=C.REVOKED).first())


def sanction_in_year(person: Person, year: int) -> Case | None:
    """A sanction that took effect in ``year`` (blocks an "excellent" appraisal that year)."""
    return (Case.objects.filter(person=person, measure__in=SANCTION_MEASURES, effect_applied_on__isnull=False,
                                effective_on__year=year).exclude(status=C.REVOKED).first())


IMPACT_KEYS = {
    Measure.WARNING: "impact_warning_months",
    Measure.SERIOUS_WARNING: "impact_serious_warning_months",
    Measure.REMOVAL_FROM_POSTS: "impact_removal_from_posts_months",
    Measure.EXPULSION: "impact_expulsion_months",
}


def impact_end(case: Case, policy: DisciplinePolicySet | None = None) -> datetime.date | None:
    """The end of the impact period (影响期) of a sanction in effect (policy data, from the effective date); for
    probation within the party, the end of the probation; None when the measure has none or it is not in effect."""
    if not case.effect_applied_on or not case.effective_on or case.status == C.REVOKED:
        return None
    if case.measure == Measure.PROBATION:
        return case.rights_suspended_until
    key = IMPACT_KEYS.get(case.measure)
    if key is None:
        return None
    policy = policy or DisciplinePolicySet(case.unit)
    return add_months(case.effective_on, policy.value(key, case.effective_on))


def post_bar(person: Person, date: datetime.date) -> str | None:
    """Why ``person`` cannot take a party post on ``date``: removed from party posts, within the impact period (no
    comparable or higher post meanwhile; every committee post of a branch counts as comparable). None otherwise."""
    cases = (Case.objects.filter(person=person, measure=Measure.REMOVAL_FROM_POSTS, effect_applied_on__isnull=False,
                                 effective_on__lte=date).exclude(status=C.REVOKED).select_related("unit")
             .order_by("-effective_on"))
    for case in cases:
        end = impact_end(case)
        if end and date < end:
            return (_("%(p)s was removed from party posts by case %(n)s (in effect from %(d)s): no comparable post "
                      "until %(e)s.") % {"p": person, "n": case.number, "d": _d(case.effective_on), "e": _d(end)})
    return None


# -- reminders -----------------------------------------------------------------------------------------------------

def _remind_once(*, unit, key: str, recipients, title: str, body: str, url: str) -> bool:
    if not recipients:
        return False
    try:
        with transaction.atomic():
            _row, created = Reminder.objects.get_or_create(unit=unit, kind=REMINDER_KIND, key=key)
            if not created:
                return False
            notification_send(recipients=recipients, title=title, body=body, url=url, unit=unit)
    except IntegrityError:
        return False
    return True


def discipline_recipients(unit) -> list:
    from branches.choices import Role
    from branches.notifications import unit_secretaries

    return unit_secretaries(unit, roles=(Role.SECRETARY, Role.DISCIPLINE_OFFICER))


def discipline_reminders_send(today: datetime.date | None = None) -> int:
    """Reminders, each once: an answer due soon, an answer overdue, probation within the party ending soon."""
    from .choices import LetterStatus
    from .models import IntegrityLetter

    today = today or timezone.localdate()
    sent = 0
    sent_keys = set(Reminder.objects.filter(kind=REMINDER_KIND).values_list("key", flat=True))
    rows = DisciplinePolicySet.all_rows()           # the rules of every unit below resolve from these (one query)
    letters = IntegrityLetter.objects.filter(status=LetterStatus.ISSUED).select_related("unit", "person")
    for letter in letters:
        lead = DisciplinePolicySet(letter.unit, rows=rows).value("letter_lead_days", today)
        if today > letter.due_on:
            key, title = f"letter:{letter.pk}:overdue", _("%(p)s: the answer to %(n)s was due on %(d)s") % {
                "p": letter.person, "n": letter.number, "d": _d(letter.due_on)}
        elif today >= letter.due_on - datetime.timedelta(days=lead):
            key, title = f"letter:{letter.pk}:due", _("%(p)s: the answer to %(n)s is due on %(d)s") % {
                "p": letter.person, "n": letter.number, "d": _d(letter.due_on)}
        else:
            continue
        if key in sent_keys:
            continue
        if _remind_once(unit=letter.unit, key=key, recipients=discipline_recipients(letter.unit), title=title,
                        body=letter.get_kind_display(), url=letter.get_absolute_url()):
            sent += 1
    cases = Case.objects.filter(measure=Measure.PROBATION, status=C.EFFECTIVE,
                                rights_suspended_until__isnull=False).select_related("unit", "person")
    for case in cases:
        lead = DisciplinePolicySet(case.unit, rows=rows).value("probation_review_lead_days", today)
        if today < case.rights_suspended_until - datetime.timedelta(days=lead):
            continue
        key = f"case:{case.pk}:probation_end:{case.rights_suspended_until.isoformat()}"
        if key in sent_keys:
            continue
        title = _("%(p)s: probation within the party ends on %(d)s; review it: restore the rights or expel") % {
            "p": case.person, "d": _d(case.rights_suspended_until)}
        if _remind_once(unit=case.unit, key=key, recipients=discipline_recipients(case.unit), title=title,
                        body=case.number, url=case.get_absolute_url()):
            sent += 1
    return sent
