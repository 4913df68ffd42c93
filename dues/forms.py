"""Forms of the dues pages. Money fields are DecimalField (2 places); months are typed as yyyy-mm."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.forms import DATE_INPUT_FORMATS, DateInput

from . import periods
from .choices import LapseStatus, PaidBy, PaymentMethod, RateCategory, ReliefKind
from .policy import DEFAULTS, LABELS

MONEY_KW = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.00")}


class MonthInput(forms.TextInput):
    input_type = "month"


class PeriodField(forms.Field):
    """A month typed as yyyy-mm (the browser's month picker) or 2026年5月; cleaned to a month number."""

    widget = MonthInput
    default_error_messages = {"invalid": _("Enter a month as yyyy-mm, such as 2026-05.")}

    def prepare_value(self, value):
        return periods.label(value) if isinstance(value, int) else value

    def to_python(self, value):
        if value in (None, ""):
            return None
        no = periods.parse(value)
        if no is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return no


def money_field(label, **kw):
    return forms.DecimalField(label=label, **{**MONEY_KW, **kw})


class PeriodSelectForm(forms.Form):
    period = PeriodField(label=_("Month"), required=False)


class YearSelectForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


class BaseForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    category = forms.ChoiceField(label=_("Dues category"), choices=RateCategory.choices)
    income = money_field(_("Monthly income after tax (yuan)"), required=False,
                         help_text=_("Employees and retirees: the fixed monthly pay or pension after tax."))
    declared_amount = money_field(_("Declared monthly amount (farmers, yuan)"), required=False,
                                  help_text=_("Farmers pay 0.20 to 1.00 yuan a month; empty for the default."))
    voluntary_extra = money_field(_("Voluntary extra per month (yuan)"), required=False, initial=Decimal("0.00"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    first_period = PeriodField(label=_("First month covered"), required=False)
    last_period = PeriodField(label=_("Last month covered"), required=False,
                              help_text=_("A later month than this one is an advance payment (预缴)."))
    amount = money_field(_("Amount (yuan)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    paid_by = forms.ChoiceField(label=_("Paid"), choices=PaidBy.choices, widget=forms.RadioSelect,
                                initial=PaidBy.IN_PERSON)
    proxy_name = forms.CharField(label=_("Paid by (proxy)"), max_length=60, required=False)
    proxy_consent = forms.CharField(label=_("Committee consent to the proxy"), max_length=200, required=False,
                                    help_text=_("Date and reference of the committee's consent."))
    back_payment_consent = forms.CharField(
        label=_("Committee consent to the back payment"), max_length=200, required=False,
        help_text=_("Needed when the first month is later than the back-payment limit allows."))
    voluntary = forms.BooleanField(label=_("One-off voluntary payment (not for a month's dues)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("voluntary"):
            if data.get("first_period") is None and "first_period" not in self.errors:
                self.add_error("first_period", _("Enter the first month the payment covers."))
            if data.get("last_period") is None and data.get("first_period") is not None:
                data["last_period"] = data["first_period"]
        return data


class BulkPayForm(forms.Form):
    """Several members of the sheet pay the month's dues at once, in person."""

    people = forms.TypedMultipleChoiceField(coerce=int, label=_("Members"))
    paid_on = forms.DateField(label=_("Paid on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = list(people_choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReliefForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReliefKind.choices)
    first_period = PeriodField(label=_("First month"))
    last_period = PeriodField(label=_("Last month"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    approved_by = forms.CharField(label=_("Approved by"), max_length=120,
                                  help_text=_("The committee that approved (the branch alone for retirees in hardship)."))
    approved_on = forms.DateField(label=_("Approved on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    document = forms.CharField(label=_("Approval document"), max_length=120, required=False)


class RemittanceForm(forms.Form):
    period = PeriodField(label=_("Month"))
    amount = money_field(_("Amount remitted (yuan)"))
    remitted_on = forms.DateField(label=_("Remitted on"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    document = forms.CharField(label=_("Voucher number"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("Required when the amount differs from what was collected in the month."))


class LapseAdvanceForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Next step"), choices=())
    date = forms.DateField(label=_("Date"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    document = forms.CharField(label=_("Document"), max_length=120, required=False,
                               help_text=_("Meeting record or decision number (required for the decision and the approval)."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, LapseStatus(s).label) for s in allowed]
        self.fields["date"].initial = timezone.localdate()


class RateTableForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("rate table", "Name"), max_length=120)
    effective_from = forms.DateField(label=_("Effective from"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class BracketForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RateCategory.choices)
    upper_bound = money_field(_("Base up to (inclusive)"), required=False)
    percent = forms.DecimalField(label=_("Rate (%)"), max_digits=5, decimal_places=2, min_value=0, required=False)
    fixed_amount = money_field(_("Fixed amount"), required=False)
    min_amount = money_field(_("Lowest"), required=False)
    max_amount = money_field(_("Highest"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("percent") is None and data.get("fixed_amount") is None and data.get("category"):
            raise ValidationError(_("Enter a rate in percent or a fixed monthly amount."))
        return data


BracketFormSet = forms.formset_factory(BracketForm, extra=0, min_num=1, validate_min=True, can_delete=True)


class PolicyForm(forms.Form):
    key = forms.ChoiceField(label=pgettext_lazy("development rules table", "Rule"), choices=[(k, LABELS[k]) for k in DEFAULTS])
    value = forms.CharField(label=_("Value"), max_length=20)
    effective_from = forms.DateField(label=_("Effective from"), input_formats=DATE_INPUT_FORMATS, widget=DateInput())
    note = forms.CharField(label=_("Reason or document"), max_length=200)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 5 MB."))
        return f
