"""Integrity-risk prevention [seed 004]: inquiry letters, warning-and-admonition notices, orders to correct.

A letter is issued with its deadline (``answer_days`` for an inquiry or admonition, ``correction_months`` for an
order to correct: policy data); talks (at least 2 officials, repeat talks allowed), the written answer or
correction report, and the closure are LetterEvent rows. Moves: issued -> answered -> closed; talks at any time
before the closure. Reminders before and after the deadline: ``discipline.effects.discipline_reminders_send``.
"""
from __future__ import annotations

import datetime
import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction
from branches.permissions import DISCIPLINE_CHANGE
from branches.scope import has_perm
from members.models import Person
from members.policy import add_months

from .choices import LetterEventKind as E, LetterKind, LetterStatus as S
from .models import IntegrityLetter, LetterEvent
from .policy import DisciplinePolicySet

MIN_OFFICIALS = 2
LETTER_TRANSITIONS = {
    E.TALK: ((S.ISSUED, S.ANSWERED), None),
    E.ANSWER: ((S.ISSUED,), S.ANSWERED),
    E.CLOSED: ((S.ANSWERED,), S.CLOSED),
}


class LetterError(ValidationError):
    pass


def letter_due(unit, kind: str, issued_on: datetime.date) -> datetime.date:
    policy = DisciplinePolicySet(unit)
    if kind == LetterKind.CORRECTION:
        return add_months(issued_on, policy.value("correction_months", issued_on))
    return issued_on + datetime.timedelta(days=policy.value("answer_days", issued_on))


def split_officials(text: str) -> list[str]:
    return [n for n in (p.strip() for p in re.split(r"[,，、;；\n]+", text or "")) if n]


def _check_actor(actor, unit):
    if actor is not None and getattr(actor, "pk", None) and not has_perm(actor, DISCIPLINE_CHANGE, unit):
        raise LetterError(_("You may not handle integrity-risk letters in %(u)s.") % {"u": unit})


@transaction.atomic
def letter_issue(*, actor, person: Person, kind: str, issued_on: datetime.date, matter: str) -> IntegrityLetter:
    person = Person.objects.select_related("unit").get(pk=person.pk)
    _check_actor(actor, person.unit)
    errors = {}
    if kind not in LetterKind.values:
        errors["kind"] = _("Choose the kind of letter.")
    if issued_on > timezone.localdate():
        errors["issued_on"] = _("The date cannot be in the future.")
    if not (matter or "").strip():
        errors["matter"] = _("State the matter reported and what the person must do.")
    if errors:
        raise LetterError(errors)
    letter = IntegrityLetter(number=uuid.uuid4().hex[:20], kind=kind, person=person, unit=person.unit,
                             issued_on=issued_on, matter=matter.strip(),
                             due_on=letter_due(person.unit, kind, issued_on),
                             created_by=actor if getattr(actor, "pk", None) else None)
    letter.full_clean()
    letter.save()
    prefix = {LetterKind.INQUIRY: "XW", LetterKind.ADMONITION: "JS", LetterKind.CORRECTION: "JC"}[kind]
    letter.number = f"{prefix}{issued_on.year}-{letter.pk:05d}"
    letter.save(update_fields=["number"])
    LetterEvent.objects.create(letter=letter, kind=E.ISSUED, date=issued_on, note=letter.matter,
                               actor=letter.created_by)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=letter, after=snapshot(letter))
    return letter


@transaction.atomic
def letter_record(*, actor, letter: IntegrityLetter, kind: str, date: datetime.date, note: str = "",
                  officials: str = "", document=None) -> LetterEvent:
    """Record a talk, the written answer (or correction report) or the closure; refuses illegal moves."""
    letter = IntegrityLetter.objects.select_for_update().select_related("unit").get(pk=letter.pk)
    _check_actor(actor, letter.unit)
    if kind not in LETTER_TRANSITIONS:
        raise LetterError(_("Unknown entry."))
    statuses, to_status = LETTER_TRANSITIONS[kind]
    if letter.status not in statuses:
        raise LetterError(_("%(e)s is not possible while the letter is “%(s)s”.") % {
            "e": E(kind).label, "s": letter.get_status_display()})
    errors: dict = {}
    if date > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    if date < letter.issued_on:
        errors.setdefault("date", []).append(_("The date cannot be before the letter was issued (%(d)s).")
                                             % {"d": letter.issued_on})
    note = (note or "").strip()
    names = split_officials(officials)
    if kind == E.TALK:
        if len(set(names)) < MIN_OFFICIALS:
            errors["officials"] = [_("A talk needs at least %(n)d officials; enter their names separated by commas.")
                                   % {"n": MIN_OFFICIALS}]
        if not note and not document:
            errors["note"] = [_("Enter the talk record or attach it.")]
    if kind == E.ANSWER and not note and not document:
        errors["note"] = [_("Enter the written answer or attach it.")]
    if kind == E.CLOSED and not note:
        errors["note"] = [_("Say how the matter was concluded.")]
    if errors:
        raise LetterError(errors)
    repeat = kind == E.TALK and letter.events.filter(kind=E.TALK).exists()
    event = LetterEvent(letter=letter, kind=kind, date=date, note=note, officials="、".join(names), repeat=repeat,
                        actor=actor if getattr(actor, "pk", None) else None)
    if document:
        event.document = document
    event.full_clean()
    event.save()
    if to_status:
        before = snapshot(letter)
        letter.status = to_status
        letter.save(update_fields=["status"])
        audit_record(actor=actor, action=AuditAction.STATUS, obj=letter, before=before, after=snapshot(letter),
                     note=str(E(kind).label))
    else:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=letter, note=str(E(kind).label))
    return event


def letter_deadline_text(letter: IntegrityLetter, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    if letter.status != S.ISSUED:
        return ""
    days = (letter.due_on - today).days
    if days < 0:
        return _("overdue by %(n)d days (due %(d)s)") % {"n": -days, "d": letter.due_on.isoformat()}
    return _("due on %(d)s; %(n)d days left") % {"d": letter.due_on.isoformat(), "n": days}
