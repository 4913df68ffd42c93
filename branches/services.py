"""Writes to the org tree and to appointments. Every write is audited."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import registry
from .audit import audit_record, snapshot
from .choices import AuditAction, UnitCategory, UnitKind
from .models import ALLOWED_CHILDREN, Appointment, CommitteeTerm, Unit
from .scope import clear_cache

UNIT_EDITABLE_FIELDS = (
    "code", "name", "short_name", "kind", "system", "category", "established_on", "contact_person",
    "phone", "email", "address", "notes",
)


@transaction.atomic
def unit_create(*, actor, parent: Unit | None, **fields) -> Unit:
    """Create a unit under ``parent`` (or a root when parent is None)."""
    unit = Unit(**fields)
    kind = fields.get("kind")
    if parent is not None:
        parent = Unit.objects.select_for_update().get(pk=parent.pk)
        if parent.is_dissolved:
            raise ValidationError(_("%(p)s has been dissolved; new units cannot be added under it.") % {"p": parent})
        if not parent.may_hold(kind):
            raise ValidationError({"kind": _("A %(child)s cannot be placed under a %(parent)s.") % {
                "child": UnitKind(kind).label, "parent": UnitKind(parent.kind).label}})
    elif kind != UnitKind.COMMITTEE:
        raise ValidationError({"kind": _("Only a committee can stand at the top of the tree.")})
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit = Unit.objects.add_child(parent, instance=unit) if parent is not None else Unit.objects.add_root(instance=unit)
    audit_record(actor=actor, action=AuditAction.CREATE, obj=unit, after=snapshot(unit))
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, **fields) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit)
    for name, value in fields.items():
        if name not in UNIT_EDITABLE_FIELDS:
            raise ValueError(f"unit_update cannot change {name}")
        setattr(unit, name, value)
    if "kind" in fields and unit.kind != before["kind"]:
        parent = Unit.objects.get_parent(unit)
        if parent is not None and not parent.may_hold(unit.kind):
            raise ValidationError({"kind": _("A %(child)s cannot be placed under a %(parent)s.") % {
                "child": UnitKind(unit.kind).label, "parent": UnitKind(parent.kind).label}})
        child_kinds = set(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
                          .values_list("kind", flat=True))
        if child_kinds - ALLOWED_CHILDREN.get(unit.kind, set()):
            raise ValidationError({"kind": _("A %(kind)s cannot hold the child units this unit has; move them first.")
                                   % {"kind": UnitKind(unit.kind).label}})
        if unit.kind == UnitKind.PARTY_GROUP and registry.unit_active_people(unit):
            raise ValidationError({"kind": _("People belong to this unit; a party group cannot hold people directly. "
                                             "Move them first.")})
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save()
    after = snapshot(unit)
    if after != before:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=unit, before=before, after=after)
    return unit


@transaction.atomic
def appointment_create(*, actor, user, unit: Unit, role: str) -> Appointment:
    """Give ``user`` the ``role`` on ``unit`` (and everything below). Idempotent for an active appointment."""
    if unit.is_dissolved:
        raise ValidationError(_("%(u)s has been dissolved; appointments cannot be made there.") % {"u": unit})
    existing = Appointment.objects.filter(user=user, unit=unit, role=role, ended_at__isnull=True).first()
    if existing:
        return existing
    appt = Appointment(user=user, unit=unit, role=role, created_by=actor if getattr(actor, "pk", None) else None)
    appt.full_clean()
    appt.save()
    audit_record(actor=actor, action=AuditAction.APPOINT, obj=appt, after=snapshot(appt))
    clear_cache(user)
    return appt


@transaction.atomic
def appointment_end(*, actor, appointment: Appointment) -> Appointment:
    """End an appointment. The row stays as history."""
    appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appt.ended_at is not None:
        return appt
    before = snapshot(appt)
    appt.ended_at = timezone.now()
    appt.ended_by = actor if getattr(actor, "pk", None) else None
    appt.save(update_fields=["ended_at", "ended_by"])
    audit_record(actor=actor, action=AuditAction.END, obj=appt, before=before, after=snapshot(appt))
    clear_cache(appt.user)
    return appt


# --- moving, merging and dissolving units ---------------------------------------------------------

def _kind(kind: str) -> str:
    return str(UnitKind(kind).label)


def unit_move_check(unit: Unit, parent: Unit) -> None:
    """Raise a ValidationError saying why ``unit`` cannot move under ``parent`` (nothing when it can)."""
    if unit.is_dissolved:
        raise ValidationError(_("%(u)s has been dissolved; a dissolved unit stays where it was.") % {"u": unit})
    if parent.pk == unit.pk or parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or under one of its own "
                                           "subordinate units (%(p)s is inside %(u)s).") % {"p": parent, "u": unit}})
    if parent.is_dissolved:
        raise ValidationError({"parent": _("%(p)s has been dissolved; units cannot be moved under it.")
                                         % {"p": parent}})
    if not parent.may_hold(unit.kind):
        raise ValidationError({"parent": _("A %(child)s cannot be placed under a %(parent)s (%(p)s).") % {
            "child": _kind(unit.kind), "parent": _kind(parent.kind), "p": parent}})
    if unit.depth == parent.depth + 1 and unit.path.startswith(parent.path):
        raise ValidationError({"parent": _("%(u)s is already directly under %(p)s.") % {"u": unit, "p": parent}})


@transaction.atomic
def unit_move(*, actor, unit: Unit, parent: Unit, note: str = "") -> Unit:
    """Move ``unit`` with everything below it under ``parent``."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    parent = Unit.objects.select_for_update().get(pk=parent.pk)
    unit_move_check(unit, parent)
    unit.full_clean(exclude=["path", "depth", "numchild"])
    old_parent = Unit.objects.get_parent(unit)
    before = {**snapshot(unit), "parent": str(old_parent) if old_parent else None}
    Unit.objects.move(unit, parent, "sorted-child")
    unit = Unit.objects.get(pk=unit.pk)
    audit_record(actor=actor, action=AuditAction.MOVE, obj=unit, before=before,
                 after={**snapshot(unit), "parent": str(parent)}, note=note)
    if actor is not None:
        clear_cache(actor)
    return unit


