"""Citizen ID checks: format, length, check digit, agreement with birth date and gender, duplicates."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from members.idcard import make_citizen_id, mask
from members.services import BIRTH_MISMATCH, GENDER_MISMATCH, person_check_citizen_id
from tests.factories import make_person

pytestmark = pytest.mark.django_db
BIRTH = datetime.date(1985, 6, 15)
VALID_M = make_citizen_id("110105", BIRTH, 11, True)
VALID_F = make_citizen_id("110105", BIRTH, 12, False)


def _wrong_check_digit(value):
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def _codes(exc):
    return [e.code for e in exc.error_list]


def test_valid_id_is_normalized():
    typed = f"  {VALID_M[:6]} {VALID_M[6:]} "
    assert person_check_citizen_id(citizen_id=typed, birth_date=BIRTH, gender="M") == VALID_M


def test_x_check_digit_accepted_in_lower_case():
    for seq in range(1, 400):
        value = make_citizen_id("110105", BIRTH, seq, True)
        if value.endswith("X"):
            break
    else:
        pytest.fail("no X check digit in range")
    assert person_check_citizen_id(citizen_id=value.lower()) == value


@pytest.mark.parametrize("value", [VALID_M[:-1], VALID_M + "1", "", "12345"])
def test_length_is_checked(value):
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=value)
    assert _codes(exc.value) == ["length"]
    assert "18" in exc.value.messages[0]


def test_letters_are_refused():
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id="11010519850615A01X")
    assert _codes(exc.value) == ["format"]


def test_check_digit_is_checked_and_names_the_right_one():
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=_wrong_check_digit(VALID_M))
    assert _codes(exc.value) == ["checksum"]
    assert VALID_M[-1] in exc.value.messages[0]


def test_impossible_birth_date_in_id():
    first17 = "11010519851315001"
    from members.idcard import check_char

    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=first17 + check_char(first17))
    assert _codes(exc.value) == ["birth"]


def test_birth_date_must_agree():
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=VALID_M, birth_date=BIRTH + datetime.timedelta(days=1), gender="M")
    assert _codes(exc.value) == [BIRTH_MISMATCH]
    assert "1985-06-15" in exc.value.messages[0]


def test_gender_must_agree():
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=VALID_F, birth_date=BIRTH, gender="M")
    assert _codes(exc.value) == [GENDER_MISMATCH]


def test_both_mismatches_reported_together():
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=VALID_F, birth_date=datetime.date(1990, 1, 1), gender="M")
    assert sorted(_codes(exc.value)) == sorted([BIRTH_MISMATCH, GENDER_MISMATCH])


def test_duplicate_names_person_and_unit_when_visible(secretary, member_a):
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=member_a.citizen_id, user=secretary)
    assert _codes(exc.value) == ["duplicate"]
    assert member_a.name in exc.value.messages[0]
    assert member_a.unit.name in exc.value.messages[0]


def test_duplicate_hides_person_and_unit_when_not_visible(outsider, member_a):
    with pytest.raises(ValidationError) as exc:
        person_check_citizen_id(citizen_id=member_a.citizen_id, user=outsider)
    assert _codes(exc.value) == ["duplicate"]
    message = exc.value.messages[0]
    assert member_a.name not in message and member_a.unit.name not in message


def test_duplicate_check_excludes_the_person_being_edited(secretary, member_a):
    assert person_check_citizen_id(citizen_id=member_a.citizen_id, exclude_pk=member_a.pk,
                                   user=secretary) == member_a.citizen_id


def test_mask_keeps_region_and_last_four(branch_a):
    person = make_person(branch_a, citizen_id=VALID_M)
    assert person.masked_citizen_id == mask(VALID_M) == VALID_M[:6] + "********" + VALID_M[-4:]
