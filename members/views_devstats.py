"""Development statistics of a unit's subtree (and its PDF), and the yearly development plans (计划发展数).

- ``members:dev_stats`` (``?unit=&year=``): stage counts, overdue people, admissions per year, plan vs actual.
  Any user with a view scope; the unit is one of theirs (default: the unit of the top-bar switcher, else
  their top unit). A fixed number of queries whatever the size of the subtree.
- ``members:dev_stats_pdf``: the same, printed in Chinese.
- ``members:plan_list`` / ``plan_create`` / ``plan_edit``: plans in scope; writing needs PIPELINE_CHANGE on
  the plan's unit (so a committee sets the plans of its own units and of those below). ``plan_edit`` shows a
  plan and its history to anyone who may see it; the form and the POST need PIPELINE_CHANGE (else 403).
"""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from branches.audit import history_for
from branches.context_processors import get_current_unit
from branches.forms import add_service_errors
from branches.models import Unit
from branches.pdf import render_pdf
from branches.permissions import PIPELINE_CHANGE, VIEW
from branches.scope import get_scoped_or_404, has_perm, require_perm
from branches.selectors import user_root_units
from branches.tables import WIDE_ONLY, paginate_leniently
from branches.views.mixins import ActionRequiredMixin

from .choices import MemberStatus
from .devstats import (OVERDUE_KINDS, STAGES, default_stats_unit, development_stats, plan_create, plan_list,
                       plan_update)
from .forms_devstats import DevStatsForm, PlanCreateForm, PlanEditForm, PlanFilterForm
from .models import DevelopmentPlan, DevelopmentStepKind as K
from .selectors import unit_breadcrumbs
from .views_print import STATUS_ZH

PER_PAGE = 25
PDF_OVERDUE_ROWS = 100
OVERDUE_ZH = {
    K.TALK: "入党谈话（申请后一个月内）",
    K.THOUGHT_REPORT: "思想汇报（每季度）",
    K.INSPECTION: "培养考察（每半年）",
    K.COMMITTEE_APPROVAL: "上级党委审批接收预备党员",
    K.FULL_APPROVAL: "预备党员转正",
}


def _person_list_url(unit: Unit | None, status: str | None = None) -> str:
    params = {}
    if unit is not None:
        params["unit"] = unit.pk
    if status:
        params["status"] = status
    return reverse("members:person_list") + (f"?{urlencode(params)}" if params else "")


def resolve_stats_params(request):
    """(form, unit, year) from ``?unit=&year=``; a wrong value shows on the form and falls back to the default."""
    user = request.user
    data = request.GET if ("unit" in request.GET or "year" in request.GET) else None
    form = DevStatsForm(data, user=user, initial={"year": timezone.localdate().year})
    unit = year = None
    if data is not None:
        if form.is_valid():
            unit, year = form.cleaned_data["unit"], form.cleaned_data["year"]
        else:
            raw = str(data.get("unit") or "")
            if ("unit" in form.errors and raw.isdigit() and Unit.objects.filter(pk=raw).exists()
                    and not Unit.objects.restrict(user, VIEW).filter(pk=raw).exists()):
                raise Http404                      # a unit outside the user's scope
            unit = form.cleaned_data.get("unit") if "unit" not in form.errors else None
            year = form.cleaned_data.get("year") if "year" not in form.errors else None
    if unit is None:
        unit = default_stats_unit(user, get_current_unit(request, user_root_units(user, VIEW)))
    return form, unit, year or timezone.localdate().year


class DevStatsView(ActionRequiredMixin, TemplateView):
    template_name = "members/devstats/stats.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        form, unit, year = resolve_stats_params(self.request)
        title = _("Development statistics")
        ctx.update(title=title, form=form, unit=unit, year=year,
                   breadcrumbs=[(None, title)] if unit is None else
                   [*unit_breadcrumbs(user, unit), (None, title)])
        if unit is None:
            return ctx
        stats = development_stats(unit, year)
        query = urlencode({"unit": unit.pk, "year": year})
        stage_labels = [(s, MemberStatus(s).label) for s in STAGES]

        def cells(row, link_unit):
            return [(row.counts.get(s, 0), _person_list_url(link_unit, s) if link_unit is not None else "")
                    for s, _label in stage_labels]

        stage_rows = [(r, cells(r, r.unit)) for r in stats.rows]
        overdue_page = Paginator(stats.overdue, PER_PAGE).get_page(self.request.GET.get("page"))
        page_query = self.request.GET.copy()
        page_query.pop("page", None)
        ctx.update(
            title=_("Development statistics: %(unit)s") % {"unit": unit.display_name},
            stats=stats, stage_labels=stage_labels, stage_rows=stage_rows,
            total_cells=cells(stats.total, unit),
            overdue_page=overdue_page, page_query=page_query.urlencode(),
            plan_rows=[(r, r.actual(year), r.percent(year)) for r in stats.plan_rows],
            plan_total=(stats.total.actual(year), stats.total.percent(year)),
            year_rows=stats.year_rows(),
            year_matrix=[(r, [r.admissions.get(y, 0) for y in stats.years]) for r in stats.rows],
            overdue_kinds=[(k, K(k).label, stats.overdue_by_kind.get(k, 0)) for k in OVERDUE_KINDS],
            can_plan=has_perm(user, PIPELINE_CHANGE, unit),
            pdf_url=reverse("members:dev_stats_pdf") + f"?{query}",
            plans_url=reverse("members:plan_list") + f"?{urlencode({'year': year})}",
            plan_create_url=reverse("members:plan_create") + f"?{query}",
            pipeline_url=_person_list_url(unit, "pipeline"),
        )
        return ctx


