"""Transfers of organizational relation (组织关系转接): the rules, the writes and the reads.

Three kinds (members.models.TransferKind):

- internal: the sending unit issues a transfer to another branch of the tree (status ``pending``); the
  receiving unit accepts it (the person moves, status ``accepted``) or returns it with a reason (the person
  stays, ``returned``); the sender may cancel it while it is pending (``cancelled``).
- outgoing: a letter (介绍信) to an outside organization; the person leaves the roll at once (status
  "transferred out", ``left_date`` = issue date) and the letter is ``issued`` until its receipt (回执) comes back
  (``receipted``). A letter withdrawn unused is cancelled and the person is restored.
- incoming: a person arriving with an outside letter is registered in one of the user's units
  (``registered``), either a former member's record or a new person.

Only probationary and full members are transferred with a letter: activists and candidates are not party
members yet, their development file moves with a plain change of unit on the person (members.services).

Every write runs in one transaction, locks the person (and the transfer), and is audited on the transfer and,
through members.services.person_update / person_create, on the person. Nothing is deleted.
A letter is *expired* when it is still out (``pending`` or ``issued``) after ``valid_until``:
``expired_letters`` lists them for a unit subtree (for the dashboard).
"""
from __future__ import annotations

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, System, UnitKind
from branches.models import Unit
from branches.notifications import notification_send, unit_secretaries
from branches.permissions import MEMBER_CHANGE, VIEW
from branches.scope import has_perm

from .choices import MEMBER_STATUSES, MemberStatus
from .models import Person, Transfer, TransferKind, TransferStatus
from .policy import DEFAULTS, add_months, policy_value
from .services import person_create, person_update

K, S = TransferKind, TransferStatus

#: Letter validity in months when no policy row says otherwise (DOMAIN.md §7: "default 3 months").
DEFAULT_VALIDITY_MONTHS = 3
#: The policy key that would let a committee change the validity (members.policy.DEFAULTS); read if present.
VALIDITY_POLICY_KEY = "transfer_letter_months"
#: Kinds of unit that can receive a transfer inside the tree.
RECEIVING_KINDS = (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH)
#: Statuses of a letter that is still out, waiting for the other side.
OPEN_STATUSES = (S.PENDING, S.ISSUED)
#: People who may come back with an incoming letter onto an existing record.
RETURNING_STATUSES = (MemberStatus.TRANSFERRED_OUT,)
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class TransferError(ValidationError):
    """A refused transfer action; the message says what to fix."""


# ---------------------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------------------

def transfer_list(user, action: str = VIEW) -> QuerySet[Transfer]:
    """Transfers of which ``user`` may see either side, with what a list row shows joined in."""
    return (Transfer.objects.restrict(user, action)
            .select_related("person", "from_unit", "to_unit", "issued_by", "decided_by"))


def expired_q(today: datetime.date | None = None) -> Q:
    """Letters still out (waiting for the accept or the receipt) after their validity."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN_STATUSES, valid_until__lt=today)


def expired_letters(unit: Unit | None = None, *, user=None, today: datetime.date | None = None) -> QuerySet[Transfer]:
    """Letters issued by ``unit`` or a unit below it (all units when None) that are past their validity with no
    accept / receipt; restricted to what ``user`` may see when given. For the dashboard and the transfers page."""
    qs = Transfer.objects.all() if user is None else Transfer.objects.restrict(user, VIEW)
    if unit is not None:
        qs = qs.filter(from_unit__path__startswith=unit.path)
    return qs.filter(expired_q(today)).select_related("person", "from_unit", "to_unit").order_by("valid_until", "pk")


def is_expired(transfer: Transfer, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return transfer.status in OPEN_STATUSES and transfer.valid_until < today


def open_transfer(person: Person) -> Transfer | None:
    """The person's internal transfer waiting for the receiving unit, if any."""
    return Transfer.objects.filter(person=person, status=S.PENDING).select_related("to_unit").first()


