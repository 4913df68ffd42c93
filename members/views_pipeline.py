"""A person's development timeline (/members/<pk>/development/): done steps, what comes next, record a step,
the items submitted to the committee (members/review.py) and the buttons to submit them."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from branches.forms import add_service_errors
from branches.permissions import PIPELINE_CHANGE, REVIEW, VIEW
from branches.scope import get_scoped_or_404, has_perm, require_perm
from branches.views.mixins import ScopedViewMixin

from .forms_pipeline import StepForm
from .models import StatusChange
from .pipeline import allowed_kinds, pipeline_record_step, pipeline_restart, pipeline_state, pipeline_timeline
from .review import (COMMITTEE_STEP_KINDS, attach_record_status, item_state_text, outcome_is_positive,
                     review_items_for_person, step_form_kinds, submit_options)
from .selectors import person_list, unit_breadcrumbs


class PersonPipelineView(ScopedViewMixin, View):
    """GET: the timeline (view scope, else 404). POST: record a step (PIPELINE_CHANGE, else 403)."""

    template_name = "members/pipeline/person_pipeline.html"

    def get_person(self):
        return get_scoped_or_404(person_list(self.request.user), self.request.user, VIEW, pk=self.kwargs["pk"])

    def form_kinds(self, person, state, items) -> list[str]:
        """allowed_kinds without the committee's decisions for users without REVIEW (they go through the queue)."""
        return step_form_kinds(allowed_kinds(state), can_review=has_perm(self.request.user, REVIEW, person.unit),
                               items=items)

    def render_page(self, person, state, form=None, items=None):
        user = self.request.user
        can_record = has_perm(user, PIPELINE_CHANGE, person.unit)
        can_review = has_perm(user, REVIEW, person.unit)
        items = review_items_for_person(person) if items is None else items
        kinds = self.form_kinds(person, state, items)
        attach_record_status(state.steps, items)
        for item in items:
            item.state_text, item.positive = item_state_text(item), outcome_is_positive(item)
        if can_record and form is None and kinds:
            form = StepForm(person=person, kinds=kinds, initial={"date": timezone.localdate()})
        changes = (StatusChange.objects.filter(person=person).select_related("actor", "step")
                   .order_by("date", "pk"))
        return render(self.request, self.template_name, {
            "title": _("Development of %(name)s") % {"name": person.name},
            "person": person,
            "breadcrumbs": [*unit_breadcrumbs(user, person.unit), (person.get_absolute_url(), person.name),
                            (None, _("Development"))],
            "steps": state.steps,
            "next_items": pipeline_timeline(state),
            "probation_end": state.probation_end(),
            "restart": pipeline_restart(state),
            "earlier_ids": state.earlier_attempt_ids(),
            "status_changes": list(changes),
            "can_record": can_record,
            "can_review": can_review,
            "committee_kinds": sorted(COMMITTEE_STEP_KINDS),
            "review_items": items,
            "submit_options": submit_options(state, items) if can_record else [],
            "form": form if can_record and kinds else None,
        })

    def get(self, request, pk):
        person = self.get_person()
        return self.render_page(person, pipeline_state(person))

    def post(self, request, pk):
        person = self.get_person()
        require_perm(request.user, PIPELINE_CHANGE, person.unit)
        state = pipeline_state(person)
        items = review_items_for_person(person)
        form = StepForm(request.POST, request.FILES, person=person, kinds=self.form_kinds(person, state, items))
        if form.is_valid():
            try:
                step = pipeline_record_step(actor=request.user, person=person, kind=form.cleaned_data["kind"],
                                            date=form.cleaned_data["date"], **form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(step)s recorded for %(name)s.")
                                 % {"step": step.get_kind_display(), "name": person.name})
                return redirect("members:person_pipeline", pk=person.pk)
        return self.render_page(person, state, form=form, items=items)
