"""The rules page of an app (development rules, discipline periods): the values in force for a unit with their
source, and, for a committee's administrators, a new value for its whole subtree from a date on.

A subclass sets ``book`` (a ``branches.policy.RuleBook``), ``read_action`` (who may read), ``url_name``,
``template_name`` (extending ``generic/rules.html``) and ``crumbs()``. Reading the rules of a unit needs
``read_action`` on it; adding needs UNIT_MANAGE on the committee. Values are never edited or deleted: a later
row corrects an earlier one (``RuleBook.add``).
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.generic import TemplateView

from ..choices import UnitKind
from ..fields import UnitChoiceField, scope_base_depth
from ..forms import DATE_WIDGET, add_service_errors
from ..models import Unit
from ..permissions import UNIT_MANAGE, VIEW
from ..policy import RuleBook
from ..scope import has_perm
from ..selectors import unit_choices, user_root_units
from .mixins import ActionRequiredMixin


class RuleForm(forms.Form):
    key = forms.ChoiceField(label=pgettext_lazy("development rules table", "Rule"))
    value = forms.IntegerField(label=gettext_lazy("New value"))
    effective_from = forms.DateField(label=gettext_lazy("Effective from"), widget=DATE_WIDGET)
    note = forms.CharField(label=gettext_lazy("Reason or document"), max_length=200,
                           help_text=gettext_lazy("For example the local regulation that sets the stricter rule."))

    def __init__(self, *args, book: type[RuleBook], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [
            (k, _("%(label)s (central rule: %(value)s; allowed %(low)s–%(high)s)")
             % {"label": book.labels[k], "value": v, "low": book.bounds[k][0], "high": book.bounds[k][1]})
            for k, v in book.defaults.items()]


class RulePickForm(forms.Form):
    unit = UnitChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False,
                           empty_label=None)


class RuleListViewBase(ActionRequiredMixin, TemplateView):
    """GET: the rules of ``?unit=`` (default: the top of the user's scope); POST: add a committee value."""

    book: type[RuleBook]
    read_action = VIEW
    url_name = ""
    title = ""

    @property
    def permission_action(self):
        return self.read_action

    def crumbs(self) -> list:
        return [(None, self.title)]

    def get_unit(self) -> Unit:
        user = self.request.user
        raw = self.request.POST.get("unit") or self.request.GET.get("unit") or ""
        if raw:
            if not raw.isdigit():
                raise Http404
            unit = unit_choices(user, self.read_action).filter(pk=raw).first()
            if unit is None:
                raise Http404
            return unit
        roots = user_root_units(user, self.read_action)
        if not roots:
            raise Http404
        return roots[0]

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit, today = self.request.user, self.unit, timezone.localdate()
        pick = RulePickForm(initial={"unit": unit.pk})
        pick.fields["unit"].queryset = unit_choices(user, self.read_action)
        pick.fields["unit"].base_depth = scope_base_depth(user, self.read_action)
        can_add = unit.kind == UnitKind.COMMITTEE and has_perm(user, UNIT_MANAGE, unit)
        if can_add and form is None:
            form = RuleForm(initial={"effective_from": today}, book=self.book)
        ctx.update(title=str(self.title), unit=unit, rules=self.book.overview(unit, today), today=today, pick=pick,
                   form=form if can_add else None, can_add=can_add, is_committee=unit.kind == UnitKind.COMMITTEE,
                   breadcrumbs=self.crumbs())
        return ctx

    def get(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.unit = self.get_unit()
        if self.unit.kind != UnitKind.COMMITTEE or not has_perm(request.user, UNIT_MANAGE, self.unit):
            raise PermissionDenied
        form = RuleForm(request.POST, book=self.book)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = self.book.add(actor=request.user, unit=self.unit, key=data["key"], value=data["value"],
                                    effective_from=data["effective_from"], note=data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("From %(date)s, %(rule)s is %(value)s in %(unit)s and every unit below it.")
                                 % {"date": row.effective_from.isoformat(), "rule": self.book.labels[row.key],
                                    "value": row.value, "unit": self.unit.name})
                return HttpResponseRedirect(f"{reverse(self.url_name)}?unit={self.unit.pk}")
        return self.render_to_response(self.get_context_data(form=form))
