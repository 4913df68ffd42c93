"""Democratic appraisal (民主评议党员): a yearly appraisal per unit, one entry per member on the roll.

Each entry has the member's self-assessment, the meeting's counts per grade and the grade decided. A sanction that
took effect that year blocks "excellent". Reporting the results upward notifies the higher committee and opens an
organizational-handling case (kind appraisal) for each member graded unqualified, linked to the entry.
"""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, Role
from branches.models import Unit
from branches.notifications import notification_send, unit_secretaries
from branches.permissions import DISCIPLINE_CHANGE
from branches.scope import has_perm
from members.choices import MEMBER_STATUSES
from members.models import Person

from .choices import AppraisalStatus, CaseKind, Grade
from .models import Appraisal, AppraisalEntry


class AppraisalError(ValidationError):
    pass


def _check_actor(actor, unit):
    if actor is not None and getattr(actor, "pk", None) and not has_perm(actor, DISCIPLINE_CHANGE, unit):
        raise AppraisalError(_("You may not record democratic appraisals in %(u)s.") % {"u": unit})


@transaction.atomic
def appraisal_create(*, actor, unit: Unit, year: int, held_on: datetime.date, note: str = "") -> Appraisal:
    """Create the appraisal with one entry per member on the roll of ``unit`` on the day."""
    _check_actor(actor, unit)
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("The date cannot be in the future.")
    if held_on.year not in (year, year + 1):
        errors["held_on"] = _("The appraisal of %(y)s is held in %(y)s or early in the next year.") % {"y": year}
    if Appraisal.objects.filter(unit=unit, year=year).exists():
        errors["year"] = _("%(u)s already has an appraisal for %(y)s.") % {"u": unit, "y": year}
    if errors:
        raise AppraisalError(errors)
    appraisal = Appraisal(unit=unit, year=year, held_on=held_on, note=note,
                          created_by=actor if getattr(actor, "pk", None) else None)
    appraisal.full_clean()
    try:
        with transaction.atomic():
            appraisal.save()
    except IntegrityError as exc:
        raise AppraisalError({"year": _("%(u)s already has an appraisal for %(y)s.") % {"u": unit, "y": year}}) from exc
    people = Person.objects.filter(unit=unit, status__in=MEMBER_STATUSES).order_by("name", "pk")
    AppraisalEntry.objects.bulk_create([AppraisalEntry(appraisal=appraisal, person=p) for p in people])
    audit_record(actor=actor, action=AuditAction.CREATE, obj=appraisal, after=snapshot(appraisal))
    return appraisal


@transaction.atomic
def appraisal_entry_record(*, actor, entry: AppraisalEntry, grade: str, self_assessment: str = "",
                           votes_excellent: int = 0, votes_qualified: int = 0, votes_basic: int = 0,
                           votes_unqualified: int = 0) -> AppraisalEntry:
    from .effects import sanction_in_year

    entry = AppraisalEntry.objects.select_for_update().select_related("appraisal__unit", "person").get(pk=entry.pk)
    appraisal = entry.appraisal
    _check_actor(actor, appraisal.unit)
    if appraisal.status != AppraisalStatus.DRAFT:
        raise AppraisalError(_("The results were reported on %(d)s and can no longer be changed.")
                             % {"d": appraisal.reported_on})
    errors = {}
    if grade not in Grade.values:
        errors["grade"] = _("Choose a grade.")
    if grade == Grade.EXCELLENT:
        case = sanction_in_year(entry.person, appraisal.year)
        if case:
            errors["grade"] = _("%(p)s received a sanction in %(y)s (%(m)s, case %(n)s) and cannot be graded "
                                "excellent this year.") % {"p": entry.person, "y": appraisal.year,
                                                           "m": case.get_measure_display(), "n": case.number}
    counts = dict(votes_excellent=votes_excellent, votes_qualified=votes_qualified, votes_basic=votes_basic,
                  votes_unqualified=votes_unqualified)
    if any((v or 0) < 0 for v in counts.values()):
        errors["__all__"] = _("Vote counts cannot be negative.")
    if errors:
        raise AppraisalError(errors)
    before = snapshot(entry)
    entry.grade, entry.self_assessment = grade, (self_assessment or "").strip()
    for k, v in counts.items():
        setattr(entry, k, v or 0)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=entry, before=before, after=snapshot(entry),
                 unit=appraisal.unit)
    return entry


@transaction.atomic
def appraisal_report(*, actor, appraisal: Appraisal, reported_on: datetime.date | None = None) -> list:
    """Report the results upward (once); open an organizational-handling case per unqualified member."""
    from .cases import case_open

    appraisal = Appraisal.objects.select_for_update().select_related("unit").get(pk=appraisal.pk)
    _check_actor(actor, appraisal.unit)
    reported_on = reported_on or timezone.localdate()
    if appraisal.status != AppraisalStatus.DRAFT:
        raise AppraisalError(_("The results were already reported on %(d)s.") % {"d": appraisal.reported_on})
    entries = list(appraisal.entries.select_related("person"))
    missing = [e.person.name for e in entries if not e.grade]
    if missing:
        raise AppraisalError(_("Grade every member before reporting; still without a grade: %(n)s.")
                             % {"n": "、".join(missing)})
    before = snapshot(appraisal)
    appraisal.status, appraisal.reported_on = AppraisalStatus.REPORTED, reported_on
    appraisal.save(update_fields=["status", "reported_on"])
    audit_record(actor=actor, action=AuditAction.STATUS, obj=appraisal, before=before, after=snapshot(appraisal))
    cases = []
    for entry in entries:
        if entry.grade == Grade.UNQUALIFIED and entry.person.status in MEMBER_STATUSES:
            cases.append(case_open(
                actor=actor, person=entry.person, kind=CaseKind.APPRAISAL, opened_on=reported_on,
                summary=_("Graded unqualified in the democratic appraisal of %(y)s (%(u)s): %(v)d of %(t)d votes "
                          "unqualified.") % {"y": appraisal.year, "u": appraisal.unit, "v": entry.votes_unqualified,
                                             "t": entry.total_votes},
                source=entry, source_note=_("Democratic appraisal %(y)s") % {"y": appraisal.year}))
    parent = Unit.objects.get_parent(appraisal.unit)
    if parent is not None:
        notification_send(recipients=unit_secretaries(parent, roles=(Role.SECRETARY, Role.REVIEWER,
                                                                     Role.DISCIPLINE_OFFICER)),
                          title=_("%(u)s reported its democratic appraisal of %(y)s") % {
                              "u": appraisal.unit, "y": appraisal.year},
                          body=_("%(n)d member(s) unqualified.") % {"n": len(cases)},
                          url=appraisal.get_absolute_url(), unit=appraisal.unit)
    return cases


def grade_counts(entries) -> dict[str, int]:
    counts = {g: 0 for g in Grade.values}
    for e in entries:
        if e.grade:
            counts[e.grade] += 1
    return counts
