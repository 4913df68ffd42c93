"""django-tables2 tables of the dues pages. Money is right-aligned with 2 places; no query per row."""
from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from branches.tables import FastBodyMixin

from . import periods
from .models import ZERO, LapseCase, Remittance

NUM = {"th": {"class": "text-end"}, "td": {"class": "text-end font-monospace text-nowrap"}}
STATE_CSS = {"paid": "text-bg-success", "partly": "text-bg-warning", "unpaid": "text-bg-danger",
             "not_due": "text-bg-light border", "relief": "text-bg-info"}


def fmt(value) -> str:
    return "—" if value is None else f"{value:.2f}"


class MoneyColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUM)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return fmt(value)


class MonthSheetTable(FastBodyMixin, tables.Table):
    select = tables.CheckBoxColumn(accessor="pk", attrs={"input": {"name": "people", "form": "bulk-pay"},
                                                         "th__input": {"data-select-all": "people"}})
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"), attrs={"td": {"class": "fw-semibold text-nowrap"}})
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "name", "pk"))
    monthly_amount = MoneyColumn(verbose_name=_("Monthly amount"))
    charged = MoneyColumn(verbose_name=_("Due this month"))
    paid = MoneyColumn(verbose_name=_("Paid for the month"))
    state = tables.Column(verbose_name=_("State"), empty_values=(), orderable=False)
    arrears = MoneyColumn(verbose_name=_("Arrears to date"), empty_values=(), orderable=False)
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False, attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta:
        fields = ("select", "name", "unit", "monthly_amount", "charged", "paid", "state", "arrears", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "month-sheet"}
        empty_text = _("No members here.")
        orderable = True

    def __init__(self, *args, period: int, can_change: bool, **kwargs):
        self.period, self.can_change = period, can_change
        super().__init__(*args, **kwargs)
        if not can_change:
            self.exclude = ("select",)

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', reverse("dues:member_ledger", args=[record.pk]), record.name)

    def render_unit(self, record):
        return record.unit.display_name

    def render_state(self, record):
        from .choices import MonthState
        from .selectors import month_state

        state = month_state(record.charged, record.paid, record.charged != 0, False)
        return format_html('<span class="badge {}" data-state="{}">{}</span>', STATE_CSS[state], state,
                           MonthState(state).label)

    def render_arrears(self, record):
        return fmt(record.charged_to - record.paid_to)

    def render_actions(self, record):
        if not self.can_change:
            return ""
        url = reverse("dues:payment_create", args=[record.pk]) + f"?period={periods.label(self.period)}"
        return format_html('<a class="btn btn-sm btn-outline-primary py-0" href="{}" data-testid="pay-{}">'
                           '<i class="bi bi-cash-coin"></i> {}</a>', url, record.pk, _("Record payment"))


class ArrearsTable(FastBodyMixin, tables.Table):
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"))
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "name", "pk"))
    charged_to = MoneyColumn(verbose_name=_("Charged"))
    paid_to = MoneyColumn(verbose_name=_("Paid"))
    arrears = MoneyColumn(verbose_name=_("Arrears"))
    months = tables.Column(verbose_name=_("Consecutive months unpaid"), empty_values=(), orderable=False,
                           attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    since = tables.Column(verbose_name=_("Unpaid since"), empty_values=(), orderable=False)

    class Meta:
        fields = ("name", "unit", "charged_to", "paid_to", "arrears", "months", "since")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "arrears"}
        empty_text = _("Nobody is in arrears.")

    def __init__(self, *args, upto: int, **kwargs):
        self.upto, self._runs = upto, None
        super().__init__(*args, **kwargs)

    @property
    def runs(self) -> dict:
        """Consecutive unpaid months of the page's rows only, read once (two queries at most)."""
        if self._runs is None:
            from .lapse import unpaid_runs

            self._runs = unpaid_runs(self.upto, person_ids=[r.record.pk for r in self.page.object_list])
        return self._runs

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', reverse("dues:member_ledger", args=[record.pk]), record.name)

    def render_unit(self, record):
        return record.unit.display_name

    def render_months(self, record):
        n = self.runs.get(record.pk, (0, None))[0]
        css = "text-bg-danger" if n >= 6 else "text-bg-warning" if n >= 3 else "text-bg-light border"
        return format_html('<span class="badge {}">{}</span>', css, n)

    def render_since(self, record):
        start = self.runs.get(record.pk, (0, None))[1]
        return periods.label(start) if start is not None else "—"


class BaseTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"))
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "name", "pk"))
    dues_category = tables.Column(verbose_name=_("Dues category"), empty_values=(), orderable=False)
    income = MoneyColumn(verbose_name=_("Monthly income after tax"), empty_values=())
    monthly_amount = MoneyColumn(verbose_name=_("Monthly amount"), empty_values=())
    actions = tables.Column(verbose_name="", empty_values=(), orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta:
        fields = ("name", "unit", "dues_category", "income", "monthly_amount", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "bases"}
        empty_text = _("No members here.")

    def __init__(self, *args, year: int, can_change: bool, **kwargs):
        self.year, self.can_change = year, can_change
        super().__init__(*args, **kwargs)

    def render_name(self, record):
        return format_html('<a href="{}">{}</a>', reverse("dues:member_ledger", args=[record.pk]), record.name)

    def render_unit(self, record):
        return record.unit.display_name

    def render_dues_category(self, record):
        from .choices import RateCategory

        if not record.dues_category:
            return format_html('<span class="badge text-bg-warning" data-testid="no-base">{}</span>', _("No base yet"))
        return RateCategory(record.dues_category).label

    def render_actions(self, record):
        if not self.can_change:
            return ""
        url = reverse("dues:base_declare", args=[record.pk]) + f"?year={self.year}"
        label = _("Change") if record.dues_category else _("Declare base")
        return format_html('<a class="btn btn-sm btn-outline-primary py-0" href="{}">{}</a>', url, label)


class LapseCaseTable(tables.Table):
    person = tables.Column(verbose_name=_("Member"), linkify=lambda record: record.get_absolute_url(),
                           order_by=("person__name", "pk"))
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "pk"))
    run_start = tables.Column(verbose_name=_("Unpaid since"))
    months_unpaid = tables.Column(verbose_name=_("Months unpaid"), attrs={"td": {"class": "text-end"}})
    opened_on = tables.Column(verbose_name=_("Opened on"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = LapseCase
        fields = ("person", "unit", "run_start", "months_unpaid", "opened_on", "status")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "lapse-cases"}
        empty_text = _("No lapse cases.")

    def render_unit(self, value):
        return value.display_name

    def render_run_start(self, value):
        return periods.label(value)

    def render_opened_on(self, value):
        return value.isoformat()


class RemittanceTable(tables.Table):
    period = tables.Column(verbose_name=_("Month"))
    unit = tables.Column(verbose_name=_("Unit"))
    to_unit = tables.Column(verbose_name=_("Remitted to"))
    collected = MoneyColumn(verbose_name=_("Collected in the month"))
    amount = MoneyColumn(verbose_name=_("Amount remitted"))
    difference = MoneyColumn(verbose_name=_("Difference"), empty_values=(), orderable=False)
    remitted_on = tables.Column(verbose_name=_("Remitted on"))
    pdf = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta:
        model = Remittance
        fields = ("period", "unit", "to_unit", "collected", "amount", "difference", "remitted_on", "pdf")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "remittances"}
        empty_text = _("No remittances recorded.")

    def render_period(self, value):
        return periods.label(value)

    def render_unit(self, value):
        return value.display_name

    def render_difference(self, record):
        d = record.difference
        return format_html('<span class="{}">{}</span>', "text-danger" if d != ZERO else "", fmt(d))

    def render_remitted_on(self, value):
        return value.isoformat()

    def render_pdf(self, record):
        return format_html('<a href="{}" target="_blank"><i class="bi bi-printer"></i> {}</a>',
                           reverse("dues:remittance_pdf", args=[record.pk]), _("Print"))

