"""Committee positions (支部委员会 seats): who holds which post in which term. Every write is audited.

The terms themselves are branches data (``branches.services.term_create``); the positions reference
people, so they live here and reach the unit page through ``branches.registry``.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, CommitteePositionKind
from branches.models import CommitteeTerm

from .choices import MEMBER_STATUSES
from .models import CommitteePosition, Person

COMMITTEE_MAX_SEATS = 7  # a committee has 3-5 members, at most 7 [Branch2018]
SINGLE_SEATS = (CommitteePositionKind.SECRETARY,)  # one holder at a time


def eligible_people(term: CommitteeTerm):
    """People who may sit on ``term``'s committee: probationary or full members in the unit's subtree."""
    return (Person.objects.filter(unit__path__startswith=term.unit.path, status__in=MEMBER_STATUSES)
            .select_related("unit").order_by("unit__path", "name", "pk"))


# Callables ``(person, date) -> reason or None`` that bar a member from taking a post on a date, registered by the
# apps above members (discipline: no comparable post during the impact period of removal from party posts).
post_bars: list = []


def register_post_bar(fn) -> None:
    if fn not in post_bars:
        post_bars.append(fn)


@transaction.atomic
def position_add(*, actor, term: CommitteeTerm, person: Person, position: str, title: str = "",
                 started_on: datetime.date | None = None) -> CommitteePosition:
    """Seat ``person`` on the current ``term`` as ``position`` from ``started_on`` (default today)."""
    term = CommitteeTerm.objects.select_for_update().select_related("unit").get(pk=term.pk)
    person = Person.objects.select_related("unit").get(pk=person.pk)
    started_on = started_on or timezone.localdate()
    title = (title or "").strip()
    errors: dict[str, list] = defaultdict(list)
    if term.ended_on is not None or term.unit.dissolved_on is not None:
        raise ValidationError(_("This term has been replaced; positions can only be added to the current term."))
    if not person.unit.path.startswith(term.unit.path):
        errors["person"].append(_("%(p)s is not a member of %(u)s.") % {"p": person, "u": term.unit})
    if person.status not in MEMBER_STATUSES:
        errors["person"].append(_("Only probationary or full members can sit on the committee; %(p)s is %(s)s.")
                                % {"p": person, "s": person.get_status_display()})
    from .pipeline import suspended_voters

    if person.pk in suspended_voters(person.unit_id, started_on):
        errors["person"].append(_("%(p)s is on probation within the party on %(d)s and cannot be elected to a post.")
                                % {"p": person, "d": started_on.isoformat()})
    for bar in post_bars:
        reason = bar(person, started_on)
        if reason:
            errors["person"].append(reason)
    if position not in CommitteePositionKind.values:
        errors["position"].append(_("Choose a position."))
    if position == CommitteePositionKind.OTHER and not title:
        errors["title"].append(_("Give the title of this position."))
    if started_on < term.start_date:
        errors["started_on"].append(_("The position cannot start before the term (%(d)s).") % {"d": term.start_date})
    if started_on > timezone.localdate():
        errors["started_on"].append(_("The start date cannot be in the future."))
    open_positions = list(CommitteePosition.objects.filter(term=term, ended_on__isnull=True).select_related("person"))
    if position in SINGLE_SEATS:
        holder = next((p for p in open_positions if p.position == position), None)
        if holder is not None:
            errors["position"].append(_("%(p)s already holds this position; end that position first.")
                                      % {"p": holder.person})
    if any(p.person_id == person.pk and p.position == position for p in open_positions):
        errors["position"].append(_("%(p)s already holds this position.") % {"p": person})
    seated = {p.person_id for p in open_positions}
    if person.pk not in seated and len(seated) >= COMMITTEE_MAX_SEATS:
        errors["person"].append(_("A committee has at most %(n)s members.") % {"n": COMMITTEE_MAX_SEATS})
    if errors:
        raise ValidationError(dict(errors))
    pos = CommitteePosition(term=term, person=person, position=position,
                            title=title if position == CommitteePositionKind.OTHER else "", started_on=started_on)
    pos.full_clean()
    pos.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=pos, after=snapshot(pos), unit=term.unit)
    return pos


@transaction.atomic
def position_end(*, actor, position: CommitteePosition, ended_on: datetime.date | None = None,
                 note: str = "") -> CommitteePosition:
    """End a position on ``ended_on`` (default today). The row stays as history."""
    pos = CommitteePosition.objects.select_for_update().select_related("term__unit").get(pk=position.pk)
    if pos.ended_on is not None:
        raise ValidationError(_("This position already ended on %(d)s.") % {"d": pos.ended_on})
    ended_on = ended_on or timezone.localdate()
    if ended_on < pos.started_on:
        raise ValidationError({"ended_on": _("The end date cannot be before the start date (%(d)s).")
                                           % {"d": pos.started_on}})
    before = snapshot(pos)
    pos.ended_on = ended_on
    pos.full_clean()
    pos.save(update_fields=["ended_on"])
    audit_record(actor=actor, action=AuditAction.END, obj=pos, before=before, after=snapshot(pos),
                 unit=pos.term.unit, note=note)
    return pos


def term_positions(terms: Iterable[CommitteeTerm]) -> dict[int, list[CommitteePosition]]:
    """{term_pk: positions} for the given terms, in one query."""
    pks = [t.pk for t in terms]
    result: dict[int, list[CommitteePosition]] = {pk: [] for pk in pks}
    if not pks:
        return result
    order = {kind: i for i, kind in enumerate(CommitteePositionKind.values)}
    for pos in CommitteePosition.objects.filter(term_id__in=pks).select_related("person"):
        result[pos.term_id].append(pos)
    for positions in result.values():  # open seats first, in the order of the posts, then by date
        positions.sort(key=lambda p: (p.ended_on is not None, order.get(p.position, 99), p.started_on, p.pk))
    return result


def term_positions_close(*, actor, term: CommitteeTerm, on: datetime.date) -> int:
    """End every open position of ``term`` on ``on`` (the term was replaced or its unit dissolved)."""
    closed = 0
    for pos in CommitteePosition.objects.filter(term=term, ended_on__isnull=True).order_by("pk"):
        position_end(actor=actor, position=pos, ended_on=max(on, pos.started_on))
        closed += 1
    return closed


def register() -> None:
    from branches import registry

    registry.term_positions.register(term_positions)
    registry.term_positions_close.register(term_positions_close)