@login_required
def dev_stats_pdf(request):
    """发展党员工作统计表: the statistics page in Chinese, same ``?unit=&year=``."""
    require_perm(request.user, VIEW, None)             # nothing in scope at all: 403
    _form, unit, year = resolve_stats_params(request)
    if unit is None:                                   # only party groups in scope: no statistics unit
        raise Http404
    stats = development_stats(unit, year)
    today = stats.today

    def stage_cells(row):
        return [row.counts.get(s, 0) for s in STAGES]

    def name(row):
        return row.unit.name if row.unit is not None else f"直属{unit.display_name}"

    def percent(row):
        p = row.percent(year)
        return f"{p}%" if p is not None else "—"

    context = {
        "title": "发展党员工作统计表",
        "unit_name": unit.name,
        "period": f"统计截至 {today.year}年{today.month}月{today.day}日",
        "year": year,
        "stage_headers": [STATUS_ZH[s] for s in STAGES],
        "stage_rows": [(name(r), stage_cells(r), r.overdue) for r in stats.rows],
        "stage_total": (stage_cells(stats.total), stats.total.overdue),
        "plan_rows": [(name(r), r.planned, r.actual(year), percent(r), r.plan_own) for r in stats.rows
                      if r.planned is not None or r.actual(year)],
        "plan_total": (stats.total.planned, stats.total.actual(year), percent(stats.total), stats.total.plan_own),
        "year_rows": stats.year_rows(),
        "overdue_kinds": [(OVERDUE_ZH[k], stats.overdue_by_kind.get(k, 0)) for k in OVERDUE_KINDS],
        "overdue_rows": [{
            "name": o.name, "unit": o.unit_name, "status": STATUS_ZH.get(o.status, o.status),
            "items": "；".join(f"{OVERDUE_ZH[i.kind]}（应于 {i.latest:%Y-%m-%d} 前）" for i in o.items),
            "days": o.days(today),
        } for o in stats.overdue[:PDF_OVERDUE_ROWS]],
        "overdue_total": len(stats.overdue),
        "overdue_more": max(0, len(stats.overdue) - PDF_OVERDUE_ROWS),
    }
    return render_pdf("pdf/development_stats.html", context, request=request,
                      filename=f"{unit.name}-发展党员工作统计表-{year}-{today:%Y%m%d}.pdf")


# ---------------------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------------------

