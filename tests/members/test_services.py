"""Roll services: create, update and import write through full_clean and leave audit rows."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from branches.choices import AuditAction
from branches.models import AuditEntry
from members import services
from members.choices import MemberStatus
from members.idcard import make_citizen_id
from members.models import Person
from members.services import PersonImportError, person_create, person_import_rows, person_update
from tests.factories import make_person

pytestmark = pytest.mark.django_db
BIRTH = datetime.date(1988, 2, 29)


def _fields(unit, **extra):
    fields = dict(name="赵六", gender="M", birth_date=BIRTH, citizen_id=make_citizen_id("320102", BIRTH, 31, True),
                  unit=unit, status=MemberStatus.FULL, admission_date=datetime.date(2015, 7, 1),
                  full_member_date=datetime.date(2016, 7, 1))
    fields.update(extra)
    return fields


def _audit(obj):
    return list(AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
                .order_by("pk"))


def test_create_records_audit_with_actor_and_snapshot(secretary, branch_a):
    person = person_create(actor=secretary, audit_note="by hand", **_fields(branch_a))
    [entry] = _audit(person)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == secretary
    assert entry.unit == branch_a
    assert entry.note == "by hand"
    assert entry.after["citizen_id"] == person.citizen_id
    assert entry.after["unit"] == branch_a.pk


def test_create_refuses_model_rules_and_saves_nothing(secretary, branch_a):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=secretary, **_fields(branch_a, full_member_date=None))
    assert "full_member_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        person_create(actor=secretary, **_fields(branch_a, application_date=datetime.date(2016, 1, 1),
                                                 activist_date=datetime.date(2015, 1, 1),
                                                 status=MemberStatus.ACTIVIST, admission_date=None,
                                                 full_member_date=None))
    assert "activist_date" in exc.value.message_dict
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="person").exists()


def test_create_refuses_party_group_outside_unit(secretary, branch_b, group_a):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=secretary, **_fields(branch_b, party_group=group_a))
    assert "party_group" in exc.value.message_dict


def test_update_records_before_and_after(secretary, member_a):
    person_update(actor=secretary, person=member_a, phone="13711112222")
    entry = _audit(member_a)[-1]
    assert entry.action == AuditAction.UPDATE
    assert entry.before["phone"] == "" and entry.after["phone"] == "13711112222"
    assert ("Phone", None, "13711112222") in entry.changes


def test_update_status_is_a_status_entry(secretary, member_a):
    person_update(actor=secretary, person=member_a, status=MemberStatus.TRANSFERRED_OUT,
                  left_date=datetime.date(2024, 1, 1))
    assert _audit(member_a)[-1].action == AuditAction.STATUS


def test_update_without_change_writes_no_entry(secretary, member_a):
    before = len(_audit(member_a))
    person_update(actor=secretary, person=member_a, phone=member_a.phone)
    assert len(_audit(member_a)) == before


def test_update_refuses_duplicate_id(secretary, member_a, branch_a):
    other = make_person(branch_a, name="钱七")
    with pytest.raises(ValidationError):
        person_update(actor=secretary, person=other, citizen_id=member_a.citizen_id)
    other.refresh_from_db()
    assert other.citizen_id != member_a.citizen_id


def test_import_rows_creates_all_and_one_import_entry_per_unit(secretary, branch_a):
    rows = [(2, _fields(branch_a)),
            (3, _fields(branch_a, name="孙八", citizen_id=make_citizen_id("320102", BIRTH, 33, True)))]
    created = person_import_rows(actor=secretary, rows=rows, source="roll.xlsx")
    assert [p.name for p in created] == ["赵六", "孙八"]
    assert "roll.xlsx, row 3" in _audit(created[1])[0].note
    [summary] = AuditEntry.objects.filter(action=AuditAction.IMPORT)
    assert summary.unit == branch_a and summary.actor == secretary and "2" in summary.note


def test_import_rows_rolls_back_everything_on_a_failing_row(secretary, branch_a, monkeypatch):
    real = services.person_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 2:
            raise ValidationError("database said no")
        return real(**kwargs)

    monkeypatch.setattr(services, "person_create", flaky)
    rows = [(2, _fields(branch_a)),
            (3, _fields(branch_a, name="孙八", citizen_id=make_citizen_id("320102", BIRTH, 33, True)))]
    with pytest.raises(PersonImportError) as exc:
        person_import_rows(actor=secretary, rows=rows, source="roll.xlsx")
    assert exc.value.row == 3 and exc.value.messages == ["database said no"]
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="person").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()
