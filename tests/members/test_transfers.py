"""Transfers of organizational relation (members/transfers.py): every rule and refusal of the services."""
import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from branches.choices import AuditAction, Role, System, UnitKind
from branches.models import AuditEntry, Notification, Unit
from branches.services import appointment_create
from members import transfers as T
from members.choices import MemberStatus
from members.models import Person, Transfer, TransferKind, TransferStatus
from members.policy import DEFAULTS
from tests.factories import UserFactory, make_unit

from .helpers import person, unique_citizen_id

pytestmark = pytest.mark.django_db
D = datetime.date
S = TransferStatus


@pytest.fixture(autouse=True)
def _clock(frozen_today):
    return frozen_today


@pytest.fixture
def secretary_b(branch_b):
    user = UserFactory(username="secretary_b")
    appointment_create(actor=None, user=user, unit=branch_b, role=Role.SECRETARY)
    return user


@pytest.fixture
def member(branch_a, group_a):
    return person(branch_a, name="李转出", party_group=group_a)


def issue(actor, who, to_unit=None, **kw):
    kind = kw.pop("kind", TransferKind.INTERNAL if to_unit is not None else TransferKind.OUTGOING)
    if kind == TransferKind.OUTGOING:
        kw.setdefault("external_org", "中共某市某局机关委员会")
    return T.transfer_issue(actor=actor, person=who, kind=kind, to_unit=to_unit, **kw)


# -- issue inside the tree ------------------------------------------------------------------------------------

def test_internal_issue_waits_for_the_receiving_unit(secretary, secretary_b, member, branch_a, branch_b, group_a):
    t = issue(secretary, member, branch_b, reason="工作调动", dues_paid_until="2026-04")
    assert t.status == S.PENDING and t.kind == TransferKind.INTERNAL
    assert t.number == "2026-0001"
    assert (t.from_unit, t.to_unit, t.person_status) == (branch_a, branch_b, MemberStatus.FULL)
    assert t.issued_on == D(2026, 5, 20) and t.valid_until == D(2026, 8, 20)    # 3 months by default
    assert t.issued_by == secretary
    member.refresh_from_db()
    assert (member.unit, member.party_group, member.status) == (branch_a, group_a, MemberStatus.FULL)  # not moved yet
    note = Notification.objects.get(recipient=secretary_b)
    assert "2026-0001" in note.title and note.url == f"/members/transfers/{t.pk}/"
    entry = AuditEntry.objects.get(object_id=str(t.pk), content_type__model="transfer")
    assert entry.action == AuditAction.CREATE and entry.unit == branch_a and entry.actor == secretary


def test_numbers_count_per_year_and_past_four_digits(secretary, branch_a, branch_b):
    a, b, c = (person(branch_a, name=n) for n in ("甲", "乙", "丙"))
    assert issue(secretary, a, branch_b).number == "2026-0001"
    assert issue(secretary, b, branch_b, issued_on=D(2025, 12, 30)).number == "2025-0001"
    Transfer.objects.filter(number="2026-0001").update(number="2026-9999")
    assert issue(secretary, c, branch_b).number == "2026-10000"
    d = person(branch_a, name="丁")
    assert issue(secretary, d, branch_b).number == "2026-10001"      # 10000 sorts after 9999


def test_a_taken_number_is_skipped(secretary, member, branch_a, branch_b, monkeypatch):
    """Two letters issued at the same moment compute the same number: the second one retries."""
    other = person(branch_a, name="同时")
    first = issue(secretary, other, branch_b)
    calls = []
    real = T._next_number

    def stale(year):               # the first call still sees the state before ``first`` was saved
        calls.append(year)
        return first.number if len(calls) == 1 else real(year)

    monkeypatch.setattr(T, "_next_number", stale)
    second = issue(secretary, member, branch_b)
    assert second.number == "2026-0002" and len(calls) == 2