def receiving_unit_choices(exclude: Unit | None = None) -> QuerySet[Unit]:
    """Branches and general branches of the whole party tree that can receive a transfer (not dissolved).

    Deliberately not restricted to the user's scope: a secretary sends members anywhere in the tree. Only unit
    names and codes are shown, never anything about the people there."""
    qs = Unit.objects.active().filter(kind__in=RECEIVING_KINDS, system=System.PARTY)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("path")


def validity_months(unit: Unit | None, on: datetime.date | None = None) -> int:
    """Months a letter stays valid: the committee's policy value when that rule exists, else 3."""
    if unit is not None and VALIDITY_POLICY_KEY in DEFAULTS:
        return int(policy_value(unit, VALIDITY_POLICY_KEY, on))
    return DEFAULT_VALIDITY_MONTHS


def default_valid_until(unit: Unit | None, issued_on: datetime.date) -> datetime.date:
    return add_months(issued_on, validity_months(unit, issued_on))


def may_accept(user, transfer: Transfer) -> bool:
    return (transfer.kind == K.INTERNAL and transfer.status == S.PENDING and transfer.to_unit_id is not None
            and has_perm(user, MEMBER_CHANGE, transfer.to_unit))


def may_cancel(user, transfer: Transfer) -> bool:
    if transfer.from_unit_id is None or not has_perm(user, MEMBER_CHANGE, transfer.from_unit):
        return False
    return ((transfer.kind == K.INTERNAL and transfer.status == S.PENDING)
            or (transfer.kind == K.OUTGOING and transfer.status == S.ISSUED))


def may_record_receipt(user, transfer: Transfer) -> bool:
    return (transfer.kind == K.OUTGOING and transfer.status == S.ISSUED and transfer.from_unit_id is not None
            and has_perm(user, MEMBER_CHANGE, transfer.from_unit))


# ---------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------

def _next_number(year: int) -> str:
    """"<year>-<sequence>", the sequence counted over all letters of that year (globally unique)."""
    prefix = f"{year}-"
    last = (Transfer.objects.filter(number__startswith=prefix).annotate(n_len=Length("number"))
            .order_by("-n_len", "-number").values_list("number", flat=True).first())
    seq = 0
    if last:
        tail = last[len(prefix):]
        seq = int(tail) if tail.isdigit() else 0
    return f"{prefix}{seq + 1:04d}"


def _save_numbered(transfer: Transfer, attempts: int = 5) -> Transfer:
    """Save a new transfer with the next free number. Two letters issued at the same moment compute the same
    number; the unique index refuses the second, which retries (in a savepoint) with the next one."""
    for attempt in range(attempts):
        transfer.number = _next_number(transfer.issued_on.year)
        try:
            with transaction.atomic():
                transfer.save(force_insert=True)
            return transfer
        except IntegrityError:
            transfer.pk = None
            if attempt == attempts - 1:
                raise
            if Transfer.objects.filter(person=transfer.person, status=S.PENDING).exists():
                raise TransferError(_("%(name)s already has a transfer waiting for the receiving unit.")
                                    % {"name": transfer.person.name}, code="open") from None
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------------
# Checks shared by the writes
# ---------------------------------------------------------------------------------------------------------

def _check_month(value: str, field: str = "dues_paid_until") -> str:
    value = (value or "").strip()
    if value and not MONTH_RE.match(value):
        raise TransferError({field: _("Enter the month as YYYY-MM, e.g. 2026-04.")})
    return value


def _check_dates(issued_on: datetime.date, valid_until: datetime.date, *, future_ok: bool = False) -> None:
    today = timezone.localdate()
    if not future_ok and issued_on > today:
        raise TransferError({"issued_on": _("The issue date cannot be in the future.")})
    if valid_until < issued_on:
        raise TransferError({"valid_until": _("The letter cannot expire before it is issued (%(d)s).")
                             % {"d": issued_on.isoformat()}})


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("unit", "party_group").get(pk=person.pk)


