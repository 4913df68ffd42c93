"""Forms of the committee review queue: submit an item, decide it, return it, filter the queue."""
from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from branches.fields import UnitSubtreeFilter, scope_base_depth
from branches.permissions import REVIEW
from branches.selectors import unit_choices

from .forms import DateInput
from .models import ReviewKind, ReviewRequest
from .review import EXTEND

NOTE_MAX = 2000


class _Confirmable(forms.Form):
    """Two steps: the first POST shows what will happen, the second (``confirmed``) acts."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def as_confirmation(self):
        for name, field in self.fields.items():
            if name in ("confirmed", "action"):
                continue
            field.widget = forms.HiddenInput()
            if isinstance(field, forms.DateField):
                field.widget.format = "%Y-%m-%d"
        self.data = self.data.copy()
        self.data["confirmed"] = "1"
        return self


class ReviewSubmitForm(_Confirmable):
    kind = forms.ChoiceField(label=_("Item"), choices=ReviewKind.choices)
    note = forms.CharField(label=_("Covering note"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Optional: anything the reviewers should know."))


class ReviewDecideForm(_Confirmable):
    action = forms.CharField(widget=forms.HiddenInput, initial="decide", required=False)
    outcome = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    date = forms.DateField(label=_("Decision date"), widget=DateInput(),
                           help_text=_("The day the committee decided (yyyy-mm-dd)."))
    months = forms.IntegerField(label=_("Extension (months)"), required=False, min_value=1, max_value=24,
                                help_text=_("Only for an extension of probation: at least 6 and at most 12 months."))
    reason = forms.CharField(label=_("Comment"), required=False, max_length=NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, outcomes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = outcomes
        if len(outcomes) == 1:
            self.fields["outcome"].initial = outcomes[0][0]
        if not any(value == EXTEND for value, _label in outcomes):
            del self.fields["months"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == EXTEND and not cleaned.get("months"):
            self.add_error("months", _("Enter by how many months probation is extended."))
        return cleaned


class ReviewReturnForm(_Confirmable):
    action = forms.CharField(widget=forms.HiddenInput, initial="return", required=False)
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required: what the branch must fix or add."),
                             error_messages={"required": _("Say why the item goes back to the branch.")})

    def clean_reason(self):
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise forms.ValidationError(_("Say why the item goes back to the branch."))
        return reason


class ReviewFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Item"), choices=ReviewKind.choices, empty_label=_("Any item"))
    unit = UnitSubtreeFilter(label=_("Unit"), queryset=lambda request: unit_choices(request.user, REVIEW),
                             empty_label=_("All my units"))

    class Meta:
        model = ReviewRequest
        fields = ["kind", "unit"]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if request is not None:
            self.filters["unit"].extra["base_depth"] = scope_base_depth(request.user, REVIEW)

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.filters)