def test_validity_follows_the_policy_rule_when_it_exists(secretary, member, branch_b, monkeypatch):
    monkeypatch.setitem(DEFAULTS, T.VALIDITY_POLICY_KEY, 1)
    assert issue(secretary, member, branch_b).valid_until == D(2026, 6, 20)


def test_explicit_validity_is_kept(secretary, member, branch_b):
    t = issue(secretary, member, branch_b, issued_on=D(2026, 5, 1), valid_until=D(2026, 5, 31))
    assert (t.issued_on, t.valid_until) == (D(2026, 5, 1), D(2026, 5, 31))


@pytest.mark.parametrize("status", [MemberStatus.APPLICANT, MemberStatus.ACTIVIST, MemberStatus.CANDIDATE,
                                    MemberStatus.TRANSFERRED_OUT, MemberStatus.DECEASED])
def test_only_members_on_the_roll_are_transferred(secretary, branch_a, branch_b, status):
    extra = {"admission_date": D(2010, 7, 1), "full_member_date": D(2011, 7, 1)} if status in (
        MemberStatus.TRANSFERRED_OUT, MemberStatus.DECEASED) else {}
    p = person(branch_a, name="非党员", status=status, **extra)
    with pytest.raises(ValidationError) as exc:
        issue(secretary, p, branch_b)
    assert exc.value.code == "status"
    assert not Transfer.objects.exists()


def test_probationary_members_are_transferred(secretary, branch_a, branch_b):
    p = person(branch_a, name="预备", status=MemberStatus.PROBATIONARY, admission_date=D(2026, 1, 5))
    assert issue(secretary, p, branch_b).person_status == MemberStatus.PROBATIONARY


def test_one_open_transfer_per_person(secretary, member, branch_b, committee):
    issue(secretary, member, branch_b)
    other = make_unit(committee, kind=UnitKind.BRANCH, name="第三党支部")
    with pytest.raises(ValidationError) as exc:
        issue(secretary, member, other)
    assert exc.value.code == "open"
    with pytest.raises(ValidationError):
        issue(secretary, member, None)                       # nor a letter to outside meanwhile
    assert Transfer.objects.count() == 1