def _lock_transfer(transfer: Transfer) -> Transfer:
    return (Transfer.objects.select_for_update(of=("self",))
            .select_related("person", "from_unit", "to_unit").get(pk=transfer.pk))


def _user(actor):
    """The actor to store on a row (None for the system)."""
    return actor if getattr(actor, "pk", None) else None


def _require(actor, unit: Unit | None) -> None:
    if actor is not None and (unit is None or not has_perm(actor, MEMBER_CHANGE, unit)):
        raise PermissionDenied


def _notify(recipients_unit: Unit | None, transfer: Transfer, title: str, body: str = "") -> None:
    if recipients_unit is None:
        return
    notification_send(recipients=unit_secretaries(recipients_unit), title=title, body=body,
                      url=reverse("members:transfer_detail", args=[transfer.pk]), unit=recipients_unit)


def _audit(actor, transfer: Transfer, action, before=None, unit=None, note: str = "") -> None:
    audit_record(actor=actor, action=action, obj=transfer, before=before, after=snapshot(transfer),
                 unit=unit, note=note)


# ---------------------------------------------------------------------------------------------------------
# Writes: issue (internal or outgoing)
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def transfer_issue(*, actor, person: Person, kind: str, to_unit: Unit | None = None, external_org: str = "",
                   issued_on: datetime.date | None = None, valid_until: datetime.date | None = None,
                   reason: str = "", dues_paid_until: str = "") -> Transfer:
    """Issue a letter for ``person`` from their unit: inside the tree (``to_unit``, waits for the accept) or to an
    outside organization (``external_org``; the person leaves the roll now)."""
    if kind not in (K.INTERNAL, K.OUTGOING):
        raise TransferError({"kind": _("Choose a transfer inside the organization or to an outside organization.")})
    person = _lock_person(person)
    _require(actor, person.unit)
    if person.status not in MEMBER_STATUSES:
        raise TransferError(_("Only probationary and full members are transferred with a letter; %(name)s is "
                              "%(status)s. An activist's or candidate's file moves by changing the unit on the "
                              "person's page.") % {"name": person.name, "status": person.get_status_display()},
                            code="status")
    if Transfer.objects.filter(person=person, status=S.PENDING).exists():
        raise TransferError(_("%(name)s already has a transfer waiting for the receiving unit; wait for it or "
                              "cancel it first.") % {"name": person.name}, code="open")
    issued_on = issued_on or timezone.localdate()
    valid_until = valid_until or default_valid_until(person.unit, issued_on)
    _check_dates(issued_on, valid_until)
    if person.admission_date and issued_on < person.admission_date:
        raise TransferError({"issued_on": _("The issue date cannot be before the admission date (%(d)s).")
                             % {"d": person.admission_date.isoformat()}})
    dues_paid_until = _check_month(dues_paid_until)
    external_org = (external_org or "").strip()
    transfer = Transfer(kind=kind, person=person, person_status=person.status, from_unit=person.unit,
                        issued_on=issued_on, valid_until=valid_until, reason=(reason or "").strip()[:200],
                        dues_paid_until=dues_paid_until, issued_by=_user(actor))
    if kind == K.INTERNAL:
        if to_unit is None:
            raise TransferError({"to_unit": _("Choose the receiving unit.")})
        to_unit = Unit.objects.get(pk=to_unit.pk)
        if to_unit.kind not in RECEIVING_KINDS or to_unit.system != System.PARTY:
            raise TransferError({"to_unit": _("%(u)s is not a party branch or general branch; choose the branch that "
                                              "will hold the membership.") % {"u": to_unit.name}})
        if to_unit.is_dissolved:
            raise TransferError({"to_unit": _("%(u)s was dissolved on %(d)s; choose another unit.")
                                 % {"u": to_unit.name, "d": to_unit.dissolved_on.isoformat()}})
        if to_unit.pk == person.unit_id:
            raise TransferError({"to_unit": _("%(name)s is already in %(u)s.") % {"name": person.name,
                                                                                   "u": to_unit.name}})
        transfer.to_unit, transfer.status = to_unit, S.PENDING
    else:
        if not external_org:
            raise TransferError({"external_org": _("Enter the outside organization the letter is addressed to.")})
        transfer.external_org, transfer.status = external_org[:200], S.ISSUED
    _save_numbered(transfer)
    _audit(actor, transfer, AuditAction.CREATE, unit=person.unit)
    if kind == K.INTERNAL:
        _notify(transfer.to_unit, transfer,
                _("Transfer %(no)s: %(name)s from %(u)s is waiting for your acceptance")
                % {"no": transfer.number, "name": person.name, "u": person.unit.name},
                _("Accept or return it on the transfer page; the letter is valid until %(d)s.")
                % {"d": valid_until.isoformat()})
    else:
        person_update(actor=actor, person=person, status=MemberStatus.TRANSFERRED_OUT, left_date=issued_on,
                      party_group=None)
    return transfer


