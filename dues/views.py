"""Pages of the dues work: overview, month sheet (with quick payments), arrears, bases (with Excel import), member
ledger, payments and reversals, reliefs, remittances, lapse cases, rate tables; exports and printables.

Every page goes through the scope: a unit or member out of view scope is 404, without DUES_VIEW (DUES_CHANGE for
writes) 403. Views are thin: each write calls one service, then a message and a redirect.
"""
from __future__ import annotations

import datetime
import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from branches.choices import UnitKind
from branches.context_processors import get_current_unit
from branches.forms import add_service_errors
from branches.models import Unit
from branches.pdf import render_pdf
from branches.permissions import DUES_CHANGE, DUES_VIEW
from branches.scope import get_scoped_or_404, has_perm
from branches.selectors import unit_breadcrumbs
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin
from members import importers as member_importers
from members.exporters import xlsx_response
from members.models import Person

from . import importers, periods, printing, selectors
from .choices import LAPSE_OPEN_STATUSES, LAPSE_TRANSITIONS, PaidBy, RateCategory
from .forms import (BaseForm, BracketFormSet, BulkPayForm, ImportUploadForm, LapseAdvanceForm, PaymentForm,
                    PeriodSelectForm, PolicyForm, RateTableForm, ReasonForm, ReliefForm, RemittanceForm,
                    YearSelectForm)
from .lapse import unpaid_runs
from .models import DuesBase, DuesPolicy, LapseCase, LedgerEntry, Payment, RateTable, Remittance
from .policy import DuesPolicySet
from .rates import CATEGORY_FOR_PERSON, table_for
from .services import (dues_base_declare, dues_charge_reverse, dues_payment_record, dues_payment_reverse,
                       dues_policy_set, dues_relief_record, dues_remittance_record, lapse_case_advance, month_dues,
                       rate_table_create)
from .tables import ArrearsTable, BaseTable, LapseCaseTable, MonthSheetTable, RemittanceTable

logger = logging.getLogger(__name__)
PER_PAGE = 50
IMPORT_SESSION_KEY = "dues_base_imports"


def _period(request, default: int | None = None) -> int:
    form = PeriodSelectForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("period") is not None:
        return form.cleaned_data["period"]
    return default if default is not None else periods.of_date(timezone.localdate())


def _year(request) -> int:
    form = YearSelectForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("year"):
        return form.cleaned_data["year"]
    return timezone.localdate().year


def _crumbs(user, unit, *tail):
    return unit_breadcrumbs(user, unit, tail=[(reverse("dues:home"), _("Dues")), *tail])


class UnitDuesMixin(LoginRequiredMixin):
    """A page about one unit's dues: ``self.unit`` within scope (404) with ``permission_action`` (403)."""

    permission_action = DUES_VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.unit = get_scoped_or_404(Unit.objects.all(), request.user, self.permission_action, pk=kwargs["unit_pk"])
        if self.unit.kind == UnitKind.PARTY_GROUP:
            raise Http404
        self.can_change = has_perm(request.user, DUES_CHANGE, self.unit)
        return super().dispatch(request, *args, **kwargs)


class PersonDuesMixin(LoginRequiredMixin):
    permission_action = DUES_VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.person = get_scoped_or_404(Person.objects.select_related("unit"), request.user, self.permission_action,
                                        pk=kwargs["person_pk"])
        self.can_change = has_perm(request.user, DUES_CHANGE, self.person.unit)
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self, *tail):
        p = self.person
        return _crumbs(self.request.user, p.unit, (reverse("dues:member_ledger", args=[p.pk]), p.name), *tail)


# ---------------------------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------------------------

