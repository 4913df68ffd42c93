"""Dues rules as data: the central defaults in ONE dict, committee overrides in DuesPolicy rows by effective date.

Same design as members.policy: the nearest committee at or above the unit that has a row for the key with
``effective_from <= on`` wins (its latest row); otherwise the default. ``DuesPolicySet`` loads the rows of a unit's
ancestors in one query; each resolved value says which rule produced it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.policy import Resolved as BaseResolved
from branches.policy import RuleBook

# Central defaults [Dues2008; seed 004 for the back-payment limit, seed 002 for the large-payment threshold].
DEFAULTS: dict[str, object] = {
    "back_payment_months": 3,             # back payment at most 3 months late without the committee's consent
    "large_payment_threshold": "1000.00",  # a monthly amount or one-off payment above this is a large payment
    "first_warning_months": 3,            # warn the secretary at 3 consecutive unpaid months …
    "second_warning_months": 5,           # … and at 5
    "lapse_months": 6,                    # 6 consecutive unpaid months opens a lapse case
    "farmer_default_amount": "0.20",      # a farmer's monthly amount when none is declared (0.20–1.00)
}
INT_KEYS = {"back_payment_months", "first_warning_months", "second_warning_months", "lapse_months"}
MONEY_KEYS = {"large_payment_threshold", "farmer_default_amount"}

LABELS = {
    "back_payment_months": gettext_lazy("Back payment without the committee's consent (months)"),
    "large_payment_threshold": gettext_lazy("Large payment above (yuan)"),
    "first_warning_months": gettext_lazy("First warning at (consecutive unpaid months)"),
    "second_warning_months": gettext_lazy("Second warning at (consecutive unpaid months)"),
    "lapse_months": gettext_lazy("Lapse case at (consecutive unpaid months)"),
    "farmer_default_amount": gettext_lazy("Farmers' default monthly amount (yuan)"),
}


def validate_value(key: str, value):
    """The value in its stored form (int, or money as a 2-place string); ValueError with a readable message."""
    if key in INT_KEYS:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(_("Enter a whole number of months.")) from None
        if not 1 <= number <= 36:
            raise ValueError(_("Enter a number of months between 1 and 36."))
        return number
    if key in MONEY_KEYS:
        try:
            amount = Decimal(str(value).strip()).quantize(Decimal("0.01"))
        except (InvalidOperation, TypeError, ValueError):
            raise ValueError(_("Enter an amount in yuan, such as 1000.00.")) from None
        if amount < 0:
            raise ValueError(_("The amount cannot be negative."))
        return str(amount)
    raise ValueError(_("Unknown dues rule %(k)s.") % {"k": key})


@dataclass(frozen=True)
class Resolved(BaseResolved):
    """A resolved dues rule, with its value as money or as months."""

    @property
    def money(self) -> Decimal:
        return Decimal(str(self.value))

    @property
    def months(self) -> int:
        return int(self.value)


class DuesPolicySet(RuleBook):
    """All dues rules that can apply to ``unit`` (branches.policy.RuleBook): one query, or none when ``rows``
    (``DuesPolicySet.all_rows()``) are given. Values (months or money) are written by ``RuleBook.add`` through ``dues.services.dues_policy_set``."""

    model = "dues.DuesPolicy"
    defaults = DEFAULTS
    labels = LABELS
    resolved_class = Resolved
    # the warnings come before the lapse case: a committee cannot open cases before it has warned
    ordered_pairs = (("first_warning_months", "second_warning_months"), ("second_warning_months", "lapse_months"))
    audit_note = gettext_lazy("Dues rule set")
    choose_message = gettext_lazy("Choose one of the dues rules.")

    @classmethod
    def clean_value(cls, key: str, value):
        return validate_value(key, value)
