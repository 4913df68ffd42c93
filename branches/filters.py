"""django-filter FilterSets of the branches pages. Every dropdown is restricted to the user's scope."""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction, Role
from .fields import UnitSubtreeFilter
from .models import Appointment, AuditEntry
from .permissions import APPOINTMENT_MANAGE, AUDIT_VIEW
from .selectors import unit_choices

# Apps whose objects appear in the audit log (the object type filter lists their models).
AUDITED_APPS = ("auth", "branches", "members", "meetings", "dues", "discipline")


class ContentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContentType) -> str:
        model = obj.model_class()
        return str(model._meta.verbose_name).capitalize() if model else obj.model


class ContentTypeFilter(django_filters.ModelChoiceFilter):
    field_class = ContentTypeChoiceField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AppointmentFilter(django_filters.FilterSet):
    STATE_ACTIVE, STATE_ENDED, STATE_ALL = "active", "ended", "all"

    q = django_filters.CharFilter(label=_("User"), method="filter_user",
                                  widget=forms.TextInput(attrs={"placeholder": _("Username, name or email")}))
    unit = UnitSubtreeFilter(label=_("Unit (and below)"), empty_label=_("All units"),
                             queryset=lambda request: unit_choices(request.user, APPOINTMENT_MANAGE,
                                                                   include_dissolved=True))
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, empty_label=_("All roles"))
    state = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_state", empty_label=None,
        choices=[(STATE_ACTIVE, _("Active")), (STATE_ENDED, _("Ended")), (STATE_ALL, _("All"))],
    )

    class Meta:
        model = Appointment
        fields = ["q", "unit", "role", "state"]

    def __init__(self, data=None, *args, **kwargs):
        # Active appointments unless the user asks for ended ones.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("state"):
            data["state"] = self.STATE_ACTIVE
        super().__init__(data, *args, **kwargs)

    def filter_user(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(user__username__icontains=value) | Q(user__first_name__icontains=value)
                         | Q(user__last_name__icontains=value) | Q(user__email__icontains=value))

    def filter_state(self, qs, name, value):
        if value == self.STATE_ENDED:
            return qs.filter(ended_at__isnull=False)
        if value == self.STATE_ALL:
            return qs
        return qs.filter(ended_at__isnull=True)


class AuditEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("By"), method="filter_actor",
                                      widget=forms.TextInput(attrs={"placeholder": _("Username or name")}))
    unit = UnitSubtreeFilter(label=_("Unit (and below)"), empty_label=_("All units"),
                             queryset=lambda request: unit_choices(request.user, AUDIT_VIEW, include_dissolved=True))
    content_type = ContentTypeFilter(
        label=_("Object type"), empty_label=_("All types"),
        queryset=ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by("app_label", "model"),
    )
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices, empty_label=_("All actions"))
    date_from = django_filters.DateFilter(label=_("From"), field_name="time", lookup_expr="date__gte",
                                          widget=DateInput())
    date_to = django_filters.DateFilter(label=_("To"), field_name="time", lookup_expr="date__lte", widget=DateInput())
    request_id = django_filters.CharFilter(label=_("Request id"), lookup_expr="exact")

    class Meta:
        model = AuditEntry
        fields = ["actor", "unit", "content_type", "action", "date_from", "date_to", "request_id"]

    def filter_actor(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(actor__username__icontains=value) | Q(actor__first_name__icontains=value)
                         | Q(actor__last_name__icontains=value))