# ---------------------------------------------------------------------------------------------------------
# Writes: the receiving unit decides (internal)
# ---------------------------------------------------------------------------------------------------------

def _pending_internal(transfer: Transfer) -> Transfer:
    transfer = _lock_transfer(transfer)
    if transfer.kind != K.INTERNAL or transfer.status != S.PENDING:
        raise TransferError(_("Transfer %(no)s is no longer waiting (%(status)s).")
                            % {"no": transfer.number, "status": transfer.get_status_display()}, code="state")
    return transfer


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer, on: datetime.date | None = None) -> Transfer:
    """The receiving unit accepts: the person moves there (their party group is cleared)."""
    transfer = _pending_internal(transfer)
    _require(actor, transfer.to_unit)
    person = _lock_person(transfer.person)
    to_unit = transfer.to_unit
    if to_unit.is_dissolved:
        raise TransferError(_("%(u)s has been dissolved since the letter was issued; return the transfer so that "
                              "the sender can issue a new one.") % {"u": to_unit.name}, code="dissolved")
    if person.status not in MEMBER_STATUSES:
        raise TransferError(_("%(name)s is no longer a party member on the roll (%(status)s); return the transfer.")
                            % {"name": person.name, "status": person.get_status_display()}, code="status")
    on = on or timezone.localdate()
    if on < transfer.issued_on:
        raise TransferError(_("The acceptance cannot be before the letter was issued (%(d)s).")
                            % {"d": transfer.issued_on.isoformat()})
    before = snapshot(transfer)
    from_unit = person.unit
    person_update(actor=actor, person=person, unit=to_unit, party_group=None)
    transfer.status, transfer.decided_by, transfer.decided_on = S.ACCEPTED, _user(actor), on
    transfer.save(update_fields=["status", "decided_by", "decided_on"])
    note = _("%(name)s moved from %(a)s to %(b)s.") % {"name": person.name, "a": from_unit.name, "b": to_unit.name}
    _audit(actor, transfer, AuditAction.STATUS, before=before, unit=transfer.from_unit, note=note)
    _notify(transfer.from_unit, transfer, _("Transfer %(no)s: %(name)s was accepted by %(u)s")
            % {"no": transfer.number, "name": person.name, "u": to_unit.name}, note)
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer: Transfer, reason: str, on: datetime.date | None = None) -> Transfer:
    """The receiving unit returns the transfer with a reason: the person stays where they are."""
    transfer = _pending_internal(transfer)
    _require(actor, transfer.to_unit)
    reason = (reason or "").strip()
    if not reason:
        raise TransferError({"reason": _("Say why the transfer is returned, so that the sender can fix it.")})
    before = snapshot(transfer)
    transfer.status, transfer.return_reason = S.RETURNED, reason
    transfer.decided_by, transfer.decided_on = _user(actor), on or timezone.localdate()
    transfer.save(update_fields=["status", "return_reason", "decided_by", "decided_on"])
    _audit(actor, transfer, AuditAction.STATUS, before=before, unit=transfer.to_unit, note=reason)
    _notify(transfer.from_unit, transfer, _("Transfer %(no)s: %(name)s was returned by %(u)s")
            % {"no": transfer.number, "name": transfer.person.name, "u": transfer.to_unit.name}, reason)
    return transfer


