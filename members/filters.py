"""The roll's search box and filters (django-filter). Every choice list is scoped to the user."""
from __future__ import annotations

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.permissions import MEMBER_VIEW_SENSITIVE
from branches.scope import scope_q
from branches.selectors import unit_choices

from .choices import (AGE_BANDS, LEFT_STATUSES, MEMBER_STATUSES, PIPELINE_STATUSES, Education, Gender, MemberStatus,
                      PersonCategory)
from branches.fields import FastChoiceFilter, ScopedFilterSet, UnitSubtreeFilter
from .idcard import normalize
from .models import Person

# Status groups offered above the single statuses in the status filter.
STATUS_GROUPS = {
    "on_roll": (_("On the roll (probationary and full)"), MEMBER_STATUSES),
    "pipeline": (_("In the pipeline"), PIPELINE_STATUSES),
    "left": (_("Left"), LEFT_STATUSES),
}
# Without MEMBER_VIEW_SENSITIVE a user sees the last 4 characters of an ID; a longer tail would let them
# probe the masked digits one by one, so it only matches people whose full ID they may see.
VISIBLE_ID_TAIL = 4


def age_band_range(band: str, today=None):
    """(earliest, latest) birth dates, either None, for an AGE_BANDS key: age in [lo, hi] on ``today``."""
    today = today or timezone.localdate()
    for key, _label, lo, hi in AGE_BANDS:
        if key == band:
            latest = today - relativedelta(years=lo)            # age >= lo
            earliest = today - relativedelta(years=hi + 1)      # age <= hi, i.e. born after this day
            return earliest, latest
    raise KeyError(band)


def status_choices():
    return [
        (_("Groups"), [(key, label) for key, (label, _s) in STATUS_GROUPS.items()]),
        (_("Statuses"), list(MemberStatus.choices)),
    ]


class PersonFilter(ScopedFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_q",
        widget=forms.TextInput(attrs={"placeholder": _("Name, last digits of ID, phone"), "type": "search"}))
    unit = UnitSubtreeFilter(label=_("Unit"), queryset=lambda request: unit_choices(request.user),
                             method="filter_unit", empty_label=_("All my units"))
    status = FastChoiceFilter(label=_("Status"), choices=status_choices, method="filter_status",
                                         empty_label=_("Any status"))
    category = FastChoiceFilter(label=_("Category"), choices=PersonCategory.choices,
                                           empty_label=_("Any category"))
    gender = FastChoiceFilter(label=_("Gender"), choices=Gender.choices, empty_label=_("Any gender"))
    age = FastChoiceFilter(label=_("Age"), choices=[(k, label) for k, label, _lo, _hi in AGE_BANDS],
                                      method="filter_age", empty_label=_("Any age"))
    education = FastChoiceFilter(label=_("Education"), choices=Education.choices,
                                            empty_label=_("Any education"))

    class Meta:
        model = Person
        fields = ["q", "unit", "status", "category", "gender", "age", "education"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q(name__icontains=value) | Q(phone__icontains=value)
        tail = normalize(value)
        if tail.isalnum() and tail.isascii():
            id_q = Q(citizen_id__endswith=tail)
            if len(tail) > VISIBLE_ID_TAIL and self.request is not None:
                sensitive = scope_q(self.request.user, MEMBER_VIEW_SENSITIVE, "unit__path")
                if sensitive is not None:
                    id_q &= sensitive
            q |= id_q
        return queryset.filter(q)

    def filter_unit(self, queryset, name, unit):
        if not unit:
            return queryset
        return queryset.filter(Q(unit__path__startswith=unit.path) | Q(party_group__path__startswith=unit.path))

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        if value in STATUS_GROUPS:
            return queryset.filter(status__in=STATUS_GROUPS[value][1])
        return queryset.filter(status=value)

    def filter_age(self, queryset, name, value):
        if not value:
            return queryset
        earliest, latest = age_band_range(value)
        return queryset.filter(birth_date__gt=earliest, birth_date__lte=latest)