def unit_merge_check(unit: Unit, target: Unit) -> None:
    """Raise a ValidationError saying why ``unit`` cannot be merged into ``target``."""
    if unit.is_dissolved:
        raise ValidationError(_("%(u)s has already been dissolved.") % {"u": unit})
    if target.pk == unit.pk or target.path.startswith(unit.path):
        raise ValidationError({"target": _("A unit cannot be merged into itself or into one of its own subordinate "
                                           "units (%(t)s is inside %(u)s).") % {"t": target, "u": unit}})
    if target.is_dissolved:
        raise ValidationError({"target": _("%(t)s has been dissolved.") % {"t": target}})
    if target.kind != unit.kind:
        raise ValidationError({"target": _("A %(kind)s can only be merged into another %(kind)s; %(t)s is a "
                                           "%(tkind)s.") % {"kind": _kind(unit.kind), "t": target,
                                                            "tkind": _kind(target.kind)}})


@transaction.atomic
def unit_merge(*, actor, unit: Unit, target: Unit, on: datetime.date | None = None, note: str = "") -> Unit:
    """Merge ``unit`` INTO ``target``: move its child units, people and current appointments to the
    target, then dissolve it with a note. Returns the (dissolved) source unit."""
    on = on or timezone.localdate()
    first, second = sorted([unit.pk, target.pk])
    locked = {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=[first, second])}
    unit, target = locked[unit.pk], locked[target.pk]
    unit_merge_check(unit, target)
    why = _("Merged into %(t)s (%(code)s).") % {"t": target, "code": target.code}
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).active())
    for child in children:
        unit_move(actor=actor, unit=child, parent=target, note=why)
    unit.refresh_from_db()
    target.refresh_from_db()
    people = registry.unit_people_merge(actor=actor, source=unit, target=target, note=why)
    appointments = list(Appointment.objects.filter(unit=unit, ended_at__isnull=True).select_related("user"))
    for appt in appointments:
        appointment_create(actor=actor, user=appt.user, unit=target, role=appt.role)
        appointment_end(actor=actor, appointment=appt)
    summary = _("%(units)s, %(people)s and %(appts)s moved to %(t)s.") % {
        "units": ngettext("%(n)d child unit", "%(n)d child units", len(children)) % {"n": len(children)},
        "people": ngettext("%(n)d person", "%(n)d people", people) % {"n": people},
        "appts": ngettext("%(n)d appointment", "%(n)d appointments", len(appointments)) % {"n": len(appointments)},
        "t": target}
    full_note = " ".join(x for x in [why, summary, note.strip()] if x)
    unit = unit_dissolve(actor=actor, unit=unit, on=on, note=full_note)
    audit_record(actor=actor, action=AuditAction.MERGE, obj=unit, note=full_note,
                 before={"merged_into": None}, after={"merged_into": str(target)})
    audit_record(actor=actor, action=AuditAction.MERGE, obj=target, note=_("%(u)s (%(code)s) merged into this unit. "
                                                                             "%(summary)s") % {
        "u": unit, "code": unit.code, "summary": summary})
    return unit