# ---------------------------------------------------------------------------------------------------------
# Writes: the sender cancels, records the receipt
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, reason: str, on: datetime.date | None = None) -> Transfer:
    """The sender withdraws a letter: an internal one still pending, or an outside one whose receipt has not come
    back (issued by mistake or unused: the person is restored to the roll with their status before the letter)."""
    transfer = _lock_transfer(transfer)
    _require(actor, transfer.from_unit)
    if not ((transfer.kind == K.INTERNAL and transfer.status == S.PENDING)
            or (transfer.kind == K.OUTGOING and transfer.status == S.ISSUED)):
        raise TransferError(_("Transfer %(no)s cannot be cancelled any more (%(status)s).")
                            % {"no": transfer.number, "status": transfer.get_status_display()}, code="state")
    reason = (reason or "").strip()
    if not reason:
        raise TransferError({"reason": _("Say why the transfer is cancelled.")})
    before = snapshot(transfer)
    if transfer.kind == K.OUTGOING:
        person = _lock_person(transfer.person)
        if person.status != MemberStatus.TRANSFERRED_OUT or person.unit_id != transfer.from_unit_id:
            raise TransferError(_("%(name)s's record changed after the letter was issued (now %(status)s in %(u)s); "
                                  "correct the person's record instead.")
                                % {"name": person.name, "status": person.get_status_display(), "u": person.unit.name},
                                code="changed")
        person_update(actor=actor, person=person, status=transfer.person_status, left_date=None)
    transfer.status, transfer.return_reason = S.CANCELLED, reason
    transfer.decided_by, transfer.decided_on = _user(actor), on or timezone.localdate()
    transfer.save(update_fields=["status", "return_reason", "decided_by", "decided_on"])
    _audit(actor, transfer, AuditAction.STATUS, before=before, unit=transfer.from_unit, note=reason)
    if transfer.kind == K.INTERNAL:
        _notify(transfer.to_unit, transfer, _("Transfer %(no)s of %(name)s was cancelled by %(u)s")
                % {"no": transfer.number, "name": transfer.person.name, "u": transfer.from_unit.name}, reason)
    return transfer


@transaction.atomic
def transfer_record_receipt(*, actor, transfer: Transfer, receipt_on: datetime.date, note: str = "") -> Transfer:
    """The receipt (回执) of an outside letter came back: record its date and what it says."""
    transfer = _lock_transfer(transfer)
    _require(actor, transfer.from_unit)
    if transfer.kind != K.OUTGOING or transfer.status != S.ISSUED:
        raise TransferError(_("Transfer %(no)s is not a letter waiting for its receipt (%(status)s).")
                            % {"no": transfer.number, "status": transfer.get_status_display()}, code="state")
    if receipt_on is None:
        raise TransferError({"receipt_on": _("Enter the date the receipt came back.")})
    if receipt_on < transfer.issued_on:
        raise TransferError({"receipt_on": _("The receipt cannot be before the letter was issued (%(d)s).")
                             % {"d": transfer.issued_on.isoformat()}})
    if receipt_on > timezone.localdate():
        raise TransferError({"receipt_on": _("The receipt date cannot be in the future.")})
    before = snapshot(transfer)
    transfer.status, transfer.receipt_on, transfer.receipt_note = S.RECEIPTED, receipt_on, (note or "").strip()[:200]
    transfer.save(update_fields=["status", "receipt_on", "receipt_note"])
    _audit(actor, transfer, AuditAction.STATUS, before=before, unit=transfer.from_unit, note=transfer.receipt_note)
    return transfer


