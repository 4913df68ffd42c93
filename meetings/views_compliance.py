"""Compliance (unit page and committee matrix), attendance rates and lapse risks, and the frequency rules page.

Every page answers in a constant number of queries whatever the number of units, months and meetings.
"""
from __future__ import annotations

import datetime

from django import forms
from django.core.paginator import Paginator
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from branches.choices import System, UnitKind
from branches.context_processors import get_current_unit
from branches.fields import UnitChoiceField, scope_base_depth
from branches.models import Unit
from branches.pdf import render_pdf
from branches.forms import add_service_errors
from branches.permissions import MEETING_CHANGE, UNIT_MANAGE, VIEW
from branches.scope import has_perm
from branches.selectors import unit_choices, user_root_units
from branches.views.mixins import ActionRequiredMixin
from members.exporters import xlsx_response
from members.forms import DATE_INPUT_FORMATS, DateInput
from members.selectors import unit_breadcrumbs
from members.policy import add_months

from .choices import MeetingType, Period
from .compliance import DUE, MET, OVERDUE, STATE_CSS, compliance, matrix
from .exporters import TYPE_ZH, export_attendance, export_matrix
from .models import MeetingPolicy
from .policy import RULE_UNIT_KINDS, meeting_policy_add, rules_on
from .selectors import attendance_people, attendance_report, lapse_risks

SCOPES = {
    "branches": (gettext_lazy("Branches"), [UnitKind.BRANCH]),
    "groups": (gettext_lazy("Branches and party groups"), [UnitKind.BRANCH, UnitKind.PARTY_GROUP]),
    "all": (gettext_lazy("All units"), [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH,
                                        UnitKind.PARTY_GROUP]),
}
LEAF_KINDS = (UnitKind.BRANCH, UnitKind.PARTY_GROUP)


class ComplianceForm(forms.Form):
    unit = UnitChoiceField(label=gettext_lazy("Unit"), queryset=None, required=False)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    mode = forms.ChoiceField(label=gettext_lazy("View by"), required=False, choices=[
        ("month", gettext_lazy("Months")), ("quarter", gettext_lazy("Quarters"))])
    scope = forms.ChoiceField(label=gettext_lazy("Units shown"), required=False,
                              choices=[(k, v[0]) for k, v in SCOPES.items()])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user)
        self.fields["unit"].base_depth = scope_base_depth(user, VIEW)
        self.fields["unit"].empty_label = None


def _default_unit(request):
    current = get_current_unit(request)
    if current is not None:
        return current
    roots = user_root_units(request.user)
    return roots[0] if roots else None


class ComplianceParams:
    """unit, year, mode, scope from ?unit=&year=&mode=&scope= (bad values fall back to the defaults)."""

    def __init__(self, request):
        today = timezone.localdate()
        self.form = ComplianceForm(request.GET or None, user=request.user)
        data = self.form.cleaned_data if (self.form.is_bound and self.form.is_valid()) else {}
        self.unit = data.get("unit") or _default_unit(request)
        if self.unit is None:
            raise Http404
        self.year = data.get("year") or today.year
        self.mode = data.get("mode") or "month"
        self.scope = data.get("scope") or "branches"
        self.own = request.GET.get("own") == "1"
        self.today = today
        # The form shows what is displayed (a missing or bad value falls back to its default).
        self.form = ComplianceForm(initial={"unit": self.unit.pk, "year": self.year, "mode": self.mode,
                                            "scope": self.scope}, user=request.user)

    @property
    def is_matrix(self) -> bool:
        return self.unit.kind not in LEAF_KINDS and not self.own

    def matrix_units(self):
        kinds = SCOPES[self.scope][1]
        return list(Unit.objects.active().filter(path__startswith=self.unit.path, kind__in=kinds, system=System.PARTY)
                    .exclude(pk=self.unit.pk).order_by("path"))

    def query(self, **extra) -> str:
        params = {"unit": self.unit.pk, "year": self.year, "mode": self.mode, "scope": self.scope, **extra}
        return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _type_labels() -> dict:
    return {value: str(label) for value, label in MeetingType.choices}


