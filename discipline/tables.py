"""Discipline lists as django-tables2 tables."""
from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.tables import MEDIUM_UP

from .choices import CaseStatus, LetterStatus
from .models import Appraisal, Case, IntegrityLetter

STATUS_CSS = {
    CaseStatus.OPEN: "text-bg-warning", CaseStatus.DECIDED: "text-bg-info", CaseStatus.APPROVED: "text-bg-info",
    CaseStatus.DELIVERED: "text-bg-primary", CaseStatus.EFFECTIVE: "text-bg-danger",
    CaseStatus.APPEALED: "text-bg-warning", CaseStatus.REVOKED: "text-bg-secondary",
    CaseStatus.CLOSED: "text-bg-secondary",
}


def case_badge(case: Case):
    return format_html('<span class="badge {}" data-status="{}">{}</span>', STATUS_CSS.get(case.status, ""),
                       case.status, case.get_status_display())


class CaseTable(tables.Table):
    number = tables.Column(verbose_name=_("Case number"), order_by=("number",),
                           attrs={"td": {"class": "text-nowrap font-monospace"}})
    person = tables.Column(verbose_name=_("Member"), accessor="person__name", order_by=("person__name", "pk"),
                           attrs={"td": {"class": "text-nowrap fw-semibold"}})
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__path", "pk"), attrs=MEDIUM_UP)
    kind = tables.Column(verbose_name=_("Kind"), order_by=("kind", "pk"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    measure = tables.Column(verbose_name=_("Measure"), order_by=("measure", "pk"), default="—")
    opened_on = tables.DateColumn(verbose_name=_("Opened on"), format="Y-m-d", order_by=("opened_on", "pk"))
    effective_on = tables.DateColumn(verbose_name=_("Effective date"), format="Y-m-d", default="—", attrs=MEDIUM_UP)

    class Meta:
        model = Case
        fields = ("number", "person", "unit", "kind", "status", "measure", "opened_on", "effective_on")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "case-table"}
        row_attrs = {"data-testid": lambda record: f"case-row-{record.pk}"}

    def render_number(self, record):
        return format_html('<a href="{}" data-testid="open-case-{}">{}</a>', record.get_absolute_url(), record.pk,
                           record.number)

    def render_unit(self, record):
        return record.unit.display_name

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return case_badge(record)

    def render_measure(self, record):
        return record.get_measure_display() or "—"


class LetterTable(tables.Table):
    number = tables.Column(verbose_name=pgettext_lazy("integrity letter", "Letter number"),
                           attrs={"td": {"class": "text-nowrap font-monospace"}})
    person = tables.Column(verbose_name=_("Person"), accessor="person__name", order_by=("person__name", "pk"))
    kind = tables.Column(verbose_name=_("Kind"))
    issued_on = tables.DateColumn(verbose_name=_("Issued on"), format="Y-m-d")
    due_on = tables.Column(verbose_name=_("Answer due on"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = IntegrityLetter
        fields = ("number", "person", "kind", "issued_on", "due_on", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "letter-table"}

    def render_number(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_due_on(self, record):
        late = record.status == LetterStatus.ISSUED and record.due_on < timezone.localdate()
        return format_html('<span class="{}">{}</span>', "text-danger fw-semibold" if late else "",
                           record.due_on.isoformat())


class AppraisalTable(tables.Table):
    year = tables.Column(verbose_name=_("Year"))
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name", order_by=("unit__path",))
    held_on = tables.DateColumn(verbose_name=_("Meeting held on"), format="Y-m-d")
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Appraisal
        fields = ("year", "unit", "held_on", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "appraisal-table"}

    def render_year(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.year)

    def render_status(self, record):
        return record.get_status_display()
