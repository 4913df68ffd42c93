"""Forms of the development statistics page (unit and year choice) and of the yearly development plans."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.fields import UnitChoiceField, scope_base_depth
from branches.permissions import PIPELINE_CHANGE, VIEW
from branches.selectors import unit_choices

from .devstats import MAX_PLANNED, STATS_UNIT_KINDS, plan_year_range, stats_unit_choices


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        first, last = plan_year_range()
        kwargs.setdefault("min_value", first)
        kwargs.setdefault("max_value", last)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": first, "max": last, "step": 1}))
        super().__init__(**kwargs)


class DevStatsForm(forms.Form):
    """?unit=&year= of the statistics page; both optional (the user's top unit, the current year)."""

    unit = UnitChoiceField(label=_("Unit"), queryset=None, required=False, empty_label=_("My top unit"))
    year = YearField(label=_("Plan year"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = stats_unit_choices(user)
        self.fields["unit"].base_depth = scope_base_depth(user, VIEW)


class PlanFilterForm(forms.Form):
    year = YearField(label=_("Year"), required=False)


class PlanCreateForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=None,
                           help_text=_("A committee sets the plans of its own units and of the units below."))
    year = YearField(label=_("Year"))
    planned = forms.IntegerField(label=_("Planned admissions"), min_value=0, max_value=MAX_PLANNED,
                                 help_text=_("How many people the unit plans to admit as probationary members "
                                             "in the year (计划发展数)."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user, PIPELINE_CHANGE, kinds=STATS_UNIT_KINDS)
        self.fields["unit"].base_depth = scope_base_depth(user, PIPELINE_CHANGE)
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year


class PlanEditForm(forms.Form):
    planned = forms.IntegerField(label=_("Planned admissions"), min_value=0, max_value=MAX_PLANNED)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
