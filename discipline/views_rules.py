"""The discipline rules page (纪律工作规定): the periods in force for a unit (answer deadlines, probation lengths,
impact periods, reminder lead times) and, for a committee's administrators, a new value for its subtree from a
date on. Reading needs DISCIPLINE_VIEW; adding a value needs UNIT_MANAGE on the committee (as the development
rules page, members/views_rules.py)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from branches.choices import UnitKind
from branches.fields import UnitChoiceField, scope_base_depth
from branches.models import Unit
from branches.permissions import DISCIPLINE_VIEW, UNIT_MANAGE
from branches.scope import has_perm
from branches.selectors import unit_choices, user_root_units
from branches.views.mixins import ActionRequiredMixin
from members.forms import DateInput, add_service_errors

from .policy import BOUNDS, DEFAULTS, LABELS, discipline_policy_add, discipline_rules
from .views import _Tabs


class RuleForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("Rule"))
    value = forms.IntegerField(label=gettext_lazy("New value"))
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Reason or document"), max_length=200,
                           help_text=gettext_lazy("For example the local regulation that sets the stricter rule."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [
            (k, _("%(label)s (central rule: %(value)s; allowed %(low)s–%(high)s)")
             % {"label": LABELS[k], "value": v, "low": BOUNDS[k][0], "high": BOUNDS[k][1]})
            for k, v in DEFAULTS.items()]


class RulePickForm(forms.Form):
    unit = UnitChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False,
                           empty_label=None)


class RuleListView(ActionRequiredMixin, _Tabs, TemplateView):
    permission_action = DISCIPLINE_VIEW
    template_name = "discipline/rule_list.html"

    def get_unit(self) -> Unit:
        user = self.request.user
        raw = self.request.POST.get("unit") or self.request.GET.get("unit") or ""
        if raw:
            if not raw.isdigit():
                raise Http404
            unit = unit_choices(user, DISCIPLINE_VIEW).filter(pk=raw).first()
            if unit is None:
                raise Http404
            return unit
        roots = [u for u in user_root_units(user) if has_perm(user, DISCIPLINE_VIEW, u)]
        if not roots:
            raise Http404
        return roots[0]

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit, today = self.request.user, self.unit, timezone.localdate()
        pick = RulePickForm(initial={"unit": unit.pk})
        pick.fields["unit"].queryset = unit_choices(user, DISCIPLINE_VIEW)
        pick.fields["unit"].base_depth = scope_base_depth(user, DISCIPLINE_VIEW)
        can_add = unit.kind == UnitKind.COMMITTEE and has_perm(user, UNIT_MANAGE, unit)
        if can_add and form is None:
            form = RuleForm(initial={"effective_from": today})
        ctx.update(title=_("Discipline rules"), unit=unit, rules=discipline_rules(unit, today), today=today,
                   pick=pick, form=form if can_add else None, is_committee=unit.kind == UnitKind.COMMITTEE,
                   tabs=self.tabs(),
                   breadcrumbs=[(reverse("discipline:case_list"), _("Discipline")), (None, _("Discipline rules"))])
        return ctx

    def get(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        if self.unit.kind != UnitKind.COMMITTEE or not has_perm(request.user, UNIT_MANAGE, self.unit):
            raise PermissionDenied
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = discipline_policy_add(actor=request.user, unit=self.unit, key=data["key"], value=data["value"],
                                            effective_from=data["effective_from"], note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("From %(date)s, %(rule)s is %(value)s in %(unit)s and every unit below it.")
                                 % {"date": row.effective_from.isoformat(), "rule": LABELS[row.key],
                                    "value": row.value, "unit": self.unit.name})
                return HttpResponseRedirect(f"{reverse('discipline:rule_list')}?unit={self.unit.pk}")
        return self.render_to_response(self.get_context_data(form=form))
