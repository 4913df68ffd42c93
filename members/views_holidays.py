"""The holiday table (节假日与调休上班): committee administrators correct the working-day calendar.

Working days come from the ``chinesecalendar`` package; an entry here overrides the package for its date
(members.workdays). Everyone with UNIT_MANAGE somewhere (committee administrators) or a superuser may list, add
and delete entries; others get 403. Routes in ``urls_holidays`` (included in members.urls).
"""
from __future__ import annotations

import datetime

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import FormView, TemplateView

from branches.forms import DATE_WIDGET, add_service_errors
from branches.permissions import UNIT_MANAGE
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin

from .models import Holiday
from .workdays import holiday_create, holiday_delete, package_exceptions, package_years

PER_PAGE = 50
MIN_YEAR, MAX_YEAR = 1990, 2100


def _year(raw, default: int) -> int:
    """``?year=`` as an int in a sane range; anything else is the default (never an error)."""
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return year if MIN_YEAR <= year <= MAX_YEAR else default


def list_url(year: int) -> str:
    return f"{reverse('members:holiday_list')}?year={year}"


def _crumbs(tail=None):
    crumbs = [(reverse("branches:unit_tree"), _("Organization")), (reverse("members:holiday_list"),
                                                                   _("Holiday calendar"))]
    return crumbs + (tail or [])


def _kind_badge(is_workday: bool):
    if is_workday:
        return format_html('<span class="badge text-bg-warning text-wrap" data-kind="workday">{}</span>',
                           _("Make-up working day"))
    return format_html('<span class="badge text-bg-success text-wrap" data-kind="holiday">{}</span>', _("Holiday"))


class HolidayTable(tables.Table):
    date = tables.Column(verbose_name=gettext_lazy("Date"), attrs={"td": {"class": "text-nowrap"}})
    weekday = tables.Column(verbose_name=gettext_lazy("Weekday"), accessor="date", orderable=False,
                            attrs={"th": {"class": "d-none d-sm-table-cell"},
                                   "td": {"class": "d-none d-sm-table-cell"}})
    is_workday = tables.Column(verbose_name=gettext_lazy("Kind"))
    name = tables.Column(verbose_name=pgettext_lazy("holiday", "Name"))
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Holiday
        fields = ("date", "weekday", "is_workday", "name", "actions")
        sequence = fields
        order_by = ("date",)
        attrs = {"class": "table table-sm align-middle mb-0"}
        empty_text = gettext_lazy("No entries for this year.")

    def render_date(self, value):
        return value.isoformat()

    def render_weekday(self, value):
        from django.utils.dateformat import format as date_format

        return date_format(value, "l")

    def render_is_workday(self, value):
        return _kind_badge(value)

    def render_actions(self, record):
        return format_html('<a class="btn btn-sm btn-outline-danger" href="{}" data-testid="holiday-delete-{}">'
                           '<i class="bi bi-trash"></i><span class="d-none d-sm-inline"> {}</span></a>',
                           reverse("members:holiday_delete", args=[record.pk]), record.pk, _("Delete"))


class HolidayListView(ActionRequiredMixin, TemplateView):
    """The year's table entries and, for reference, what the package says about that year."""

    permission_action = UNIT_MANAGE
    template_name = "members/holidays/holiday_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        year = _year(self.request.GET.get("year"), today.year)
        rows = Holiday.objects.filter(date__year=year)
        table = HolidayTable(rows)
        tables.RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        overridden = dict(rows.values_list("date", "is_workday"))
        reference = [
            {"day": d, "overridden": d.date in overridden,
             "create_url": reverse("members:holiday_create") + "?" + urlencode(
                 {"date": d.date.isoformat(), "kind": "holiday" if d.is_workday else "workday", "name": d.name})}
            for d in package_exceptions(year)
        ]
        covered = package_years()
        ctx.update(
            title=_("Holiday calendar %(year)s") % {"year": year},
            year=year, prev_url=list_url(year - 1), next_url=list_url(year + 1),
            table=table, result_count=table.paginator.count,
            reference=reference,
            package_covers=bool(covered and covered[0] <= year <= covered[1]),
            package_years=covered,
            create_url=f"{reverse('members:holiday_create')}?year={year}",
            breadcrumbs=[(reverse("branches:unit_tree"), _("Organization")), (None, _("Holiday calendar"))],
        )
        return ctx