# ---------------------------------------------------------------------------------------------------------
# Writes: incoming from outside
# ---------------------------------------------------------------------------------------------------------

@transaction.atomic
def transfer_register_incoming(*, actor, to_unit: Unit, status: str, external_org: str, issued_on: datetime.date,
                               valid_until: datetime.date | None = None, external_number: str = "",
                               reason: str = "", dues_paid_until: str = "", person: Person | None = None,
                               person_fields: dict | None = None, party_group: Unit | None = None,
                               admission_date: datetime.date | None = None,
                               full_member_date: datetime.date | None = None) -> Transfer:
    """Register a member arriving with a letter from an outside organization into ``to_unit``.

    Either ``person`` (a former member's record, transferred out earlier: brought back onto the roll) or
    ``person_fields`` (a new person, members.services.person_create; unit and status come from here)."""
    if (person is None) == (person_fields is None):
        raise ValueError("transfer_register_incoming: give either person or person_fields")
    _require(actor, to_unit)
    to_unit = Unit.objects.get(pk=to_unit.pk)
    if to_unit.is_dissolved:
        raise TransferError({"to_unit": _("%(u)s has been dissolved; choose another unit.") % {"u": to_unit.name}})
    if to_unit.kind == UnitKind.PARTY_GROUP:
        raise TransferError({"to_unit": _("Choose the branch; the party group is chosen separately.")})
    if status not in MEMBER_STATUSES:
        raise TransferError({"status": _("A letter transfers a probationary or full member; choose one of them.")})
    external_org = (external_org or "").strip()
    if not external_org:
        raise TransferError({"external_org": _("Enter the organization that issued the letter.")})
    valid_until = valid_until or add_months(issued_on, DEFAULT_VALIDITY_MONTHS)
    _check_dates(issued_on, valid_until)
    dues_paid_until = _check_month(dues_paid_until)
    if person is not None:
        person = _lock_person(person)
        _require(actor, person.unit)
        if person.status not in RETURNING_STATUSES:
            raise TransferError(_("%(name)s is %(status)s; only a person who was transferred out can be registered "
                                  "again with a letter.") % {"name": person.name,
                                                             "status": person.get_status_display()}, code="status")
        changes = {"unit": to_unit, "party_group": party_group, "status": status, "left_date": None}
        if admission_date:
            changes["admission_date"] = admission_date
        if full_member_date:
            changes["full_member_date"] = full_member_date
        person = person_update(actor=actor, person=person, **changes)
    else:
        fields = {**person_fields, "unit": to_unit, "status": status, "left_date": None}
        if party_group is not None:
            fields["party_group"] = party_group
        if admission_date:
            fields["admission_date"] = admission_date
        if full_member_date:
            fields["full_member_date"] = full_member_date
        note = _("Arrived with a letter from %(org)s.") % {"org": external_org}
        person = person_create(actor=actor, audit_note=note, **fields)
    if Transfer.objects.filter(person=person, status=S.PENDING).exists():     # cannot happen for a left person
        raise TransferError(_("%(name)s has a transfer waiting.") % {"name": person.name}, code="open")
    today = timezone.localdate()
    transfer = Transfer(kind=K.INCOMING, person=person, person_status=status, to_unit=to_unit,
                        external_org=external_org[:200], external_number=(external_number or "").strip()[:60],
                        issued_on=issued_on, valid_until=valid_until, reason=(reason or "").strip()[:200],
                        dues_paid_until=dues_paid_until, status=S.REGISTERED,
                        issued_by=_user(actor),
                        decided_by=_user(actor), decided_on=today)
    # Our own registration number; the outside letter's number is kept in external_number.
    _save_numbered(transfer)
    note = (_("Registered after the letter's validity (%(d)s).") % {"d": valid_until.isoformat()}
            if valid_until < today else "")
    _audit(actor, transfer, AuditAction.CREATE, unit=to_unit, note=note)
    return transfer
