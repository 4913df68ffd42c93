"""The roll as a django-tables2 table."""
from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from branches.tables import FastBodyMixin

from .choices import MemberStatus
from .models import Person

STATUS_BADGE_CLASSES = {
    MemberStatus.APPLICANT: "text-bg-light border",
    MemberStatus.ACTIVIST: "text-bg-info",
    MemberStatus.CANDIDATE: "text-bg-primary",
    MemberStatus.PROBATIONARY: "text-bg-warning",
    MemberStatus.FULL: "text-bg-danger",
}
LEFT_BADGE_CLASS = "text-bg-secondary"
# Columns shown from tablet width up; on a phone the roll shows name, gender, age, status and unit.
WIDE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}
WIDE_NOWRAP = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell text-nowrap"}}


def status_badge(person: Person):
    """The status as a coloured Bootstrap badge (safe HTML)."""
    css = STATUS_BADGE_CLASSES.get(person.status, LEFT_BADGE_CLASS)
    return format_html('<span class="badge {}" data-status="{}">{}</span>', css, person.status,
                       person.get_status_display())


class PersonTable(FastBodyMixin, tables.Table):
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"),
                         attrs={"td": {"class": "text-nowrap fw-semibold"}})
    gender = tables.Column(verbose_name=_("Gender"), order_by=("gender", "name", "pk"))
    age = tables.Column(verbose_name=_("Age"), accessor="birth_date", order_by=("-birth_date", "pk"),
                        attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    citizen_id = tables.Column(verbose_name=_("Citizen ID"), orderable=False,
                               attrs={"th": {"class": "d-none d-md-table-cell"},
                                      "td": {"class": "d-none d-md-table-cell font-monospace text-nowrap"}})
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "name", "pk"))
    category = tables.Column(verbose_name=_("Category"), order_by=("category", "name", "pk"), attrs=WIDE)
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "name", "pk"),
                         attrs={"td": {"class": "text-nowrap"}})
    party_group = tables.Column(verbose_name=_("Party group"), order_by=("party_group__path", "name", "pk"),
                                attrs=WIDE)
    # A plain Column with an isoformat renderer: DateColumn renders a template per cell.
    admission_date = tables.Column(verbose_name=_("Admission date"), order_by=("admission_date", "pk"),
                                   attrs=WIDE_NOWRAP)
    phone = tables.Column(verbose_name=_("Phone"), orderable=False, attrs=WIDE_NOWRAP)

    class Meta:
        model = Person
        fields = ("name", "gender", "age", "citizen_id", "status", "category", "unit", "party_group",
                  "admission_date", "phone")
        sequence = fields
        order_by = ("unit",)
        per_page = 25
        empty_text = _("No people match these filters.")
        attrs = {"class": "table table-sm table-hover align-middle person-table"}

    def __init__(self, *args, can_see_id: Callable | None = None, **kwargs):
        # can_see_id(unit) -> bool, from members.selectors.citizen_id_visibility; masked when absent.
        self.can_see_id = can_see_id or (lambda unit: False)
        # The person page's URL pattern reversed once, not once per row (Person.get_absolute_url).
        head, _sep, tail = reverse("members:person_detail", args=[0]).rpartition("/0/")
        self._detail_url = f"{head}/{{}}/{tail}"
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', self._detail_url.format(record.pk), record.name)

    def render_age(self, record):
        return record.age

    def render_citizen_id(self, record):
        return record.citizen_id if self.can_see_id(record.unit) else record.masked_citizen_id

    def render_admission_date(self, value):
        return value.isoformat()

    def render_status(self, record):
        return status_badge(record)

    def render_party_group(self, record):
        # Group names usually repeat the branch's ("…党支部第一党小组"); the unit column already says it.
        name, branch = record.party_group.display_name, record.unit.name
        return name[len(branch):] if name.startswith(branch) and len(name) > len(branch) else name

    def render_unit(self, record):
        return record.unit.display_name