def test_the_database_refuses_a_second_pending_transfer(secretary, member, branch_a, branch_b):
    t = issue(secretary, member, branch_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(number="X-1", kind=TransferKind.INTERNAL, person=member, person_status="full",
                                from_unit=branch_a, to_unit=branch_b, issued_on=t.issued_on,
                                valid_until=t.valid_until, status=S.PENDING)


def test_receiving_unit_rules(secretary, member, committee, branch_a, group_a):
    league = make_unit(committee, kind=UnitKind.BRANCH, name="团支部", system=System.LEAGUE)
    gone = make_unit(committee, kind=UnitKind.BRANCH, name="撤销支部")
    Unit.objects.filter(pk=gone.pk).update(dissolved_on=D(2026, 1, 1))
    gone.refresh_from_db()
    for target in (committee, group_a, league, gone, branch_a):
        with pytest.raises(ValidationError) as exc:
            issue(secretary, member, target)
        assert "to_unit" in exc.value.message_dict, target
    with pytest.raises(ValidationError) as exc:
        T.transfer_issue(actor=secretary, person=member, kind=TransferKind.INTERNAL)
    assert "to_unit" in exc.value.message_dict
    assert not Transfer.objects.exists()


def test_a_general_branch_anywhere_in_the_tree_receives(secretary, member, other_committee):
    general = make_unit(other_committee, kind=UnitKind.GENERAL_BRANCH, name="外委总支")
    assert issue(secretary, member, general).to_unit == general
    assert general in T.receiving_unit_choices()


def test_receiving_unit_choices(member, branch_a, branch_b, group_a, committee, other_committee):
    far = make_unit(other_committee, kind=UnitKind.BRANCH, name="外委支部")
    choices = set(T.receiving_unit_choices(exclude=branch_a))
    assert {branch_b, far} <= choices
    assert not {branch_a, group_a, committee, other_committee} & choices


@pytest.mark.parametrize("kwargs,field", [
    ({"issued_on": D(2026, 5, 21)}, "issued_on"),
    ({"issued_on": D(2026, 5, 1), "valid_until": D(2026, 4, 30)}, "valid_until"),
    ({"issued_on": D(2009, 1, 1)}, "issued_on"),                        # before the admission date
    ({"dues_paid_until": "2026-13"}, "dues_paid_until"),
    ({"dues_paid_until": "April"}, "dues_paid_until"),
])
def test_date_and_month_rules(secretary, member, branch_b, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        issue(secretary, member, branch_b, **kwargs)
    assert field in exc.value.message_dict
    assert not Transfer.objects.exists()


def test_bad_kind_and_missing_outside_organization(secretary, member):
    with pytest.raises(ValidationError):
        T.transfer_issue(actor=secretary, person=member, kind=TransferKind.INCOMING)
    with pytest.raises(ValidationError) as exc:
        T.transfer_issue(actor=secretary, person=member, kind=TransferKind.OUTGOING, external_org="  ")
    assert "external_org" in exc.value.message_dict
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL


def test_only_a_writer_of_the_person_unit_issues(viewer, secretary_b, outsider, member, branch_b, committee):
    for user in (viewer, secretary_b, outsider):
        with pytest.raises(PermissionDenied):
            issue(user, member, branch_b)
    assert not Transfer.objects.exists()


# -- accept / return / cancel -----------------------------------------------------------------------------------

def test_accept_moves_the_person(secretary, secretary_b, member, branch_a, branch_b):
    t = issue(secretary, member, branch_b)
    t = T.transfer_accept(actor=secretary_b, transfer=t)
    assert (t.status, t.decided_by, t.decided_on) == (S.ACCEPTED, secretary_b, D(2026, 5, 20))
    member.refresh_from_db()
    assert (member.unit, member.party_group, member.status) == (branch_b, None, MemberStatus.FULL)
    # History keeps both sides: the person's entry (old and new unit) and the transfer's (issue and accept).
    p_entry = AuditEntry.objects.filter(content_type__model="person", object_id=str(member.pk)).latest("pk")
    assert p_entry.before["unit"] == branch_a.pk and p_entry.after["unit"] == branch_b.pk
    assert p_entry.actor == secretary_b
    t_entries = AuditEntry.objects.filter(content_type__model="transfer", object_id=str(t.pk)).order_by("pk")
    assert [(e.action, e.actor) for e in t_entries] == [(AuditAction.CREATE, secretary),
                                                        (AuditAction.STATUS, secretary_b)]
    assert t_entries[1].before["status"] == S.PENDING and t_entries[1].after["status"] == S.ACCEPTED
    assert Notification.objects.filter(recipient=secretary, title__contains="accepted").exists()
    with pytest.raises(ValidationError) as exc:                       # decided once
        T.transfer_accept(actor=secretary_b, transfer=t)
    assert exc.value.code == "state"


def test_only_the_receiving_side_decides(secretary, viewer, member, branch_b):
    t = issue(secretary, member, branch_b)
    for user in (secretary, viewer):                   # the sender may not accept its own transfer
        with pytest.raises(PermissionDenied):
            T.transfer_accept(actor=user, transfer=t)
        with pytest.raises(PermissionDenied):
            T.transfer_return(actor=user, transfer=t, reason="x")
    t.refresh_from_db()
    assert t.status == S.PENDING


def test_committee_admin_may_accept(admin_user, secretary, member, branch_b):
    t = T.transfer_accept(actor=admin_user, transfer=issue(secretary, member, branch_b))
    assert t.status == S.ACCEPTED


def test_accept_refused_when_the_receiver_was_dissolved(secretary, secretary_b, member, branch_a, branch_b):
    t = issue(secretary, member, branch_b)
    Unit.objects.filter(pk=branch_b.pk).update(dissolved_on=D(2026, 5, 20))
    with pytest.raises(ValidationError) as exc:
        T.transfer_accept(actor=None, transfer=t)
    assert exc.value.code == "dissolved"
    member.refresh_from_db()
    assert member.unit == branch_a


def test_accept_refused_when_the_person_left_meanwhile(secretary, secretary_b, member, branch_a, branch_b):
    from members.services import person_update

    t = issue(secretary, member, branch_b)
    person_update(actor=None, person=member, status=MemberStatus.DECEASED, left_date=D(2026, 5, 19))
    with pytest.raises(ValidationError) as exc:
        T.transfer_accept(actor=secretary_b, transfer=t)
    assert exc.value.code == "status"


def test_return_keeps_the_person_and_frees_a_new_transfer(secretary, secretary_b, member, branch_a, branch_b):
    t = issue(secretary, member, branch_b)
    with pytest.raises(ValidationError) as exc:
        T.transfer_return(actor=secretary_b, transfer=t, reason="  ")
    assert "reason" in exc.value.message_dict
    t = T.transfer_return(actor=secretary_b, transfer=t, reason="本支部已合并，请转第三党支部")
    assert (t.status, t.return_reason, t.decided_by) == (S.RETURNED, "本支部已合并，请转第三党支部", secretary_b)
    member.refresh_from_db()
    assert member.unit == branch_a
    assert Notification.objects.filter(recipient=secretary, title__contains="returned").exists()
    entry = AuditEntry.objects.filter(content_type__model="transfer", object_id=str(t.pk)).latest("pk")
    assert entry.unit == branch_b and entry.note == t.return_reason
    with pytest.raises(ValidationError):
        T.transfer_accept(actor=secretary_b, transfer=t)
    assert issue(secretary, member, branch_b).status == S.PENDING       # a new one may be issued


def test_sender_cancels_a_pending_transfer(secretary, secretary_b, member, branch_a, branch_b):
    t = issue(secretary, member, branch_b)
    with pytest.raises(PermissionDenied):
        T.transfer_cancel(actor=secretary_b, transfer=t, reason="x")
    with pytest.raises(ValidationError) as exc:
        T.transfer_cancel(actor=secretary, transfer=t, reason="")
    assert "reason" in exc.value.message_dict
    t = T.transfer_cancel(actor=secretary, transfer=t, reason="填错了接收支部")
    assert t.status == S.CANCELLED and Transfer.objects.filter(pk=t.pk).exists()    # kept, not deleted
    assert Notification.objects.filter(recipient=secretary_b, title__contains="cancelled").exists()
    member.refresh_from_db()
    assert member.unit == branch_a


def test_accepted_or_returned_cannot_be_cancelled(secretary, secretary_b, member, branch_b):
    t = T.transfer_accept(actor=secretary_b, transfer=issue(secretary, member, branch_b))
    with pytest.raises(PermissionDenied):     # the person's old unit is no longer the transfer's concern...
        T.transfer_cancel(actor=secretary_b, transfer=t, reason="x")
    with pytest.raises(ValidationError) as exc:          # ...and the sender finds it decided
        T.transfer_cancel(actor=secretary, transfer=t, reason="x")
    assert exc.value.code == "state"


# -- outgoing ---------------------------------------------------------------------------------------------------

def test_outgoing_letter_takes_the_person_off_the_roll(secretary, member, branch_a):
    t = issue(secretary, member, reason="调往外省工作", dues_paid_until="2026-05")
    assert (t.kind, t.status, t.external_org, t.to_unit) == (TransferKind.OUTGOING, S.ISSUED, "中共某市某局机关委员会",
                                                             None)
    member.refresh_from_db()
    assert (member.status, member.left_date, member.unit, member.party_group) == (
        MemberStatus.TRANSFERRED_OUT, D(2026, 5, 20), branch_a, None)
    entry = AuditEntry.objects.filter(content_type__model="person", object_id=str(member.pk)).latest("pk")
    assert entry.action == AuditAction.STATUS and entry.after["status"] == MemberStatus.TRANSFERRED_OUT


def test_receipt(secretary, viewer, member):
    t = issue(secretary, member, issued_on=D(2026, 5, 1))
    with pytest.raises(PermissionDenied):
        T.transfer_record_receipt(actor=viewer, transfer=t, receipt_on=D(2026, 5, 10))
    for day in (D(2026, 4, 30), D(2026, 5, 21)):
        with pytest.raises(ValidationError) as exc:
            T.transfer_record_receipt(actor=secretary, transfer=t, receipt_on=day)
        assert "receipt_on" in exc.value.message_dict
    t = T.transfer_record_receipt(actor=secretary, transfer=t, receipt_on=D(2026, 5, 15), note="对方党委已接收")
    assert (t.status, t.receipt_on, t.receipt_note) == (S.RECEIPTED, D(2026, 5, 15), "对方党委已接收")
    with pytest.raises(ValidationError):
        T.transfer_record_receipt(actor=secretary, transfer=t, receipt_on=D(2026, 5, 16))
    with pytest.raises(ValidationError):                   # complete: no cancel any more
        T.transfer_cancel(actor=secretary, transfer=t, reason="x")


def test_receipt_only_for_outgoing_letters(secretary, member, branch_b):
    t = issue(secretary, member, branch_b)
    with pytest.raises(ValidationError):
        T.transfer_record_receipt(actor=secretary, transfer=t, receipt_on=D(2026, 5, 20))


def test_cancel_an_unused_outgoing_letter_restores_the_person(secretary, branch_a):
    p = person(branch_a, name="预备外转", status=MemberStatus.PROBATIONARY, admission_date=D(2026, 1, 5))
    t = issue(secretary, p)
    t = T.transfer_cancel(actor=secretary, transfer=t, reason="对方单位不接收，本人未去")
    assert t.status == S.CANCELLED
    p.refresh_from_db()
    assert (p.status, p.left_date, p.unit) == (MemberStatus.PROBATIONARY, None, branch_a)


def test_cancel_outgoing_refused_when_the_record_changed(secretary, member, branch_a):
    from members.services import person_update

    t = issue(secretary, member)
    person_update(actor=None, person=member, status=MemberStatus.DECEASED)
    with pytest.raises(ValidationError) as exc:
        T.transfer_cancel(actor=secretary, transfer=t, reason="x")
    assert exc.value.code == "changed"


# -- expired letters ----------------------------------------------------------------------------------------------

def test_expired_letters(secretary, secretary_b, admin_user, outsider, branch_a, branch_b):
    a, b, c, d, e = (person(branch_a, name=n) for n in ("过期外转", "已回执", "过期内转", "未过期", "今天到期"))
    expired_out = issue(secretary, a, issued_on=D(2026, 1, 10))                     # valid until 2026-04-10
    done = issue(secretary, b, issued_on=D(2026, 1, 10))
    done = T.transfer_record_receipt(actor=secretary, transfer=done, receipt_on=D(2026, 2, 1))
    expired_in = issue(secretary, c, branch_b, issued_on=D(2026, 1, 10))
    issue(secretary, d, branch_b, issued_on=D(2026, 4, 1))                           # until 2026-07-01
    issue(secretary, e, issued_on=D(2026, 2, 20))                                    # until 2026-05-20 = today
    assert list(T.expired_letters(branch_a)) == [expired_out, expired_in]
    assert list(T.expired_letters()) == [expired_out, expired_in]
    assert not T.expired_letters(branch_b).exists()                 # letters *issued by* the subtree
    assert list(T.expired_letters(user=admin_user)) == [expired_out, expired_in]
    assert list(T.expired_letters(user=secretary_b)) == [expired_in]           # sees the receiving side only
    assert not T.expired_letters(user=outsider).exists()
    assert T.is_expired(expired_out) and not T.is_expired(done)
    with time_machine.travel(datetime.datetime(2026, 5, 21, 9), tick=False):
        assert T.expired_letters(branch_a).count() == 3                     # the last one is out the next day
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9), tick=False):
        assert not T.expired_letters(branch_a).exists()                      # the last valid day


