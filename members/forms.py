"""Forms of the member roll: the person form, the import upload and its confirmation."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from branches.models import Unit
from branches.permissions import MEMBER_CHANGE
from branches.fields import UnitChoiceField, scope_base_depth

from .choices import Gender
from .idcard import normalize, parse_citizen_id
from .models import Person
from .selectors import party_group_choices, person_unit_choices
from .services import BIRTH_MISMATCH, GENDER_MISMATCH, person_check_citizen_id

IMPORT_MAX_BYTES = 5 * 1024 * 1024
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"]
phone_validator = RegexValidator(r"^[0-9+\-() ]{3,20}$",
                                 _("Enter a phone number: digits, spaces, +, - and brackets only."))


class PartyGroupChoiceField(forms.ModelChoiceField):
    """Party groups labelled with their branch ("第一党支部 · 第一党小组"); the branch name comes from a subquery."""

    def label_from_instance(self, obj):
        parent = getattr(obj, "parent_name", None)
        return f"{parent} · {obj.name}" if parent else obj.name


def with_parent_name(queryset):
    parent = Unit.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen))
    return queryset.annotate(parent_name=Subquery(parent.values("name")[:1]))


def add_citizen_id_errors(form: forms.Form, *, user, exclude_pk: int | None = None) -> None:
    """Check ``citizen_id`` in ``form.cleaned_data`` with person_check_citizen_id.

    A blank birth date or gender is taken from the ID. Each error goes to the field it concerns: the ID
    itself, or the birth date / gender that disagree with it. The normalized ID replaces the typed one.
    """
    cd = form.cleaned_data
    raw = cd.get("citizen_id")
    if not raw:
        return
    try:
        birth, sex = parse_citizen_id(raw)
    except ValidationError as exc:
        form.add_error("citizen_id", exc)
        return
    if not cd.get("birth_date") and "birth_date" not in form.errors:
        cd["birth_date"] = birth
    if not cd.get("gender") and "gender" not in form.errors:
        cd["gender"] = sex
    try:
        cd["citizen_id"] = person_check_citizen_id(citizen_id=raw, birth_date=cd.get("birth_date"),
                                                   gender=cd.get("gender"), exclude_pk=exclude_pk, user=user)
    except ValidationError as exc:
        for error in exc.error_list:
            field = {BIRTH_MISMATCH: "birth_date", GENDER_MISMATCH: "gender"}.get(error.code, "citizen_id")
            form.add_error(field if field in form.fields else "citizen_id", error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


PERSON_FORM_FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "citizen_id", "native_place", "education", "degree",
    "phone", "email", "address", "work_unit", "post", "category",
    "unit", "party_group", "status", "application_date", "activist_date", "candidate_date", "admission_date",
    "full_member_date", "work_start_date", "left_date", "photo", "notes",
]
DATE_FIELDS = ["birth_date", "application_date", "activist_date", "candidate_date", "admission_date",
               "full_member_date", "work_start_date", "left_date"]


class PersonForm(forms.ModelForm):
    """Create or edit a person. Units and party groups are limited to where the user holds MEMBER_CHANGE."""

    citizen_id = forms.CharField(   # spaces are allowed while typing; normalized to 18 characters
        label=_("Citizen ID"), max_length=24, help_text=_("18 characters; the last is a check digit (0-9 or X)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace",
                                      "data-citizen-id": "1"}))
    gender = forms.ChoiceField(label=_("Gender"), required=False,
                               choices=[("", _("(from the citizen ID)")), *Gender.choices])
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput(),
                                 input_formats=DATE_INPUT_FORMATS,
                                 help_text=_("Taken from the citizen ID when left empty."))

    class Meta:
        model = Person
        fields = PERSON_FORM_FIELDS
        widgets = {
            **{name: DateInput() for name in DATE_FIELDS if name != "birth_date"},
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }
        help_texts = {
            "admission_date": _("The date of the branch general meeting that admitted the person."),
            "full_member_date": _("The end of probation; party standing counts from this date."),
            "left_date": _("Only for people who have left the roll."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"] = UnitChoiceField(
            label=_("Unit"), queryset=person_unit_choices(user, MEMBER_CHANGE),
            base_depth=scope_base_depth(user, MEMBER_CHANGE), initial=self.fields["unit"].initial,
            help_text=_("The committee, general branch or branch that holds the person's membership."))
        if not self.instance.pk and not self.initial.get("unit"):
            only = list(self.fields["unit"].queryset[:2])
            if len(only) == 1:                       # one possible unit: choose it
                self.initial["unit"] = only[0].pk
        self.fields["party_group"] = PartyGroupChoiceField(
            label=_("Party group"), required=False,
            queryset=with_parent_name(party_group_choices(user, MEMBER_CHANGE)),
            help_text=_("Optional; it must belong to the unit above."))
        for name in DATE_FIELDS:
            self.fields[name].input_formats = DATE_INPUT_FORMATS
        self.fields["phone"].validators.append(phone_validator)
        narrow, quarter = "col-6 col-md-2", "col-6 col-md-3"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(_("Personal data"),
                     Row(Column("name", css_class="col-md-3"), Column("citizen_id", css_class="col-md-4"),
                         Column("gender", css_class=narrow), Column("birth_date", css_class="col-6 col-md-3")),
                     Row(Column("ethnicity", css_class=quarter), Column("native_place", css_class=quarter),
                         Column("education", css_class=quarter), Column("degree", css_class=quarter))),
            Fieldset(_("Contact and work"),
                     Row(Column("phone", css_class="col-md-4"), Column("email", css_class="col-md-4"),
                         Column("category", css_class="col-md-4")),
                     Row(Column("address", css_class="col-md-4"), Column("work_unit", css_class="col-md-4"),
                         Column("post", css_class="col-md-4"))),
            Fieldset(_("Membership"),
                     Row(Column("unit", css_class="col-md-5"), Column("party_group", css_class="col-md-4"),
                         Column("status", css_class="col-md-3")),
                     Row(Column("application_date", css_class="col-6 col-md-4 col-xl-2"),
                         Column("activist_date", css_class="col-6 col-md-4 col-xl-2"),
                         Column("candidate_date", css_class="col-6 col-md-4 col-xl-2"),
                         Column("admission_date", css_class="col-6 col-md-4 col-xl-2"),
                         Column("full_member_date", css_class="col-6 col-md-4 col-xl-2"),
                         Column("work_start_date", css_class="col-6 col-md-4 col-xl-2")),
                     Row(Column("left_date", css_class="col-6 col-md-4 col-xl-2"))),
            Fieldset(_("Other"), "photo", "notes"),
        )

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_citizen_id(self):
        return normalize(self.cleaned_data.get("citizen_id"))

    def clean(self):
        cleaned = super().clean()
        add_citizen_id_errors(self, user=self.user, exclude_pk=self.instance.pk)
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned values as keyword arguments for person_create / person_update."""
        data = {name: self.cleaned_data.get(name) for name in PERSON_FORM_FIELDS if name != "photo"}
        for name in ("gender", "education", "degree", "native_place", "phone", "email", "address", "work_unit",
                     "post", "notes", "ethnicity"):
            if data.get(name) is None:
                data[name] = ""
        photo = self.cleaned_data.get("photo")
        if photo is False:              # "clear" ticked
            data["photo"] = ""
        elif photo and "photo" in self.changed_data:
            data["photo"] = photo
        return data


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"),
                           help_text=_("Use the template; at most 5 MB. The first sheet is read."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        from openpyxl import load_workbook

        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an Excel workbook saved as .xlsx (an old .xls or a CSV will not do)."),
                                  code="extension")
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is %(size)s; the limit is %(max)s. Split it into several files.")
                                  % {"size": filesizeformat(upload.size), "max": filesizeformat(IMPORT_MAX_BYTES)},
                                  code="size")
        try:
            upload.seek(0)
            workbook = load_workbook(upload, read_only=True, data_only=True)
            workbook.close()
        except Exception:  # noqa: BLE001 - whatever openpyxl raises (bad zip, bad XML, ...), it cannot be read
            raise ValidationError(_("This file cannot be opened as an Excel workbook. Save it from Excel as .xlsx "
                                    "and try again."), code="unreadable")
        upload.seek(0)
        return upload


class ImportConfirmForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    valid_only = forms.BooleanField(required=False, widget=forms.HiddenInput)
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