class DuesHomeView(ActionRequiredMixin, TemplateView):
    """Units in scope with the month's collection rate; links to each unit's pages."""

    permission_action = DUES_VIEW
    template_name = "dues/home.html"

    def get(self, request, *args, **kwargs):
        current = get_current_unit(request)
        units = self.units = list(selectors.dues_units(request.user))
        if len(units) == 1 or (current is not None and current in units and not request.GET):
            unit = current if current in units else units[0]
            return redirect("dues:month_sheet", unit_pk=unit.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        period = _period(self.request)
        ctx.update(title=_("Dues"), period=period, period_label=periods.label(period),
                   rows=selectors.unit_rollup(self.request.user, period, units=self.units),
                   cases_open=selectors.lapse_cases(self.request.user).filter(status__in=LAPSE_OPEN_STATUSES).count(),
                   breadcrumbs=[(None, _("Dues"))])
        return ctx


# ---------------------------------------------------------------------------------------------------------
# Month sheet, arrears
# ---------------------------------------------------------------------------------------------------------

class MonthSheetView(UnitDuesMixin, TemplateView):
    template_name = "dues/month_sheet.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.unit
        period = _period(self.request)
        table = MonthSheetTable(selectors.month_sheet(user, unit, period), period=period,
                                can_change=self.can_change)
        RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        totals = selectors.sheet_totals(user, unit, period)
        q = f"?period={periods.label(period)}"
        ctx.update(title=_("Collection sheet"), unit=unit, table=table, totals=totals, period=period,
                   period_label=periods.label(period), prev_period=periods.label(period - 1),
                   next_period=periods.label(period + 1), can_change=self.can_change, query=q,
                   bulk_form=BulkPayForm(initial={"paid_on": timezone.localdate()}),
                   breadcrumbs=_crumbs(user, unit, (None, _("Collection sheet"))))
        return ctx


class BulkPayView(UnitDuesMixin, View):
    """POST: the selected members pay the month's dues in person (each its own receipt)."""

    permission_action = DUES_CHANGE

    def post(self, request, unit_pk):
        period = _period(request)
        posted = [int(v) for v in request.POST.getlist("people") if v.isdigit()]      # only the ticked members
        members = {p.pk: p for p in selectors.members_of(request.user, self.unit, DUES_CHANGE).filter(pk__in=posted)}
        form = BulkPayForm(request.POST, people_choices=[(pk, p.name) for pk, p in members.items()])
        back = reverse("dues:month_sheet", args=[self.unit.pk]) + f"?period={periods.label(period)}"
        if not form.is_valid():
            for field, errs in form.errors.items():
                messages.error(request, "; ".join(errs) if field == "__all__" else f"{form.fields[field].label}: {'; '.join(errs)}")
            return redirect(back)
        done, failed = 0, []
        for pk in form.cleaned_data["people"]:
            person = members[pk]
            due = month_dues(person, [period])[period]
            if due <= 0:
                failed.append(_("%(n)s: nothing is due for %(m)s.") % {"n": person.name, "m": periods.label(period)})
                continue
            try:
                dues_payment_record(actor=request.user, person=person, paid_on=form.cleaned_data["paid_on"],
                                    first_period=period, last_period=period, amount=due,
                                    method=form.cleaned_data["method"], paid_by=PaidBy.IN_PERSON)
                done += 1
            except ValidationError as exc:
                failed.append(f"{person.name}: {' '.join(exc.messages)}")
        if done:
            messages.success(request, _("%(n)d payment(s) recorded for %(m)s.") % {"n": done, "m": periods.label(period)})
        for line in failed:
            messages.warning(request, line)
        return redirect(back)


class MonthSheetPdfView(UnitDuesMixin, View):
    def get(self, request, unit_pk):
        period = _period(request)
        rows = printing.sheet_rows(selectors.month_sheet(request.user, self.unit, period))
        totals = selectors.sheet_totals(request.user, self.unit, period)
        return render_pdf("pdf/dues/collection_sheet.html", {
            "title": "党费收缴表", "unit_name": self.unit.name, "period": f"所属月份：{periods.label_zh(period)}",
            "rows": rows, "totals": totals}, request=request,
            filename=f"党费收缴表-{self.unit.name}-{periods.label(period)}.pdf")


class MonthSheetXlsxView(UnitDuesMixin, View):
    def get(self, request, unit_pk):
        period = _period(request)
        rows = printing.sheet_rows(selectors.month_sheet(request.user, self.unit, period))
        totals = selectors.sheet_totals(request.user, self.unit, period)
        return xlsx_response(printing.sheet_xlsx(unit_name=self.unit.name, period=period, rows=rows, totals=totals),
                     f"党费收缴表-{self.unit.name}-{periods.label(period)}.xlsx")


class NoticePdfView(UnitDuesMixin, View):
    """The monthly public notice of collection (党费收缴情况公示)."""

    def get(self, request, unit_pk):
        period = _period(request)
        rows = printing.sheet_rows(selectors.month_sheet(request.user, self.unit, period))
        totals = selectors.sheet_totals(request.user, self.unit, period)
        return render_pdf("pdf/dues/notice.html", {
            "title": "党费收缴情况公示", "unit_name": self.unit.name, "period": f"公示月份：{periods.label_zh(period)}",
            "period_zh": periods.label_zh(period), "rows": rows, "totals": totals}, request=request,
            filename=f"党费收缴公示-{self.unit.name}-{periods.label(period)}.pdf")


class ArrearsView(UnitDuesMixin, TemplateView):
    template_name = "dues/arrears.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        upto = _period(self.request, periods.of_date(timezone.localdate()) - 1)
        table = ArrearsTable(selectors.arrears_list(self.request.user, self.unit, upto), upto=upto)
        RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        ctx.update(title=_("Arrears"), unit=self.unit, table=table, upto=upto, period_label=periods.label(upto),
                   result_count=table.paginator.count,
                   export_url=reverse("dues:arrears_xlsx", args=[self.unit.pk]) + f"?period={periods.label(upto)}",
                   breadcrumbs=_crumbs(self.request.user, self.unit, (None, _("Arrears"))))
        return ctx


class ArrearsXlsxView(UnitDuesMixin, View):
    def get(self, request, unit_pk):
        upto = _period(request, periods.of_date(timezone.localdate()) - 1)
        people = list(selectors.arrears_list(request.user, self.unit, upto))
        runs = unpaid_runs(upto, paths=[self.unit.path])
        return xlsx_response(printing.arrears_xlsx(unit_name=self.unit.name, upto=upto, people=people, runs=runs),
                     f"欠缴党费-{self.unit.name}-{periods.label(upto)}.xlsx")


class UnitRegisterPdfView(UnitDuesMixin, View):
    """The unit's yearly register (党费收缴登记簿): one row per member, paid per month, the year's totals."""

    def get(self, request, unit_pk):
        year = _year(request)
        people = list(selectors.members_of(request.user, self.unit).order_by("unit__path", "name", "pk"))
        rows, col_totals = printing.register_rows(people, year)
        return render_pdf("pdf/dues/unit_register.html", {
            "title": "党费收缴登记簿", "unit_name": self.unit.name, "period": f"{year}年度", "rows": rows,
            "col_totals": col_totals, "charged_total": sum((r["charged"] for r in rows), printing.ZERO),
            "paid_total": sum((r["paid_total"] for r in rows), printing.ZERO)}, request=request,
            filename=f"党费登记簿-{self.unit.name}-{year}.pdf")


# ---------------------------------------------------------------------------------------------------------
# Bases
# ---------------------------------------------------------------------------------------------------------

class BaseListView(UnitDuesMixin, TemplateView):
    template_name = "dues/base_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = _year(self.request)
        qs = selectors.bases_of(self.request.user, self.unit, year)
        table = BaseTable(qs, year=year, can_change=self.can_change)
        RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        missing = selectors.without_base_count([self.unit], year, self.request.user)
        ctx.update(title=_("Dues bases %(y)s") % {"y": year}, unit=self.unit, table=table, year=year, missing=missing,
                   can_change=self.can_change, result_count=table.paginator.count,
                   breadcrumbs=_crumbs(self.request.user, self.unit, (None, _("Bases"))))
        return ctx


class BaseDeclareView(PersonDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "dues/base_form.html"

    def _context(self, form, year):
        table = table_for(self.person.unit, year)
        return {"form": form, "person": self.person, "rate_table": table,
                "brackets": list(table.brackets.all()) if table else [],
                "title": _("Dues base of %(n)s") % {"n": self.person.name},
                "cancel_url": reverse("dues:member_ledger", args=[self.person.pk]),
                "breadcrumbs": self.crumbs((None, _("Base")))}

    def get(self, request, person_pk):
        year = _year(request)
        base = DuesBase.objects.filter(person=self.person, year=year).first()
        initial = {"year": year, "category": CATEGORY_FOR_PERSON.get(self.person.category, RateCategory.EMPLOYEE)}
        if base:
            initial.update(category=base.category, income=base.income, declared_amount=base.declared_amount,
                           voluntary_extra=base.voluntary_extra, note=base.note)
        return render(request, self.template_name, self._context(BaseForm(initial=initial), year))

    def post(self, request, person_pk):
        form = BaseForm(request.POST)
        year = _year(request)
        if form.is_valid():
            d = form.cleaned_data
            year = d["year"]
            try:
                base = dues_base_declare(actor=request.user, person=self.person, year=year, category=d["category"],
                                         income=d["income"], declared_amount=d["declared_amount"],
                                         voluntary_extra=d["voluntary_extra"] or 0, note=d["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Base for %(y)s saved: %(a)s yuan a month (%(r)s).")
                                 % {"y": year, "a": base.monthly_amount, "r": base.rule})
                return redirect(reverse("dues:member_ledger", args=[self.person.pk]) + f"?year={year}")
        return render(request, self.template_name, self._context(form, year))


class BaseImportView(UnitDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "dues/base_import.html"

    def _ctx(self, **extra):
        return {"title": _("Import the year's bases"), "unit": self.unit, "columns": importers.COLUMNS,
                "breadcrumbs": _crumbs(self.request.user, self.unit,
                                       (reverse("dues:base_list", args=[self.unit.pk]), _("Bases")), (None, _("Import"))),
                **extra}

    def get(self, request, unit_pk):
        return render(request, self.template_name,
                      self._ctx(upload_form=ImportUploadForm(initial={"year": timezone.localdate().year})))

    def post(self, request, unit_pk):
        if "token" in request.POST:
            return self._import(request)
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, self._ctx(upload_form=form))
        year = form.cleaned_data["year"]
        report = importers.validate_workbook(form.cleaned_data["file"], user=request.user, year=year)
        token = None
        if report.can_import:
            token = str(member_importers.store_upload(form.cleaned_data["file"]))
            request.session.setdefault(IMPORT_SESSION_KEY, {})[token] = year
            request.session.modified = True
        return render(request, self.template_name, self._ctx(upload_form=ImportUploadForm(initial={"year": year}),
                                                             report=report, token=token, errors=report.errors[:500]))

    def _import(self, request):
        token = request.POST.get("token", "")
        pending = request.session.get(IMPORT_SESSION_KEY, {})
        if token not in pending:
            messages.error(request, _("This upload has expired; upload the file again."))
            return redirect("dues:base_import", unit_pk=self.unit.pk)
        try:
            fh = member_importers.open_upload(token)
        except ValueError:
            fh = None
        if fh is None:
            messages.error(request, _("This upload has expired; upload the file again."))
            return redirect("dues:base_import", unit_pk=self.unit.pk)
        with fh:
            report = importers.validate_workbook(fh, user=request.user, year=int(pending[token]))
        if not report.can_import:
            return render(request, self.template_name, self._ctx(upload_form=ImportUploadForm(), report=report,
                                                                 errors=report.errors[:500]))
        try:
            n = importers.bases_import(actor=request.user, report=report)
        except (ValidationError, IntegrityError) as exc:
            messages.error(request, _("Nothing was imported: %(e)s") % {"e": " ".join(getattr(exc, "messages", [str(exc)]))})
            return redirect("dues:base_import", unit_pk=self.unit.pk)
        member_importers.delete_upload(token)
        pending.pop(token, None)
        request.session.modified = True
        messages.success(request, _("%(n)d base(s) imported for %(y)s.") % {"n": n, "y": report.year})
        return redirect(reverse("dues:base_list", args=[self.unit.pk]) + f"?year={report.year}")


class BaseImportTemplateView(ActionRequiredMixin, View):
    permission_action = DUES_CHANGE

    def get(self, request):
        return xlsx_response(importers.import_template(), "党费基数导入模板.xlsx")


# ---------------------------------------------------------------------------------------------------------
# Member ledger, payments, reversals, reliefs
# ---------------------------------------------------------------------------------------------------------

class MemberLedgerView(PersonDuesMixin, TemplateView):
    template_name = "dues/member_ledger.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, year = self.person, _year(self.request)
        grid = selectors.month_grid(p, periods.month_no(year, 1), periods.month_no(year, 12))
        ctx.update(title=_("Dues of %(n)s") % {"n": p.name}, person=p, year=year, grid=grid,
                   base=DuesBase.objects.filter(person=p, year=year).select_related("rate_table").first(),
                   lines=selectors.ledger_lines(p, year), payments=selectors.payments_of(p)[:50],
                   totals=selectors.person_totals(p), reliefs=p.dues_reliefs.all(),
                   cases=p.lapse_cases.all(), can_change=self.can_change,
                   prev_year=year - 1, next_year=year + 1, breadcrumbs=self.crumbs())
        ctx["breadcrumbs"][-1] = (None, p.name)
        return ctx


class MemberRegisterPdfView(PersonDuesMixin, View):
    """A member's yearly register (党员党费缴纳登记表)."""

    def get(self, request, person_pk):
        p, year = self.person, _year(request)
        grid = selectors.month_grid(p, periods.month_no(year, 1), periods.month_no(year, 12))
        base = DuesBase.objects.filter(person=p, year=year).first()
        payments = (Payment.objects.filter(person=p, first_period__lte=periods.month_no(year, 12),
                                           last_period__gte=periods.month_no(year, 1))
                    .select_related("reversal").order_by("paid_on", "pk"))
        return render_pdf("pdf/dues/member_register.html", {
            "title": "党员党费缴纳登记表", "unit_name": p.unit.name, "period": f"{year}年度", "person": p, "base": base,
            "category": printing.CATEGORY_ZH.get(base.category, "") if base else "", "grid": grid,
            "state_zh": printing.STATE_ZH, "payments": payments,
            "charged": sum((c.charged for c in grid), printing.ZERO), "paid": sum((c.paid for c in grid), printing.ZERO),
        }, request=request, filename=f"党费登记表-{p.name}-{year}.pdf")


class PaymentCreateView(PersonDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "dues/payment_form.html"

    def _ctx(self, form):
        pol = DuesPolicySet(self.person.unit)
        return {"form": form, "person": self.person, "title": _("Record a payment: %(n)s") % {"n": self.person.name},
                "back_limit": pol.get("back_payment_months"), "large": pol.get("large_payment_threshold"),
                "totals": selectors.person_totals(self.person),
                "cancel_url": reverse("dues:member_ledger", args=[self.person.pk]),
                "breadcrumbs": self.crumbs((None, _("Record a payment")))}

    def get(self, request, person_pk):
        period = _period(request)
        due = month_dues(self.person, [period])[period]
        form = PaymentForm(initial={"paid_on": timezone.localdate(), "first_period": period, "last_period": period,
                                    "amount": due if due > 0 else None, "method": "cash"})
        return render(request, self.template_name, self._ctx(form))

    def post(self, request, person_pk):
        form = PaymentForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                payment = dues_payment_record(
                    actor=request.user, person=self.person, paid_on=d["paid_on"], amount=d["amount"],
                    first_period=d.get("first_period"), last_period=d.get("last_period"), method=d["method"],
                    paid_by=d["paid_by"], proxy_name=d["proxy_name"], proxy_consent=d["proxy_consent"],
                    back_payment_consent=d["back_payment_consent"], voluntary=d["voluntary"], note=d["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Payment recorded: receipt %(r)s, %(a)s yuan.")
                                 % {"r": payment.receipt_no, "a": payment.amount})
                if payment.is_large:
                    messages.warning(request, _("This is a large payment: follow the large-payment rules (大额党费)."))
                return redirect(payment.get_absolute_url())
        return render(request, self.template_name, self._ctx(form))


def _payment(request, pk, action=DUES_VIEW) -> Payment:
    return get_scoped_or_404(Payment.objects.select_related("person__unit", "unit", "created_by", "reversal"),
                             request.user, action, pk=pk)


class PaymentDetailView(LoginRequiredMixin, TemplateView):
    template_name = "dues/payment_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        payment = _payment(self.request, kwargs["pk"])
        reversal = getattr(payment, "reversal", None)
        from branches.audit import history_for

        ctx.update(title=_("Receipt %(r)s") % {"r": payment.receipt_no}, payment=payment, reversal=reversal,
                   lines=payment.entries.order_by("period", "pk"), history=history_for(payment),
                   can_change=has_perm(self.request.user, DUES_CHANGE, payment.person.unit),
                   breadcrumbs=_crumbs(self.request.user, payment.person.unit,
                                       (reverse("dues:member_ledger", args=[payment.person.pk]), payment.person.name),
                                       (None, payment.receipt_no)))
        return ctx


class PaymentReverseView(LoginRequiredMixin, View):
    template_name = "generic/confirm.html"

    def _ctx(self, payment, form):
        return {"title": _("Reverse receipt %(r)s") % {"r": payment.receipt_no}, "form": form, "danger": True,
                "message": _("A reversal line of −%(a)s yuan is added for each month of receipt %(r)s (%(m)s) of "
                             "%(n)s. The payment stays in the ledger, marked reversed; this cannot be undone.")
                % {"a": payment.amount, "r": payment.receipt_no, "m": payment.months_label, "n": payment.person.name},
                "submit_label": _("Reverse the payment"), "cancel_url": payment.get_absolute_url(),
                "breadcrumbs": _crumbs(self.request.user, payment.person.unit,
                                       (payment.get_absolute_url(), payment.receipt_no), (None, _("Reverse")))}

    def get(self, request, pk):
        payment = _payment(request, pk, DUES_CHANGE)
        return render(request, self.template_name, self._ctx(payment, ReasonForm()))

    def post(self, request, pk):
        payment = _payment(request, pk, DUES_CHANGE)
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                dues_payment_reverse(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Receipt %(r)s reversed.") % {"r": payment.receipt_no})
                return redirect(payment.get_absolute_url())
        return render(request, self.template_name, self._ctx(payment, form))


class ReceiptPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        payment = _payment(request, pk)
        return render_pdf("pdf/dues/receipt.html", {
            "title": "党费收据", "unit_name": payment.unit.name, "payment": payment,
            "method": printing.METHOD_ZH.get(payment.method, payment.method),
            "reversed": hasattr(payment, "reversal"), "amount_zh": amount_in_words(payment.amount)},
            request=request, filename=f"党费收据-{payment.receipt_no}.pdf")


class ChargeReverseView(LoginRequiredMixin, View):
    template_name = "generic/confirm.html"

    def _entry(self, request, pk):
        return get_scoped_or_404(LedgerEntry.objects.select_related("person__unit"), request.user, DUES_CHANGE, pk=pk)

    def _ctx(self, entry, form):
        return {"title": _("Reverse a charge"), "form": form, "danger": True,
                "message": _("A line of −%(a)s yuan is added to %(n)s's ledger for %(m)s, cancelling this charge. "
                             "This cannot be undone.") % {"a": entry.amount, "n": entry.person.name, "m": entry.period_label},
                "submit_label": _("Reverse the charge"),
                "cancel_url": reverse("dues:member_ledger", args=[entry.person_id]),
                "breadcrumbs": _crumbs(self.request.user, entry.person.unit,
                                       (reverse("dues:member_ledger", args=[entry.person_id]), entry.person.name),
                                       (None, _("Reverse a charge")))}

    def get(self, request, pk):
        entry = self._entry(request, pk)
        return render(request, self.template_name, self._ctx(entry, ReasonForm()))

    def post(self, request, pk):
        entry = self._entry(request, pk)
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                dues_charge_reverse(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Charge reversed."))
                return redirect(reverse("dues:member_ledger", args=[entry.person_id]) +
                                f"?year={periods.year_of(entry.period)}")
        return render(request, self.template_name, self._ctx(entry, form))


class ReliefCreateView(PersonDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "generic/form.html"

    def _ctx(self, form):
        return {"form": form, "title": _("Deferral or exemption: %(n)s") % {"n": self.person.name},
                "help_text": _("Approved months do not count towards the lapse check; an exemption also sets their "
                               "dues to zero."),
                "cancel_url": reverse("dues:member_ledger", args=[self.person.pk]),
                "breadcrumbs": self.crumbs((None, _("Deferral or exemption")))}

    def get(self, request, person_pk):
        now = periods.of_date(timezone.localdate())
        return render(request, self.template_name,
                      self._ctx(ReliefForm(initial={"first_period": now, "last_period": now + 5})))

    def post(self, request, person_pk):
        form = ReliefForm(request.POST)
        if form.is_valid():
            try:
                dues_relief_record(actor=request.user, person=self.person, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Deferral or exemption recorded."))
                return redirect("dues:member_ledger", person_pk=self.person.pk)
        return render(request, self.template_name, self._ctx(form))


# ---------------------------------------------------------------------------------------------------------
# Remittances
# ---------------------------------------------------------------------------------------------------------

class RemittanceListView(UnitDuesMixin, TemplateView):
    template_name = "dues/remittance_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = RemittanceTable(selectors.remittances_of(self.request.user, self.unit))
        RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        ctx.update(title=_("Remittances"), unit=self.unit, table=table, can_change=self.can_change,
                   result_count=table.paginator.count,
                   breadcrumbs=_crumbs(self.request.user, self.unit, (None, _("Remittances"))))
        return ctx


class RemittanceCreateView(UnitDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "dues/remittance_form.html"

    def _ctx(self, form, period, collected=None):
        from .services import collected_in_month

        collected = collected_in_month(self.unit, period) if collected is None else collected
        return {"form": form, "unit": self.unit, "title": _("Record a remittance"),
                "collected": collected, "period_label": periods.label(period),
                "cancel_url": reverse("dues:remittance_list", args=[self.unit.pk]),
                "breadcrumbs": _crumbs(self.request.user, self.unit,
                                       (reverse("dues:remittance_list", args=[self.unit.pk]), _("Remittances")),
                                       (None, pgettext("dues remittance", "Record")))}

    def get(self, request, unit_pk):
        period = _period(request, periods.of_date(timezone.localdate()) - 1)
        from .services import collected_in_month

        collected = collected_in_month(self.unit, period)
        form = RemittanceForm(initial={"period": period, "amount": collected, "remitted_on": timezone.localdate()})
        return render(request, self.template_name, self._ctx(form, period, collected))

    def post(self, request, unit_pk):
        form = RemittanceForm(request.POST)
        period = periods.of_date(timezone.localdate()) - 1
        if form.is_valid():
            period = form.cleaned_data["period"]
            try:
                dues_remittance_record(actor=request.user, unit=self.unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Remittance for %(m)s recorded.") % {"m": periods.label(period)})
                return redirect("dues:remittance_list", unit_pk=self.unit.pk)
        return render(request, self.template_name, self._ctx(form, period))


class RemittancePdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        r = get_scoped_or_404(Remittance.objects.select_related("unit", "to_unit"), request.user, DUES_VIEW, pk=pk)
        return render_pdf("pdf/dues/remittance.html", {
            "title": "党费上缴单", "unit_name": r.unit.name, "period": f"所属月份：{periods.label_zh(r.period)}",
            "r": r, "amount_zh": amount_in_words(r.amount)}, request=request,
            filename=f"党费上缴单-{r.unit.name}-{periods.label(r.period)}.pdf")


# ---------------------------------------------------------------------------------------------------------
# Lapse cases
# ---------------------------------------------------------------------------------------------------------

class LapseCaseListView(ActionRequiredMixin, TemplateView):
    permission_action = DUES_VIEW
    template_name = "generic/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.lapse_cases(self.request.user)
        status = self.request.GET.get("status", "")
        if status in LAPSE_TRANSITIONS:
            qs = qs.filter(status=status)
        table = LapseCaseTable(qs)
        RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        ctx.update(title=_("Lapse cases"), table=table, result_count=table.paginator.count, actions=[],
                   breadcrumbs=[(reverse("dues:home"), _("Dues")), (None, _("Lapse cases"))])
        return ctx


class LapseCaseDetailView(LoginRequiredMixin, View):
    template_name = "dues/lapsecase_detail.html"

    def _case(self, request, pk, action=DUES_VIEW):
        return get_scoped_or_404(LapseCase.objects.select_related("person__unit", "unit"), request.user, action, pk=pk)

    def _ctx(self, case, form):
        from branches.audit import history_for

        return {"case": case, "form": form, "events": case.events.select_related("actor"),
                "title": _("Lapse case: %(n)s") % {"n": case.person.name}, "history": history_for(case),
                "can_change": has_perm(self.request.user, DUES_CHANGE, case.person.unit),
                "breadcrumbs": _crumbs(self.request.user, case.person.unit,
                                       (reverse("dues:lapsecase_list"), _("Lapse cases")), (None, case.person.name))}

    def get(self, request, pk):
        case = self._case(request, pk)
        allowed = LAPSE_TRANSITIONS.get(case.status, ())
        return render(request, self.template_name, self._ctx(case, LapseAdvanceForm(allowed=allowed) if allowed else None))

    def post(self, request, pk):
        case = self._case(request, pk, DUES_CHANGE)
        allowed = LAPSE_TRANSITIONS.get(case.status, ())
        form = LapseAdvanceForm(request.POST, allowed=allowed)
        if form.is_valid():
            try:
                case = lapse_case_advance(actor=request.user, case=case, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Case moved to “%(s)s”.") % {"s": case.get_status_display()})
                return redirect(case.get_absolute_url())
        return render(request, self.template_name, self._ctx(case, form))


# ---------------------------------------------------------------------------------------------------------
# Rate tables and rules
# ---------------------------------------------------------------------------------------------------------

class RateTableListView(ActionRequiredMixin, TemplateView):
    permission_action = DUES_VIEW
    template_name = "dues/ratetable_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        committees = list(selectors.dues_units(user, DUES_CHANGE).filter(kind=UnitKind.COMMITTEE))
        ctx.update(title=_("Rate tables and rules"),
                   tables=RateTable.objects.restrict(user).select_related("unit"),
                   policies=DuesPolicy.objects.restrict(user).select_related("unit"), committees=committees,
                   breadcrumbs=[(reverse("dues:home"), _("Dues")), (None, _("Rate tables"))])
        return ctx


class RateTableCreateView(UnitDuesMixin, View):
    """A committee's new rate table, pre-filled with the lines of the table in force."""

    permission_action = DUES_CHANGE
    template_name = "dues/ratetable_form.html"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return response

    def _check(self):
        if self.unit.kind != UnitKind.COMMITTEE:
            raise Http404

    def _ctx(self, form, formset):
        return {"form": form, "formset": formset, "unit": self.unit, "title": _("New rate table for %(u)s") % {"u": self.unit},
                "cancel_url": reverse("dues:ratetable_list"),
                "breadcrumbs": [(reverse("dues:home"), _("Dues")), (reverse("dues:ratetable_list"), _("Rate tables")),
                                (None, _("New"))]}

    def get(self, request, unit_pk):
        self._check()
        current = table_for(self.unit, timezone.localdate().year)
        initial = [{f: getattr(b, f) for f in ("category", "upper_bound", "percent", "fixed_amount", "min_amount",
                                               "max_amount")} for b in (current.brackets.all() if current else [])]
        form = RateTableForm(initial={"effective_from": datetime.date(timezone.localdate().year + 1, 1, 1)})
        return render(request, self.template_name, self._ctx(form, BracketFormSet(initial=initial, prefix="b")))

    def post(self, request, unit_pk):
        self._check()
        form, formset = RateTableForm(request.POST), BracketFormSet(request.POST, prefix="b")
        if form.is_valid() and formset.is_valid():
            brackets = [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in formset.forms
                        if f.cleaned_data and not f.cleaned_data.get("DELETE")]
            try:
                table = rate_table_create(actor=request.user, unit=self.unit, brackets=brackets, **form.cleaned_data)
            except (ValidationError, IntegrityError) as exc:
                if isinstance(exc, IntegrityError):
                    exc = ValidationError({"effective_from": _("%(u)s already has a table from this date.") % {"u": self.unit}})
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Rate table saved."))
                return redirect(table.get_absolute_url())
        return render(request, self.template_name, self._ctx(form, formset))


class RateTableDetailView(LoginRequiredMixin, TemplateView):
    template_name = "dues/ratetable_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = RateTable.objects.restrict(self.request.user).filter(pk=kwargs["pk"]).first()
        if table is None:
            raise Http404
        if not has_perm(self.request.user, DUES_VIEW, table.unit):
            raise PermissionDenied
        ctx.update(title=str(table), table=table, brackets=table.brackets.all(),
                   breadcrumbs=[(reverse("dues:home"), _("Dues")), (reverse("dues:ratetable_list"), _("Rate tables")),
                                (None, str(table))])
        return ctx


class PolicyCreateView(UnitDuesMixin, View):
    permission_action = DUES_CHANGE
    template_name = "generic/form.html"

    def _ctx(self, form):
        return {"form": form, "title": _("Dues rule for %(u)s") % {"u": self.unit},
                "help_text": _("A committee's value replaces the central rule for its whole subtree from the date given."),
                "cancel_url": reverse("dues:ratetable_list"),
                "breadcrumbs": [(reverse("dues:home"), _("Dues")), (reverse("dues:ratetable_list"), _("Rate tables")),
                                (None, pgettext("development rules table", "Rule"))]}

    def get(self, request, unit_pk):
        if self.unit.kind != UnitKind.COMMITTEE:
            raise Http404
        return render(request, self.template_name, self._ctx(PolicyForm(initial={"effective_from": timezone.localdate()})))

    def post(self, request, unit_pk):
        if self.unit.kind != UnitKind.COMMITTEE:
            raise Http404
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                dues_policy_set(actor=request.user, unit=self.unit, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Rule saved."))
                return redirect("dues:ratetable_list")
        return render(request, self.template_name, self._ctx(form))


# ---------------------------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_BIG = ["", "万", "亿"]


def amount_in_words(amount) -> str:
    """Chinese capital amount for receipts: 1234.50 -> 壹仟贰佰叁拾肆元伍角整."""
    from decimal import Decimal

    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount < 0:
        return "负" + amount_in_words(-amount)
    yuan, fen = divmod(int(amount * 100), 100)
    jiao, fen = divmod(fen, 10)
    out = ""
    if yuan:
        groups, g = [], yuan
        while g:
            groups.append(g % 10000)
            g //= 10000
        parts = []
        zero_pending = False
        for gi in range(len(groups) - 1, -1, -1):
            grp = groups[gi]
            if grp == 0:
                zero_pending = True
                continue
            s = ""
            digits = [grp // 1000 % 10, grp // 100 % 10, grp // 10 % 10, grp % 10]
            started = bool(parts)
            for i, d in enumerate(digits):
                if d == 0:
                    if started:
                        zero_pending = True
                    continue
                if zero_pending and (started or s):
                    s += "零"
                zero_pending = False
                s += _DIGITS[d] + _UNITS[3 - i]
                started = True
            parts.append(s + _BIG[gi])
        out = "".join(parts) + "元"
    if not jiao and not fen:
        return (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    else:
        out += "整"
    return out