class PlanTable(tables.Table):
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__path", "-year"),
                         attrs={"td": {"style": "min-width: 9em"}})
    year = tables.Column(verbose_name=gettext_lazy("Year"), order_by=("year", "unit__path"))
    planned = tables.Column(verbose_name=gettext_lazy("Planned admissions"), order_by=("planned", "pk"),
                            attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    note = tables.Column(verbose_name=gettext_lazy("Note"), orderable=False, default="", attrs=WIDE_ONLY)
    updated_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Changed"), format="Y-m-d", attrs=WIDE_ONLY)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=(),
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta:
        model = DevelopmentPlan
        fields = ("unit", "year", "planned", "note", "updated_at", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "plan-table"}
        empty_text = gettext_lazy("No plans match.")

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def render_unit(self, record):
        return record.unit.display_name

    def render_actions(self, record):
        stats = reverse("members:dev_stats") + "?" + urlencode({"unit": record.unit_id, "year": record.year})
        edit = reverse("members:plan_edit", args=[record.pk])
        label = _("Edit") if has_perm(self.user, PIPELINE_CHANGE, record.unit) else _("History")
        return format_html('<a class="btn btn-sm btn-outline-secondary" href="{}"><i class="bi bi-bar-chart"></i> '
                           '{}</a> <a class="btn btn-sm btn-outline-secondary" href="{}">{}</a>',
                           stats, _("Statistics"), edit, label)


class PlanListView(ActionRequiredMixin, TemplateView):
    template_name = "members/devstats/plan_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        form = PlanFilterForm(self.request.GET or None)
        year = form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None
        table = PlanTable(plan_list(user, year), user=user, request=self.request)
        tables.RequestConfig(self.request, paginate=False).configure(table)
        paginate_leniently(table, self.request, PER_PAGE)
        actions = []
        if has_perm(user, PIPELINE_CHANGE, None):
            actions.append((reverse("members:plan_create") + (f"?year={year}" if year else ""), _("Add a plan"),
                            "plus-lg"))
        title = _("Development plans")
        ctx.update(title=title, table=table, filter=SimpleNamespace(form=form, is_filtered=bool(year)),
                   result_count=table.paginator.count, actions=actions,
                   year=year, breadcrumbs=[(reverse("members:dev_stats"), _("Development statistics")),
                                           (None, title)])
        return ctx


class PlanCreateView(ActionRequiredMixin, FormView):
    """A new plan; ``?unit=&year=`` preselect. The unit dropdown holds units where the user has PIPELINE_CHANGE."""

    permission_action = PIPELINE_CHANGE
    template_name = "members/devstats/plan_form.html"
    form_class = PlanCreateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        unit, year = self.request.GET.get("unit", ""), self.request.GET.get("year", "")
        if unit.isdigit():
            initial["unit"] = unit
        if year.isdigit():
            initial["year"] = int(year)
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        title = _("Add a development plan")
        ctx.update(title=title, cancel_url=reverse("members:plan_list"),
                   breadcrumbs=[(reverse("members:dev_stats"), _("Development statistics")),
                                (reverse("members:plan_list"), _("Development plans")), (None, title)])
        return ctx

    def form_valid(self, form):
        unit = form.cleaned_data["unit"]
        if not has_perm(self.request.user, PIPELINE_CHANGE, unit):    # the dropdown is scoped too
            form.add_error("unit", _("You may not set the plan of this unit."))
            return self.form_invalid(form)
        try:
            plan = plan_create(actor=self.request.user, unit=unit, year=form.cleaned_data["year"],
                               planned=form.cleaned_data["planned"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The plan of %(unit)s for %(year)s has been saved: %(n)s admissions.")
                         % {"unit": unit.display_name, "year": plan.year, "n": plan.planned})
        return redirect(reverse("members:dev_stats") + "?" + urlencode({"unit": unit.pk, "year": plan.year}))


class PlanEditView(ActionRequiredMixin, View):
    """GET: the plan and its history (view scope, else 404), with the form when the user may change it.
    POST: PIPELINE_CHANGE on the plan's unit (else 403)."""

    template_name = "members/devstats/plan_edit.html"

    def get_plan(self):
        return get_scoped_or_404(DevelopmentPlan.objects.select_related("unit"), self.request.user, VIEW,
                                 pk=self.kwargs["pk"])

    def render_page(self, plan, form=None):
        user = self.request.user
        can_change = has_perm(user, PIPELINE_CHANGE, plan.unit)
        if can_change and form is None:
            form = PlanEditForm(initial={"planned": plan.planned, "note": plan.note})
        title = _("Development plan of %(unit)s for %(year)s") % {"unit": plan.unit.display_name, "year": plan.year}
        stats_url = reverse("members:dev_stats") + "?" + urlencode({"unit": plan.unit_id, "year": plan.year})
        return render(self.request, self.template_name, {
            "title": title, "plan": plan, "form": form if can_change else None, "can_change": can_change,
            "history": history_for(plan), "stats_url": stats_url, "cancel_url": reverse("members:plan_list"),
            "breadcrumbs": [(reverse("members:dev_stats"), _("Development statistics")),
                            (reverse("members:plan_list"), _("Development plans")), (None, title)],
        })

    def get(self, request, pk):
        return self.render_page(self.get_plan())

    def post(self, request, pk):
        plan = self.get_plan()
        require_perm(request.user, PIPELINE_CHANGE, plan.unit)
        form = PlanEditForm(request.POST)
        if form.is_valid():
            try:
                plan = plan_update(actor=request.user, plan=plan, planned=form.cleaned_data["planned"],
                                   note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The plan of %(unit)s for %(year)s has been saved: %(n)s admissions.")
                                 % {"unit": plan.unit.display_name, "year": plan.year, "n": plan.planned})
                return redirect("members:plan_edit", pk=plan.pk)
        return self.render_page(plan, form=form)
