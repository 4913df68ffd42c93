"""Chinese resident citizen ID numbers (GB 11643-1999): 18 characters, the last a check digit."""
from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def parse_citizen_id(value: str) -> tuple[datetime.date, str]:
    """Return (birth date, gender 'M'/'F') or raise ValidationError saying what is wrong."""
    value = normalize(value)
    if len(value) != 18:
        raise ValidationError(_("A citizen ID has 18 characters; this one has %(n)d.") % {"n": len(value)},
                              code="length")
    if not _PATTERN.match(value):
        raise ValidationError(_("A citizen ID is 17 digits followed by a digit or X."), code="format")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("Characters 7–14 of the citizen ID are not a valid birth date."), code="birth")
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(_("The birth date in the citizen ID (%(d)s) is not plausible.") % {"d": birth},
                              code="birth")
    expected = check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check digit of the citizen ID is wrong: the last character should be %(c)s. Check for a typing mistake.")
            % {"c": expected}, code="checksum")
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return birth, gender


def mask(value: str) -> str:
    """Show the region and last 4 characters only: 110105********1234."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def make_citizen_id(region: str, birth: datetime.date, seq: int, male: bool) -> str:
    """Build a valid ID (for demo data and tests); distinct ``seq`` values below 500 give distinct IDs."""
    seq = (2 * seq + (1 if male else 0)) % 1000  # the 17th digit is odd for men, even for women
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
