"""Forms of the transfer pages; the rules themselves are checked by members.transfers."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.fields import UnitChoiceField, scope_base_depth
from branches.permissions import MEMBER_CHANGE

from .choices import MEMBER_STATUSES, MemberStatus
from .forms import DATE_INPUT_FORMATS, DateInput, PartyGroupChoiceField, PersonForm, with_parent_name
from .models import Person, TransferKind, TransferStatus
from .selectors import party_group_choices, person_unit_choices
from .transfers import MONTH_RE, RETURNING_STATUSES, default_valid_until, receiving_unit_choices, validity_months

month_validator = RegexValidator(MONTH_RE, _("Enter the month as YYYY-MM, e.g. 2026-04."))
MEMBER_STATUS_CHOICES = [(s, label) for s, label in MemberStatus.choices if s in MEMBER_STATUSES]


def _date_field(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=DATE_INPUT_FORMATS,
                           **kwargs)


def _month_field():
    return forms.CharField(label=_("Dues paid up to (month)"), required=False, max_length=7,
                           validators=[month_validator], help_text=_("YYYY-MM, e.g. 2026-04."),
                           widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-04"}))


class TransferIssueForm(forms.Form):
    """Issue a letter for one person: inside the tree (receiving branch) or to an outside organization."""

    kind = forms.ChoiceField(label=_("Where to"), widget=forms.RadioSelect,
                             choices=[(TransferKind.INTERNAL, _("To another branch of this organization")),
                                      (TransferKind.OUTGOING, _("To an organization outside this system"))],
                             initial=TransferKind.INTERNAL)
    to_unit = UnitChoiceField(label=_("Receiving unit"), required=False, queryset=None, show_code=True,
                              help_text=_("Any branch or general branch of the organization; it accepts or returns "
                                          "the transfer."))
    external_org = forms.CharField(label=_("Outside organization"), required=False, max_length=200,
                                   help_text=_("The full name of the party organization the letter is addressed to."))
    issued_on = _date_field(_("Issued on"))
    valid_until = _date_field(_("Valid until"), required=False)
    dues_paid_until = _month_field()
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200,
                             help_text=_("E.g. change of work, moving house, graduation."))

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        months = validity_months(person.unit, today)
        self.fields["to_unit"].queryset = receiving_unit_choices(exclude=person.unit)
        self.fields["issued_on"].initial = today
        self.fields["valid_until"].initial = default_valid_until(person.unit, today)
        self.fields["valid_until"].help_text = _(
            "Prefilled with %(n)s months after today; change it to your local rule. Left empty: %(n)s months "
            "after the issue date.") % {"n": months}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "kind",
            Row(Column("to_unit", css_class="col-md-6"), Column("external_org", css_class="col-md-6")),
            Row(Column("issued_on", css_class="col-6 col-md-3"), Column("valid_until", css_class="col-6 col-md-3"),
                Column("dues_paid_until", css_class="col-6 col-md-3")),
            "reason",
        )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == TransferKind.INTERNAL and not cleaned.get("to_unit") and "to_unit" not in self.errors:
            self.add_error("to_unit", _("Choose the receiving unit."))
        if kind == TransferKind.OUTGOING and not (cleaned.get("external_org") or "").strip():
            self.add_error("external_org", _("Enter the outside organization the letter is addressed to."))
        return cleaned


class TransferReasonForm(forms.Form):
    """Return (receiving side) or cancel (sending side) with a reason."""

    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Enter a reason.")})

    def clean_reason(self):
        value = (self.cleaned_data.get("reason") or "").strip()
        if not value:
            raise forms.ValidationError(_("Enter a reason."))
        return value


class TransferReceiptForm(forms.Form):
    receipt_on = _date_field(_("Receipt returned on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200,
                           help_text=_("E.g. the receiving organization and who signed the receipt."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receipt_on"].initial = timezone.localdate()


# -- incoming ----------------------------------------------------------------------------------------------

class IncomingLetterForm(forms.Form):
    """The outside letter: who issued it, its number, dates and dues."""

    external_org = forms.CharField(label=_("Issued by (outside organization)"), max_length=200)
    external_number = forms.CharField(label=_("Number of the letter"), required=False, max_length=60)
    issued_on = _date_field(_("Issued on"))
    valid_until = _date_field(_("Valid until"), required=False,
                              help_text=_("As printed on the letter; left empty: 3 months after the issue date."))
    dues_paid_until = _month_field()
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    prefix = "letter"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("external_org", css_class="col-md-8"), Column("external_number", css_class="col-md-4")),
            Row(Column("issued_on", css_class="col-6 col-md-4"), Column("valid_until", css_class="col-6 col-md-4"),
                Column("dues_paid_until", css_class="col-6 col-md-4")),
            "reason",
        )


class ReturningPersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.masked_citizen_id} · {obj.unit.name}"


class IncomingExistingForm(forms.Form):
    """A former member's record (transferred out earlier) brought back onto the roll."""

    person = ReturningPersonChoiceField(label=_("Former member"), queryset=Person.objects.none(),
                                        help_text=_("People of your units who were transferred out."))
    unit = UnitChoiceField(label=_("Receiving unit"), queryset=None)
    party_group = PartyGroupChoiceField(label=_("Party group"), required=False, queryset=None)
    status = forms.ChoiceField(label=_("Status on the letter"), choices=MEMBER_STATUS_CHOICES)
    admission_date = _date_field(_("Admission date"), required=False, help_text=_("Only to correct the record."))
    full_member_date = _date_field(_("Full membership date"), required=False,
                                   help_text=_("Needed when the person became a full member meanwhile."))

    prefix = "existing"

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (Person.objects.restrict(user, MEMBER_CHANGE)
                                          .filter(status__in=RETURNING_STATUSES).select_related("unit")
                                          .order_by("name", "pk"))
        self.fields["unit"].queryset = person_unit_choices(user, MEMBER_CHANGE)
        self.fields["unit"].base_depth = scope_base_depth(user, MEMBER_CHANGE)
        self.fields["party_group"].queryset = with_parent_name(party_group_choices(user, MEMBER_CHANGE))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "person",
            Row(Column("unit", css_class="col-md-5"), Column("party_group", css_class="col-md-4"),
                Column("status", css_class="col-md-3")),
            Row(Column("admission_date", css_class="col-6 col-md-4"),
                Column("full_member_date", css_class="col-6 col-md-4")),
        )


class IncomingPersonForm(PersonForm):
    """A new person: the person form, the status limited to what a letter transfers."""

    prefix = "person"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = MEMBER_STATUS_CHOICES
        self.fields["unit"].label = _("Receiving unit")
        self.fields["left_date"].disabled = True


TRANSFER_TABS = [
    ("all", _("All")),
    ("waiting", _("Waiting for my decision")),
    ("outgoing", _("From my units")),
    ("incoming", _("To my units")),
    ("expired", _("Expired letters")),
]


class TransferFilterForm(forms.Form):
    """Filters of the list (GET); bad values are ignored rather than shown as errors."""

    q = forms.CharField(label=_("Name or letter number"), required=False, max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *TransferKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *TransferStatus.choices])
    tab = forms.ChoiceField(required=False, choices=TRANSFER_TABS, widget=forms.HiddenInput)