def matrix_rows_html(rows, year: int, mode: str) -> str:
    """The matrix body built in Python: 200 units x 12 cells through the template engine took ~0.6 s, this ~20 ms.
    Every value is escaped; cells link to the unit's own compliance page."""
    labels = _type_labels()
    out = []
    for u, uc, cells in rows:
        href = escape(f"?unit={u.pk}&year={year}")
        parts = [f'<tr data-unit="{u.pk}"><td class="unit"><a href="{href}">{escape(u.display_name)}</a></td>']
        for cell in cells:
            title = escape("; ".join(f"{labels.get(p.meeting_type, p.meeting_type)} {p.held}/{p.required}"
                                     for p in cell.periods))
            text = f"{cell.met}/{len(cell.periods)}" if cell.periods else ""
            parts.append(f'<td class="state {cell.css}" data-state="{cell.state}" title="{title}">'
                         f'<a href="{href}">{text}</a></td>')
        rate = f"{uc.rate}%" if uc.rate is not None else "—"
        overdue_css = ' text-danger fw-semibold' if uc.overdue else ""
        parts.append(f'<td class="text-end">{uc.met}</td><td class="text-end{overdue_css}">{uc.overdue}</td>'
                     f'<td class="text-end">{rate}</td></tr>')
        out.append("".join(parts))
    return mark_safe("".join(out))


def matrix_context(params: ComplianceParams) -> dict:
    units = params.matrix_units()
    cols, rows, col_totals = matrix(units, params.year, params.mode, params.today, subtree_path=params.unit.path)
    totals = {"met": sum(uc.met for _u, uc, _c in rows), "overdue": sum(uc.overdue for _u, uc, _c in rows),
              "due": sum(uc.due for _u, uc, _c in rows)}
    done = totals["met"] + totals["overdue"]
    totals["rate"] = round(100 * totals["met"] / done) if done else None
    totals["units_ok"] = sum(1 for _u, uc, _c in rows if uc.overdue == 0)
    return {"cols": cols, "rows": rows, "col_totals": col_totals, "totals": totals,
            "rows_html": matrix_rows_html(rows, params.year, params.mode)}


def unit_context(params: ComplianceParams) -> dict:
    """Per meeting type: the periods of the year with held / required and the state; what to do next."""
    unit, year, today = params.unit, params.year, params.today
    data = compliance([unit], datetime.date(year, 1, 1), datetime.date(year, 12, 31), today)[unit.pk]
    by_type: dict[str, list] = {}
    for p in data.periods:
        by_type.setdefault(p.meeting_type, []).append(p)
    types = [(MeetingType(t).label, periods, periods[-1].rule) for t, periods in
             sorted(by_type.items(), key=lambda kv: MeetingType.values.index(kv[0]))]
    todo = [p for p in data.periods if p.state in (DUE, OVERDUE)]
    todo.sort(key=lambda p: (p.state != OVERDUE, p.span.end))
    return {"uc": data, "types": types, "todo": todo}


class ComplianceView(ActionRequiredMixin, TemplateView):
    """A branch or party group: its required meetings per type and period. A committee or general branch: its units
    x months (or quarters) as a colour matrix with totals; each row drills down to the unit's page."""

    template_name = "meetings/compliance.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = ComplianceParams(self.request)
        ctx.update(params=params, form=params.form, unit=params.unit, year=params.year, css=STATE_CSS,
                   title=_("Meeting compliance"), can_record=has_perm(self.request.user, MEETING_CHANGE, params.unit),
                   breadcrumbs=[*unit_breadcrumbs(self.request.user, params.unit), (None, _("Meeting compliance"))],
                   export_url=reverse("meetings:compliance_export") + params.query(),
                   pdf_url=reverse("meetings:compliance_pdf") + params.query(),
                   register_url=reverse("meetings:unit_register_pdf", args=[params.unit.pk, params.year]),
                   states={"met": MET, "due": DUE, "overdue": OVERDUE},
                   prev_year=params.year - 1, next_year=params.year + 1)
        ctx.update(matrix_context(params) if params.is_matrix else unit_context(params))
        return ctx