# -- incoming -------------------------------------------------------------------------------------------------------

def new_person_fields(name="王新来"):
    birth = D(1988, 2, 3)
    return {"name": name, "gender": "F", "birth_date": birth, "citizen_id": unique_citizen_id(birth, False),
            "admission_date": D(2012, 7, 1), "full_member_date": D(2013, 7, 1)}


def test_incoming_new_person(secretary, branch_a, group_a):
    t = T.transfer_register_incoming(
        actor=secretary, to_unit=branch_a, status=MemberStatus.FULL, external_org="中共外省某县委组织部",
        external_number="外-0088", issued_on=D(2026, 5, 10), person_fields=new_person_fields(), party_group=group_a,
        dues_paid_until="2026-04")
    assert (t.kind, t.status, t.from_unit, t.to_unit) == (TransferKind.INCOMING, S.REGISTERED, None, branch_a)
    assert (t.number, t.external_number, t.valid_until) == ("2026-0001", "外-0088", D(2026, 8, 10))
    assert t.decided_by == secretary and t.decided_on == D(2026, 5, 20)
    p = t.person
    assert (p.unit, p.party_group, p.status, p.left_date) == (branch_a, group_a, MemberStatus.FULL, None)
    entry = AuditEntry.objects.get(content_type__model="person", object_id=str(p.pk))
    assert entry.action == AuditAction.CREATE and "中共外省某县委组织部" in entry.note


