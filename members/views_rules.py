"""The development rules page (发展党员工作规则): the periods and defaults in force for a unit, and, for a
committee's administrators, a new value for the committee's whole subtree from a date on.

Everyone may read the rules of the units they see (a secretary wants to know why a date is what it is);
adding a value needs UNIT_MANAGE on the committee. Values are never edited or deleted: a later row corrects
an earlier one (members.policy.development_policy_add). Routes in ``urls_rules`` (included in members.urls).
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from branches.choices import UnitKind
from branches.fields import UnitChoiceField, scope_base_depth
from branches.forms import DATE_WIDGET, add_service_errors
from branches.models import Unit
from branches.permissions import UNIT_MANAGE, VIEW
from branches.scope import has_perm
from branches.selectors import unit_choices, user_root_units
from branches.views.mixins import ActionRequiredMixin

from .policy import BOUNDS, DEFAULTS, LABELS, development_policy_add, development_rules


class RuleForm(forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("Rule"))
    value = forms.IntegerField(label=gettext_lazy("New value"))
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DATE_WIDGET)
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


def rules_url(unit: Unit) -> str:
    return f"{reverse('members:rule_list')}?unit={unit.pk}"


class RuleListView(ActionRequiredMixin, TemplateView):
    """GET: the rules of ``?unit=`` (default: the top of the user's scope); POST: add a committee value."""

    permission_action = VIEW
    template_name = "members/rules/rule_list.html"

    def get_unit(self) -> Unit:
        user = self.request.user
        raw = self.request.POST.get("unit") or self.request.GET.get("unit") or ""
        if raw:
            if not raw.isdigit():
                raise Http404
            unit = unit_choices(user).filter(pk=raw).first()
            if unit is None:
                raise Http404
            return unit
        roots = user_root_units(user)
        if not roots:
            raise Http404
        return roots[0]

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit, today = self.request.user, self.unit, timezone.localdate()
        pick = RulePickForm(initial={"unit": unit.pk})
        pick.fields["unit"].queryset = unit_choices(user)
        pick.fields["unit"].base_depth = scope_base_depth(user, VIEW)
        can_add = unit.kind == UnitKind.COMMITTEE and has_perm(user, UNIT_MANAGE, unit)
        if can_add and form is None:
            form = RuleForm(initial={"effective_from": today})
        ctx.update(title=_("Development rules"), unit=unit, rules=development_rules(unit, today), today=today,
                   pick=pick, form=form if can_add else None, can_add=can_add,
                   is_committee=unit.kind == UnitKind.COMMITTEE,
                   breadcrumbs=[(reverse("members:dev_stats"), _("Membership development")),
                                (None, _("Development rules"))])
        return ctx

    def get(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        if self.unit.kind != UnitKind.COMMITTEE or not has_perm(request.user, UNIT_MANAGE, self.unit):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = development_policy_add(actor=request.user, unit=self.unit, key=data["key"], value=data["value"],
                                             effective_from=data["effective_from"], note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("From %(date)s, %(rule)s is %(value)s in %(unit)s and every unit below it.")
                                 % {"date": row.effective_from.isoformat(), "rule": LABELS[row.key],
                                    "value": row.value, "unit": self.unit.name})
                return HttpResponseRedirect(rules_url(self.unit))
        return self.render_to_response(self.get_context_data(form=form))
