"""Writes to the member roll. Every write is audited."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction

from .idcard import normalize, parse_citizen_id
from .models import Person

PERSON_FIELDS = (
    "name", "gender", "ethnicity", "birth_date", "citizen_id", "native_place", "education", "degree", "phone",
    "email", "address", "work_unit", "post", "category", "unit", "party_group", "status", "application_date",
    "activist_date", "candidate_date", "admission_date", "full_member_date", "work_start_date", "left_date",
    "photo", "notes",
)

# Error codes of person_check_citizen_id for the checks that concern another field, so that forms can
# show the message next to the birth date or the gender rather than the ID.
BIRTH_MISMATCH = "birth_mismatch"
GENDER_MISMATCH = "gender_mismatch"


def person_check_citizen_id(*, citizen_id: str, birth_date=None, gender: str | None = None,
                            exclude_pk: int | None = None, user=None) -> str:
    """Validate an ID and its agreement with birth date and gender; return it normalized.

    A duplicate names the unit that holds it when ``user`` may see that unit.
    """
    from branches.scope import has_perm

    value = normalize(citizen_id)
    birth, sex = parse_citizen_id(value)
    errors = []
    if birth_date and birth_date != birth:
        errors.append(ValidationError(
            _("The citizen ID gives the birth date %(d)s, but %(e)s was entered.") % {"d": birth, "e": birth_date},
            code=BIRTH_MISMATCH))
    if gender and gender != sex:
        errors.append(ValidationError(
            _("The citizen ID belongs to a %(g)s, which does not match the gender entered.")
            % {"g": _("man") if sex == "M" else _("woman")}, code=GENDER_MISMATCH))
    if errors:
        raise ValidationError(errors)
    dup = Person.objects.filter(citizen_id=value).exclude(pk=exclude_pk).select_related("unit").first()
    if dup is not None:
        if user is not None and has_perm(user, "view", dup.unit):
            raise ValidationError(_("This citizen ID is already on the roll: %(n)s in %(u)s.") % {"n": dup.name, "u": dup.unit},
                                  code="duplicate")
        raise ValidationError(_("This citizen ID is already registered in another unit; ask the committee to transfer the person."),
                              code="duplicate")
    return value


@transaction.atomic
def person_create(*, actor, audit_note: str = "", **fields) -> Person:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"person_create: unknown fields {sorted(unknown)}")
    fields["citizen_id"] = person_check_citizen_id(
        citizen_id=fields.get("citizen_id", ""), birth_date=fields.get("birth_date"), gender=fields.get("gender"),
        user=actor)
    person = Person(**fields)
    person.full_clean()
    person.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=person, after=snapshot(person), note=audit_note)
    return person


@transaction.atomic
def person_update(*, actor, person: Person, **fields) -> Person:
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"person_update: unknown fields {sorted(unknown)}")
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    for name, value in fields.items():
        setattr(person, name, value)
    person.citizen_id = person_check_citizen_id(
        citizen_id=person.citizen_id, birth_date=person.birth_date, gender=person.gender, exclude_pk=person.pk,
        user=actor)
    person.full_clean()
    person.save()
    after = snapshot(person)
    if after != before:
        action = AuditAction.STATUS if before.get("status") != after.get("status") else AuditAction.UPDATE
        audit_record(actor=actor, action=action, obj=person, before=before, after=after)
    return person


class PersonImportError(Exception):
    """An import stopped at one row; everything written before it has been rolled back."""

    def __init__(self, row: int, messages: list[str]):
        self.row, self.messages = row, messages
        super().__init__(f"row {row}: {'; '.join(messages)}")


@transaction.atomic
def person_import_rows(*, actor, rows: list[tuple[int, dict]], source: str = "") -> list[Person]:
    """Create one person per ``(row number, fields)`` through ``person_create``: all of them or none.

    Fields were validated beforehand (members.importers); anything that still fails here (a duplicate
    entered meanwhile, a database error) raises PersonImportError naming the row, and the whole import
    is rolled back. Each unit that received people gets one IMPORT entry in its history.
    """
    from django.db import DatabaseError

    created: list[Person] = []
    per_unit: dict[int, tuple[object, int]] = {}
    for number, fields in rows:
        note = _("Imported from %(file)s, row %(row)d.") % {"file": source or "Excel", "row": number}
        try:
            person = person_create(actor=actor, audit_note=note, **fields)
        except ValidationError as exc:
            raise PersonImportError(number, exc.messages) from exc
        except DatabaseError as exc:
            raise PersonImportError(number, [_("The database refused the row: %(e)s") % {"e": exc}]) from exc
        created.append(person)
        unit, count = per_unit.get(person.unit_id, (person.unit, 0))
        per_unit[person.unit_id] = (unit, count + 1)
    for unit, count in per_unit.values():
        audit_record(actor=actor, action=AuditAction.IMPORT, obj=unit,
                     note=_("%(n)d people imported from %(file)s.") % {"n": count, "file": source or "Excel"})
    return created