KIND_CHOICES = [("holiday", gettext_lazy("Holiday (no work on this day)")),
                ("workday", gettext_lazy("Make-up working day (work on this weekend day)"))]


class HolidayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KIND_CHOICES, widget=forms.RadioSelect,
                             initial="holiday")
    name = forms.CharField(label=pgettext_lazy("holiday", "Name"), max_length=60,
                           help_text=gettext_lazy("For example “National Day” or “National Day make-up working day”."))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if not (MIN_YEAR <= day.year <= MAX_YEAR):
            raise ValidationError(_("Enter a date between %(a)s and %(b)s.") % {"a": MIN_YEAR, "b": MAX_YEAR})
        return day


class HolidayCreateView(ActionRequiredMixin, FormView):
    permission_action = UNIT_MANAGE
    template_name = "members/holidays/holiday_form.html"
    form_class = HolidayForm

    def get_initial(self):
        initial = {}
        raw = self.request.GET.get("date")
        if raw:
            try:
                initial["date"] = datetime.date.fromisoformat(raw)
            except ValueError:
                pass
        if self.request.GET.get("kind") in ("holiday", "workday"):
            initial["kind"] = self.request.GET["kind"]
        if self.request.GET.get("name"):
            initial["name"] = self.request.GET["name"][:60]
        return initial

    def _back_year(self) -> int:
        initial_date = self.get_initial().get("date")
        return initial_date.year if initial_date else _year(self.request.GET.get("year"), timezone.localdate().year)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            holiday = holiday_create(actor=self.request.user, date=data["date"],
                                     is_workday=data["kind"] == "workday", name=data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(date)s (%(name)s) is now in the holiday calendar.")
                         % {"date": holiday.date.isoformat(), "name": holiday.name})
        return HttpResponseRedirect(list_url(holiday.date.year))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=_("Add to the holiday calendar"),
                   help_text=_("An entry overrides the State Council calendar package for its date: a holiday is "
                               "not a working day, a make-up working day is one even on a weekend. Public notices "
                               "count working days by this calendar."),
                   cancel_url=list_url(self._back_year()),
                   breadcrumbs=_crumbs([(None, _("Add"))]))
        return ctx


class HolidayDeleteView(ActionRequiredMixin, TemplateView):
    """GET: confirmation; POST: delete the entry (a correction of the table, audited)."""

    permission_action = UNIT_MANAGE
    template_name = "generic/confirm.html"

    def get(self, request, pk):
        self.holiday = get_object_or_404(Holiday, pk=pk)
        return super().get(request, pk=pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h = self.holiday
        kind = _("make-up working day") if h.is_workday else _("holiday")
        ctx.update(title=_("Delete a holiday calendar entry"),
                   message=_("%(date)s (%(name)s, %(kind)s) will be removed from the table; the date then follows "
                             "the calendar package (or Monday to Friday) again. Public notices already recorded keep "
                             "their dates; open ones are counted anew.")
                   % {"date": h.date.isoformat(), "name": h.name, "kind": kind},
                   submit_label=_("Delete entry"), danger=True, cancel_url=list_url(h.date.year),
                   breadcrumbs=_crumbs([(None, _("Delete"))]))
        return ctx

    def post(self, request, pk):
        self.holiday = get_object_or_404(Holiday, pk=pk)
        year, label = self.holiday.date.year, f"{self.holiday.date.isoformat()} {self.holiday.name}"
        holiday_delete(actor=request.user, holiday=self.holiday)
        messages.success(request, _("%(entry)s was removed from the holiday calendar.") % {"entry": label})
        return HttpResponseRedirect(list_url(year))
