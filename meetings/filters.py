"""The meeting list's search box and filters (django-filter). Every choice list is scoped to the user."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.fields import ScopedFilterSet, UnitSubtreeFilter
from branches.selectors import unit_choices
from members.forms import DATE_INPUT_FORMATS, DateInput

from .choices import MeetingStatus, MeetingType
from .models import Meeting


class MeetingFilter(ScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", widget=forms.TextInput(
        attrs={"placeholder": _("Topic, place, lecture title"), "type": "search"}))
    unit = UnitSubtreeFilter(label=_("Unit"), queryset=lambda request: unit_choices(request.user),
                             empty_label=_("All my units"))
    meeting_type = django_filters.ChoiceFilter(label=_("Meeting type"), choices=MeetingType.choices,
                                               empty_label=_("Any type"), method="filter_type")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MeetingStatus.choices, empty_label=_("Any status"))
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DateInput(),
                                          input_formats=DATE_INPUT_FORMATS)
    date_to = django_filters.DateFilter(label=_("Until"), field_name="date", lookup_expr="lte", widget=DateInput(),
                                        input_formats=DATE_INPUT_FORMATS)

    class Meta:
        model = Meeting
        fields = ["q", "unit", "meeting_type", "status", "date_from", "date_to"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(topic__icontains=value) | Q(place__icontains=value) | Q(lecture_title__icontains=value))

    def filter_type(self, queryset, name, value):
        if not value:
            return queryset
        if value == MeetingType.THEME_DAY:      # meetings that also served as the theme party day count too
            return queryset.filter(Q(meeting_type=value) | Q(also_theme_day=True))
        return queryset.filter(meeting_type=value)
