"""Forms of the org tree. Dropdowns are always scoped (``selectors.unit_choices``); the rules themselves
live in the services, whose ValidationErrors are put back on the form with ``add_service_errors``."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import TERM_YEARS_CHOICES, UnitKind
from .fields import UnitChoiceField
from .models import ALLOWED_CHILDREN, Unit
from .permissions import UNIT_MANAGE

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: to the field when the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class UnitForm(forms.ModelForm):
    """Create or edit a unit's details. On create, ``parent`` limits the kinds offered."""

    class Meta:
        model = Unit
        fields = ["name", "short_name", "code", "kind", "system", "category", "established_on", "contact_person",
                  "phone", "email", "address", "notes"]
        widgets = {"established_on": DATE_WIDGET, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, parent: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent is not None:
            allowed = ALLOWED_CHILDREN.get(parent.kind, set())
            self.fields["kind"].choices = [(k, label) for k, label in UnitKind.choices if k in allowed]
            if not self.instance.pk:
                self.initial.setdefault("system", parent.system)
                self.initial.setdefault("category", parent.category)
                if len(allowed) == 1:
                    self.initial.setdefault("kind", next(iter(allowed)))
        else:  # only a committee stands at the top of the tree
            self.fields["kind"].choices = [(UnitKind.COMMITTEE, UnitKind.COMMITTEE.label)]
        self.fields["established_on"].help_text = _("yyyy-mm-dd")

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


class _ConfirmMixin(forms.Form):
    """Step two of a two-step action: the same fields hidden, plus ``confirmed``."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def as_confirmation(self):
        for name, field in self.fields.items():
            if name != "confirmed":
                field.widget = forms.HiddenInput()
                if isinstance(field, forms.DateField):
                    field.widget.format = "%Y-%m-%d"
        self.initial["confirmed"] = True
        self.data = self.data.copy()
        self.data["confirmed"] = "1"
        return self


class UnitMoveForm(_ConfirmMixin):
    parent = UnitChoiceField(show_code=True, label=_("New superior unit"), queryset=Unit.objects.none(),
                             help_text=_("Only units that can hold this kind of unit, outside its own subtree."))
    note = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, unit: Unit, user, **kwargs):
        from .selectors import unit_choices

        super().__init__(*args, **kwargs)
        self.unit = unit
        # Validate against every unit the user manages, so that a wrong choice gets the service's
        # explanation; offer only the sensible ones.
        field = self.fields["parent"]
        field.queryset = unit_choices(user, UNIT_MANAGE)
        holders = [k for k, kids in ALLOWED_CHILDREN.items() if unit.kind in kids]
        offered = (unit_choices(user, UNIT_MANAGE, kinds=holders).exclude(path__startswith=unit.path))
        current_parent_path = unit.path[:-Unit.steplen]
        field.choices = [("", "---------")] + [(u.pk, field.label_from_instance(u)) for u in offered
                                               if u.path != current_parent_path]


class UnitMergeForm(_ConfirmMixin):
    target = UnitChoiceField(show_code=True, label=_("Merge into"), queryset=Unit.objects.none(),
                             help_text=_("Another unit of the same kind. Its people, child units and appointments "
                                         "move there; this unit is then dissolved."))
    merged_on = forms.DateField(label=_("Merged on"), widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, unit: Unit, user, **kwargs):
        from .selectors import unit_choices

        super().__init__(*args, **kwargs)
        self.unit = unit
        field = self.fields["target"]
        field.queryset = unit_choices(user, UNIT_MANAGE)
        offered = unit_choices(user, UNIT_MANAGE, kinds=[unit.kind]).exclude(path__startswith=unit.path)
        field.choices = [("", "---------")] + [(u.pk, field.label_from_instance(u)) for u in offered]


class UnitDissolveForm(forms.Form):
    dissolved_on = forms.DateField(label=_("Dissolved on"), widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label=_("Reason or decision"), required=False, max_length=200,
                           help_text=_("For example the number of the higher committee's approval."))


class TermForm(forms.Form):
    start_date = forms.DateField(label=_("Elected on (term start)"), widget=DATE_WIDGET,
                                 help_text=_("yyyy-mm-dd; the current term (if any) ends on this date."))
    years = forms.TypedChoiceField(label=_("Term length"), choices=TERM_YEARS_CHOICES, coerce=int)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, default_years: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["years"].initial = default_years