class ComplianceExportView(ActionRequiredMixin, View):
    def get(self, request):
        params = ComplianceParams(request)
        if not params.is_matrix:
            units = [params.unit]
            cols, rows, _t = matrix(units, params.year, params.mode, params.today)
        else:
            m = matrix_context(params)
            cols, rows = m["cols"], m["rows"]
        return xlsx_response(export_matrix(cols, rows, params.year), f"{params.unit.name}-{params.year}年三会一课合规.xlsx")


class CompliancePdfView(ActionRequiredMixin, View):
    """The compliance matrix of a committee (A4 landscape), or of one unit."""

    def get(self, request):
        params = ComplianceParams(request)
        if params.is_matrix:
            m = matrix_context(params)
        else:
            cols, rows, col_totals = matrix([params.unit], params.year, params.mode, params.today)
            m = {"cols": cols, "rows": rows, "col_totals": col_totals, "totals": None}
        context = {"title": "三会一课落实情况统计表", "unit_name": params.unit.name,
                   "period": f"{params.year}年（截至{params.today:%Y年%m月%d日}）", "type_zh": TYPE_ZH, **m}
        return render_pdf("pdf/meetings/matrix.html", context, request=request,
                          filename=f"{params.unit.name}-{params.year}年三会一课落实情况.pdf")


# ---------------------------------------------------------------------------------------------------------------
# Attendance and lapse risks
# ---------------------------------------------------------------------------------------------------------------

class AttendanceForm(forms.Form):
    unit = UnitChoiceField(label=gettext_lazy("Unit"), queryset=None, required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput(),
                                input_formats=DATE_INPUT_FORMATS)
    date_to = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput(),
                              input_formats=DATE_INPUT_FORMATS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user)
        self.fields["unit"].base_depth = scope_base_depth(user, VIEW)
        self.fields["unit"].empty_label = None


class AttendanceMixin:
    def params(self):
        request, today = self.request, timezone.localdate()
        form = AttendanceForm(request.GET or None, user=request.user)
        data = form.cleaned_data if (form.is_bound and form.is_valid()) else {}
        unit = data.get("unit") or _default_unit(request)
        if unit is None:
            raise Http404
        last = data.get("date_to") or today
        first = data.get("date_from") or add_months(last, -12) + datetime.timedelta(days=1)
        if first > last:
            first, last = last, first
        if not data:
            form = AttendanceForm(initial={"unit": unit.pk, "date_from": first, "date_to": last}, user=request.user)
        return form, unit, first, last, today


class AttendanceReportView(AttendanceMixin, ActionRequiredMixin, TemplateView):
    """Each member's attendance rate over a period (25 a page) and the members absent from all organizational life
    for 6 consecutive months (lapse risks)."""

    template_name = "meetings/attendance_report.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, unit, first, last, today = self.params()
        page = Paginator(attendance_people(self.request.user, unit), 25).get_page(self.request.GET.get("page"))
        rows = attendance_report(page.object_list, first, last)
        risks = list(lapse_risks(self.request.user, unit, today)[:201])
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(title=_("Attendance"), form=form, unit=unit, first=first, last=last, page=page, rows=rows,
                   risks=risks[:200], risks_more=len(risks) > 200, query=query.urlencode(),
                   export_url=reverse("meetings:attendance_export") + (f"?{query.urlencode()}" if query else ""),
                   breadcrumbs=[*unit_breadcrumbs(self.request.user, unit), (None, _("Attendance"))])
        return ctx