def unit_dissolve_blockers(unit: Unit) -> tuple[int, int]:
    """(active people, non-dissolved child units) that must be moved before ``unit`` can be dissolved."""
    people = registry.unit_active_people(unit)
    children = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).active().count()
    return people, children


def unit_dissolve_check(unit: Unit) -> None:
    if unit.is_dissolved:
        raise ValidationError(_("%(u)s was already dissolved on %(d)s.") % {"u": unit, "d": unit.dissolved_on})
    people, children = unit_dissolve_blockers(unit)
    if people or children:
        parts = []
        if people:
            parts.append(ngettext("%(n)d person on the roll or in the pipeline",
                                  "%(n)d people on the roll or in the pipeline", people) % {"n": people})
        if children:
            parts.append(ngettext("%(n)d child unit", "%(n)d child units", children) % {"n": children})
        what = parts[0] if len(parts) == 1 else _("%(a)s and %(b)s") % {"a": parts[0], "b": parts[1]}
        raise ValidationError(_("%(u)s cannot be dissolved yet: move its %(what)s first.") % {"u": unit, "what": what},
                              code="not_empty")


@transaction.atomic
def unit_dissolve(*, actor, unit: Unit, on: datetime.date | None = None, note: str = "") -> Unit:
    """Dissolve ``unit`` on ``on`` (default today). Refused while people or live child units remain.
    The unit stays readable; its current committee term and appointments end."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    unit_dissolve_check(unit)
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"dissolved_on": _("The dissolution date cannot be in the future.")})
    before = snapshot(unit)
    unit.dissolved_on = on
    note = (note or "").strip()
    if note:
        unit.notes = f"{unit.notes.rstrip()}\n[{on.isoformat()}] {note}".strip()
    unit.full_clean(exclude=["path", "depth", "numchild"])
    for term in CommitteeTerm.objects.select_for_update().filter(unit=unit, ended_on__isnull=True):
        _term_end(actor=actor, term=term, on=max(on, term.start_date))
    for appt in Appointment.objects.filter(unit=unit, ended_at__isnull=True).select_related("user"):
        appointment_end(actor=actor, appointment=appt)
    unit.save()
    audit_record(actor=actor, action=AuditAction.DISSOLVE, obj=unit, before=before, after=snapshot(unit), note=note)
    return unit


# --- committee terms -------------------------------------------------------------------------------

LONG_TERM_CATEGORIES = (UnitCategory.RURAL, UnitCategory.COMMUNITY)


def default_term_years(unit: Unit) -> int:
    """5 years for village and community units, 3 for the others [Election; seed 001]."""
    return 5 if unit.category in LONG_TERM_CATEGORIES else 3


def _term_end(*, actor, term: CommitteeTerm, on: datetime.date) -> CommitteeTerm:
    before = snapshot(term)
    term.ended_on = on
    term.save(update_fields=["ended_on"])
    audit_record(actor=actor, action=AuditAction.END, obj=term, before=before, after=snapshot(term))
    registry.term_positions_close(actor=actor, term=term, on=on)
    return term


@transaction.atomic
def term_create(*, actor, unit: Unit, start_date: datetime.date, years: int | None = None,
                note: str = "") -> CommitteeTerm:
    """Record a newly elected committee term. The current term (if any) ends on the new start date;
    its open positions end with it. Old terms stay as history."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_dissolved:
        raise ValidationError(_("%(u)s has been dissolved.") % {"u": unit})
    if unit.kind == UnitKind.PARTY_GROUP:
        raise ValidationError(_("A party group has a group leader, not an elected committee."))
    years = years or default_term_years(unit)
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": _("The term cannot start in the future; record it after the election.")})
    if unit.established_on and start_date < unit.established_on:
        raise ValidationError({"start_date": _("The term cannot start before the unit was established (%(d)s).")
                                             % {"d": unit.established_on}})
    current = CommitteeTerm.objects.select_for_update().filter(unit=unit, ended_on__isnull=True).first()
    if current is not None and start_date <= current.start_date:
        raise ValidationError({"start_date": _("The new term must start after the current one (%(d)s).")
                                             % {"d": current.start_date}})
    if current is not None:
        _term_end(actor=actor, term=current, on=start_date)
    term = CommitteeTerm(unit=unit, start_date=start_date, years=years, note=note or "")
    term.end_date = CommitteeTerm.compute_end(start_date, years)
    term.full_clean()
    term.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=term, after=snapshot(term))
    return term
