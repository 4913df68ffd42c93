"""Committee positions: add a person to the current term, end a position. Routes in ``urls_committee``
(namespace "committee"); the term itself is managed by ``branches`` (``branches:term_create``)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from branches.choices import CommitteePositionKind
from branches.forms import DATE_WIDGET, add_service_errors
from branches.models import CommitteeTerm
from branches.permissions import UNIT_CHANGE
from branches.scope import get_scoped_or_404
from branches.selectors import unit_breadcrumbs

from .committee_services import eligible_people, position_add, position_end
from .models import CommitteePosition


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_status_display()} · {obj.unit.display_name}"


class PositionAddForm(forms.Form):
    person = PersonChoiceField(label=gettext_lazy("Person"), queryset=None,
                               help_text=gettext_lazy("A probationary or full member of this unit or a unit below it."))
    position = forms.ChoiceField(label=gettext_lazy("Position"), choices=CommitteePositionKind.choices)
    title = forms.CharField(label=gettext_lazy("Title (for “other”)"), required=False, max_length=40)
    started_on = forms.DateField(label=gettext_lazy("From"), widget=DATE_WIDGET, initial=timezone.localdate)

    def __init__(self, *args, term: CommitteeTerm, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = eligible_people(term).restrict(user)


class PositionEndForm(forms.Form):
    ended_on = forms.DateField(label=gettext_lazy("Until"), widget=DATE_WIDGET, initial=timezone.localdate)
    note = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=200)


class _CommitteeView(LoginRequiredMixin, FormView):
    def crumbs(self, unit, label):
        return unit_breadcrumbs(self.request.user, unit, tail=[(None, label)])


class PositionAddView(_CommitteeView):
    template_name = "generic/form.html"
    form_class = PositionAddForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.term = get_scoped_or_404(CommitteeTerm.objects.select_related("unit"), request.user, UNIT_CHANGE,
                                      pk=kwargs["term_pk"])
        if self.term.ended_on is not None or self.term.unit.is_dissolved:
            messages.error(request, _("This term has been replaced; positions can only be added to the current term."))
            return HttpResponseRedirect(self.term.unit.get_absolute_url() + "#committee")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "term": self.term, "user": self.request.user}

    def form_valid(self, form):
        try:
            pos = position_add(actor=self.request.user, term=self.term, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(p)s now holds the position %(pos)s.")
                         % {"p": pos.person, "pos": pos.get_position_display()})
        return HttpResponseRedirect(self.term.unit.get_absolute_url() + "#committee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        unit = self.term.unit
        ctx.update(title=_("Add a committee position: %(u)s") % {"u": unit},
                   help_text=_("Term %(s)s to %(e)s.") % {"s": self.term.start_date, "e": self.term.end_date},
                   cancel_url=unit.get_absolute_url() + "#committee", breadcrumbs=self.crumbs(unit, _("Add position")))
        return ctx


class PositionEndView(_CommitteeView):
    template_name = "generic/confirm.html"
    form_class = PositionEndForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.position = get_scoped_or_404(CommitteePosition.objects.select_related("term__unit", "person"),
                                          request.user, UNIT_CHANGE, pk=kwargs["pk"])
        if self.position.ended_on is not None:
            messages.info(request, _("This position already ended on %(d)s.") % {"d": self.position.ended_on})
            return HttpResponseRedirect(self.position.term.unit.get_absolute_url() + "#committee")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            position_end(actor=self.request.user, position=self.position, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The position of %(p)s as %(pos)s has ended.")
                         % {"p": self.position.person, "pos": self.position.get_position_display()})
        return HttpResponseRedirect(self.position.term.unit.get_absolute_url() + "#committee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pos, unit = self.position, self.position.term.unit
        ctx.update(title=_("End a committee position"),
                   message=_("%(p)s will no longer hold the position %(pos)s in %(u)s after the date below. The "
                             "record stays in the committee's history.")
                   % {"p": pos.person, "pos": pos.get_position_display(), "u": unit},
                   submit_label=_("End position"), cancel_url=unit.get_absolute_url() + "#committee",
                   breadcrumbs=self.crumbs(unit, _("End position")))
        return ctx