def test_incoming_former_member_comes_back(secretary, member, branch_a, branch_b, admin_user):
    issue(secretary, member, issued_on=D(2025, 3, 1))           # left earlier for outside
    t = T.transfer_register_incoming(actor=admin_user, to_unit=branch_b, status=MemberStatus.FULL,
                                     external_org="中共外省某县委组织部", issued_on=D(2026, 5, 1), person=member)
    member.refresh_from_db()
    assert (member.unit, member.status, member.left_date) == (branch_b, MemberStatus.FULL, None)
    assert t.person == member and t.to_unit == branch_b


@pytest.mark.parametrize("status", [MemberStatus.ACTIVIST, MemberStatus.TRANSFERRED_OUT, "nonsense"])
def test_incoming_status_must_be_a_member_status(secretary, branch_a, status):
    with pytest.raises(ValidationError) as exc:
        T.transfer_register_incoming(actor=secretary, to_unit=branch_a, status=status, external_org="外",
                                     issued_on=D(2026, 5, 1), person_fields=new_person_fields())
    assert "status" in exc.value.message_dict
    assert not Person.objects.filter(name="王新来").exists()


def test_incoming_refusals(secretary, viewer, member, branch_a, branch_b, group_a):
    kw = dict(status=MemberStatus.FULL, external_org="外", issued_on=D(2026, 5, 1))
    with pytest.raises(PermissionDenied):                        # not the user's unit
        T.transfer_register_incoming(actor=secretary, to_unit=branch_b, person_fields=new_person_fields(), **kw)
    with pytest.raises(PermissionDenied):
        T.transfer_register_incoming(actor=viewer, to_unit=branch_a, person_fields=new_person_fields(), **kw)
    with pytest.raises(ValidationError) as exc:                 # a member on the roll is not "coming back"
        T.transfer_register_incoming(actor=secretary, to_unit=branch_a, person=member, **kw)
    assert exc.value.code == "status"
    with pytest.raises(ValidationError) as exc:
        T.transfer_register_incoming(actor=secretary, to_unit=group_a, person_fields=new_person_fields(), **kw)
    assert "to_unit" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        T.transfer_register_incoming(actor=secretary, to_unit=branch_a, person_fields=new_person_fields(),
                                     **{**kw, "external_org": " "})
    assert "external_org" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:                 # the person form's own rules still apply
        T.transfer_register_incoming(actor=secretary, to_unit=branch_a,
                                     person_fields={**new_person_fields(), "full_member_date": None}, **kw)
    assert "full_member_date" in exc.value.message_dict
    assert not Transfer.objects.exists()
    assert Person.objects.count() == 1