class AttendanceExportView(AttendanceMixin, ActionRequiredMixin, View):
    def get(self, request):
        form, unit, first, last, today = self.params()
        rows = attendance_report(attendance_people(request.user, unit), first, last)
        return xlsx_response(export_attendance(rows, lapse_risks(request.user, unit, today)),
                             f"{unit.name}-出勤率-{first:%Y%m%d}-{last:%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# The frequency rules
# ---------------------------------------------------------------------------------------------------------------

class LocalRuleForm(forms.Form):
    """A committee's own frequency (meetings.policy.meeting_policy_add)."""

    meeting_type = forms.ChoiceField(label=gettext_lazy("Meeting type"), choices=MeetingType.choices)
    unit_kind = forms.ChoiceField(label=gettext_lazy("For units of kind"),
                                  choices=[(k, UnitKind(k).label) for k in RULE_UNIT_KINDS])
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=Period.choices)
    min_count = forms.IntegerField(label=gettext_lazy("At least (per period)"), min_value=0,
                                   help_text=gettext_lazy("0 means the meeting is not required there."))
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DateInput,
                                     input_formats=DATE_INPUT_FORMATS,
                                     help_text=gettext_lazy("Applies to the periods that start on or after this date."))
    note = forms.CharField(label=gettext_lazy("Reason or document"), max_length=200)


def _rule_committee(request) -> Unit | None:
    """The committee a local rule is added to: ``unit`` of the POST, a committee where the user has UNIT_MANAGE."""
    raw = request.POST.get("committee", "")
    if not raw.isdigit():
        return None
    return (Unit.objects.restrict(request.user, UNIT_MANAGE).active().filter(pk=raw, kind=UnitKind.COMMITTEE)
            .first())


class PolicyView(ActionRequiredMixin, TemplateView):
    """The required frequencies in force for a unit on a date, each with the rule that produced it, and the
    committee rows (overrides) in the user's scope. A committee's administrators add its own rules here (POST);
    rows are never edited or deleted: a newer rule corrects an older one."""

    template_name = "meetings/policy.html"

    def post(self, request, *args, **kwargs):
        committee = _rule_committee(request)
        if committee is None:
            raise PermissionDenied
        form = LocalRuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = meeting_policy_add(actor=request.user, unit=committee, meeting_type=data["meeting_type"],
                                         unit_kind=data["unit_kind"], period=data["period"],
                                         min_count=data["min_count"], effective_from=data["effective_from"],
                                         note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The rule of %(unit)s is saved: %(rule)s, from %(date)s.") % {
                    "unit": committee.name, "rule": str(row), "date": row.effective_from.isoformat()})
                return HttpResponseRedirect(f"{reverse('meetings:policy')}?unit={committee.pk}")
        return self.render_to_response(self.get_context_data(rule_form=form, rule_committee=committee))

    def get_context_data(self, rule_form=None, rule_committee=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = AttendanceForm(self.request.GET or None, user=self.request.user)
        data = form.cleaned_data if (form.is_bound and form.is_valid()) else {}
        unit = data.get("unit") or _default_unit(self.request)
        if unit is None:
            raise Http404
        on = data.get("date_to") or timezone.localdate()
        del form.fields["date_from"]
        form.fields["date_to"].label = _("On")
        if not data:
            form.initial = {"unit": unit.pk, "date_to": on}
        rows = list(MeetingPolicy.objects.restrict(self.request.user).select_related("unit")[:500])
        committee = rule_committee or (unit if unit.kind == UnitKind.COMMITTEE else None)
        can_add = committee is not None and has_perm(self.request.user, UNIT_MANAGE, committee)
        if can_add and rule_form is None:
            rule_form = LocalRuleForm(initial={"effective_from": timezone.localdate(), "unit_kind": UnitKind.BRANCH,
                                               "min_count": 1})
        ctx.update(rule_form=rule_form if can_add else None, rule_committee=committee if can_add else None)
        ctx.update(title=_("Meeting frequency rules"), form=form, unit=unit, on=on, rules=rules_on(unit, on),
                   rows=rows, breadcrumbs=[*unit_breadcrumbs(self.request.user, unit), (None, _("Frequency rules"))])
        return ctx
