"""The committee review queue (审批): the reviewers' list, an item with the person's dossier and the decision
forms, and the branch's "submit to the committee" page. Rules live in members/review.py."""
from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from branches.forms import add_service_errors
from branches.permissions import PIPELINE_CHANGE, REVIEW, VIEW
from branches.scope import get_scoped_or_404, require_perm
from branches.tables import MEDIUM_UP, WIDE_ONLY, paginate_leniently
from branches.views.mixins import ActionRequiredMixin

from .forms_review import ReviewDecideForm, ReviewFilter, ReviewReturnForm, ReviewSubmitForm
from .models import ReviewKind, ReviewRequest, ReviewStatus
from .pipeline import pipeline_state
from .review import (
    ReviewAlreadyDecided,
    already_decided_message,
    days_waiting,
    deadline_state,
    decision_preview,
    item_state_text,
    outcome_choices,
    outcome_is_positive,
    outcome_label,
    review_decide,
    review_dossier,
    review_items_for_person,
    review_queue,
    review_return,
    review_submit,
    submit_option,
)
from .selectors import person_list, unit_breadcrumbs

PER_PAGE = 25
DEADLINE_CLASSES = {"past": "text-danger fw-semibold", "near": "text-warning-emphasis fw-semibold"}


def _queue_crumb():
    return (reverse("members:review_queue"), _("Review queue"))


class ReviewTable(tables.Table):
    person = tables.Column(verbose_name=gettext_lazy("Person"), accessor="person__name", orderable=False,
                           attrs={"td": {"class": "text-nowrap fw-semibold"}})
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), accessor="unit__name", orderable=False)
    kind = tables.Column(verbose_name=gettext_lazy("Item"), orderable=False)
    submitted = tables.Column(verbose_name=gettext_lazy("Submitted"), accessor="submitted_at", orderable=False,
                              attrs=MEDIUM_UP)
    waiting = tables.Column(verbose_name=gettext_lazy("Days waiting"), accessor="pk", empty_values=(),
                            orderable=False, attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}})
    deadline = tables.Column(verbose_name=gettext_lazy("Deadline"), orderable=False, default="—",
                             attrs={"td": {"class": "text-nowrap"}})
    outcome = tables.Column(verbose_name=gettext_lazy("Decision"), accessor="status", orderable=False)
    decided = tables.Column(verbose_name=gettext_lazy("Decided"), accessor="decided_at", orderable=False,
                            attrs=WIDE_ONLY)

    class Meta:
        model = ReviewRequest
        fields = ("person", "unit", "kind", "submitted", "waiting", "deadline", "outcome", "decided")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "review-table"}
        row_attrs = {"data-testid": lambda record: f"review-row-{record.pk}"}
        empty_text = gettext_lazy("No items.")

    def __init__(self, *args, decided: bool = False, **kwargs):
        exclude = () if decided else ("outcome", "decided")
        super().__init__(*args, exclude=exclude, **kwargs)
        self.today = timezone.localdate()

    def render_person(self, record):
        return format_html('<a href="{}" data-testid="open-review-{}">{}</a>',
                           reverse("members:review_detail", args=[record.pk]), record.pk, record.person.name)

    def render_unit(self, record):
        return record.unit.display_name

    def render_kind(self, record):
        return record.get_kind_display()

    def render_submitted(self, record):
        by = record.submitted_by
        who = (by.get_full_name() or by.get_username()) if by else "—"
        return format_html('{}<div class="small text-muted">{}</div>',
                           timezone.localdate(record.submitted_at).isoformat(), who)

    def render_waiting(self, record):
        return days_waiting(record, self.today)

    def render_deadline(self, record):
        state = deadline_state(record, self.today)
        if not state:
            return record.deadline.isoformat()
        label = _("overdue") if state == "past" else _("soon")
        return format_html('<span class="{}" data-deadline="{}">{}</span> <span class="badge {}">{}</span>',
                           DEADLINE_CLASSES[state], state, record.deadline.isoformat(),
                           "text-bg-danger" if state == "past" else "text-bg-warning", label)

    def render_outcome(self, record):
        css = "text-bg-success" if outcome_is_positive(record) else (
            "text-bg-secondary" if record.status == ReviewStatus.RETURNED else "text-bg-danger")
        return format_html('<span class="badge {}">{}</span>', css, outcome_label(record))

    def render_decided(self, record):
        by = record.decided_by
        who = (by.get_full_name() or by.get_username()) if by else "—"
        day = record.decision_date.isoformat() if record.decision_date else "—"
        return format_html('{}<div class="small text-muted">{}</div>', day, who)


class ReviewQueueView(ActionRequiredMixin, TemplateView):
    """Pending items in the reviewer's scope, oldest first (or the decided ones with ?state=decided); filters
    by item and unit subtree; 25 per page; a fixed number of queries whatever the rows."""

    permission_action = REVIEW
    template_name = "members/review/queue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        decided = self.request.GET.get("state") == "decided"
        review_filter = ReviewFilter(self.request.GET or None, request=self.request,
                                     queryset=review_queue(self.request.user, decided=decided))
        valid = not review_filter.is_bound or review_filter.is_valid()
        qs = review_filter.qs if valid else ReviewRequest.objects.none()
        table = ReviewTable(qs, decided=decided)
        table.request = self.request
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("state", None)
        suffix = f"&{query.urlencode()}" if query else ""
        ctx.update(title=_("Review queue"), breadcrumbs=[_queue_crumb()], table=table, filter=review_filter,
                   result_count=table.paginator.count, decided=decided,
                   pending_url=f"?state=pending{suffix}", decided_url=f"?state=decided{suffix}")
        return ctx


class ReviewDetailView(LoginRequiredMixin, View):
    """GET: the item with the dossier and, while pending, the decision forms. POST: decide or return
    (first a confirmation page, then the service). View scope else 404; REVIEW on the unit else 403."""

    template_name = "members/review/detail.html"

    def get_item(self):
        qs = ReviewRequest.objects.select_related("person__unit", "person__party_group", "unit", "submitted_by",
                                                  "decided_by", "step", "result_step")
        return get_scoped_or_404(qs, self.request.user, REVIEW, pk=self.kwargs["pk"])

    def forms_for(self, item, state, data=None):
        outcomes = outcome_choices(item, state)
        action = (data or {}).get("action")
        decide = ReviewDecideForm(data if action == "decide" else None, outcomes=outcomes,
                                  initial={"date": timezone.localdate(), "action": "decide"})
        ret = ReviewReturnForm(data if action == "return" else None, initial={"action": "return"})
        return decide, ret

    def render_page(self, item, decide_form=None, return_form=None, status=200):
        dossier = review_dossier(item)
        pending = item.status == ReviewStatus.PENDING
        if pending and decide_form is None:
            decide_form, return_form = self.forms_for(item, dossier["state"])
        person = item.person
        return render(self.request, self.template_name, {
            "title": _("%(item)s: %(name)s") % {"item": item.get_kind_display(), "name": person.name},
            "breadcrumbs": [_queue_crumb(), (None, f"{person.name} · {item.get_kind_display()}")],
            "item": item, "person": person, "pending": pending,
            "days_waiting": days_waiting(item), "deadline_state": deadline_state(item),
            "state_text": item_state_text(item), "outcome": outcome_label(item),
            "positive": outcome_is_positive(item),
            "decide_form": decide_form if pending else None, "return_form": return_form if pending else None,
            "timeline_url": reverse("members:person_pipeline", args=[person.pk]),
            **dossier,
        }, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_item())

    def post(self, request, pk):
        item = self.get_item()
        if item.status != ReviewStatus.PENDING:
            messages.error(request, already_decided_message(item))
            return redirect("members:review_detail", pk=item.pk)
        state = pipeline_state(item.person)
        decide_form, return_form = self.forms_for(item, state, request.POST)
        action = request.POST.get("action")
        form = decide_form if action == "decide" else return_form if action == "return" else None
        if form is None or not form.is_valid():
            if form is None:
                messages.error(request, _("Choose whether to decide the item or return it."))
            return self.render_page(item, decide_form, return_form)
        cd = form.cleaned_data
        if not cd.get("confirmed"):
            if action == "decide":
                message = decision_preview(item, cd["outcome"], cd["date"], cd.get("months"))
                label = _("Record the decision")
            else:
                message = _("%(item)s for %(name)s goes back to %(unit)s with the reason below; no development "
                            "step is recorded. The branch secretaries are notified.") % {
                    "item": item.get_kind_display(), "name": item.person.name, "unit": item.unit.display_name}
                label = _("Return to the branch")
            return render(request, "members/review/confirm.html", {
                "title": _("Confirm: %(item)s for %(name)s") % {"item": item.get_kind_display(),
                                                                 "name": item.person.name},
                "breadcrumbs": [_queue_crumb(), (reverse("members:review_detail", args=[item.pk]),
                                                 f"{item.person.name} · {item.get_kind_display()}"),
                                (None, _("Confirm"))],
                "message": message, "reason": cd.get("reason", ""), "form": form.as_confirmation(),
                "cancel_url": reverse("members:review_detail", args=[item.pk]), "submit_label": label,
                "danger": action == "return" or cd.get("outcome") not in ("approved", "recorded"),
            })
        try:
            if action == "decide":
                item = review_decide(actor=request.user, item=item, outcome=cd["outcome"], date=cd["date"],
                                     reason=cd.get("reason", ""), months=cd.get("months"))
            else:
                item = review_return(actor=request.user, item=item, reason=cd["reason"])
        except ReviewAlreadyDecided as exc:
            messages.error(request, exc.messages[0])
            return redirect("members:review_detail", pk=item.pk)
        except ValidationError as exc:
            form.data = form.data.copy()
            form.data.pop("confirmed", None)        # fix and confirm again
            add_service_errors(form, exc)
            return self.render_page(item, decide_form, return_form)
        messages.success(request, _("%(item)s for %(name)s: %(outcome)s.") % {
            "item": item.get_kind_display(), "name": item.person.name, "outcome": outcome_label(item)})
        return redirect("members:review_queue")


class ReviewSubmitView(LoginRequiredMixin, View):
    """A branch submits an item of ``?kind=`` for a person: GET shows what will be sent (the step, the deadline)
    with a covering note, POST submits. View scope else 404; PIPELINE_CHANGE on the unit else 403."""

    template_name = "members/review/submit.html"

    def get_person(self):
        person = get_scoped_or_404(person_list(self.request.user), self.request.user, VIEW, pk=self.kwargs["person_pk"])
        require_perm(self.request.user, PIPELINE_CHANGE, person.unit)
        return person

    def render_page(self, person, form, kind):
        state = pipeline_state(person)
        option = submit_option(kind, state, review_items_for_person(person)) if kind in ReviewKind.values else None
        timeline_url = reverse("members:person_pipeline", args=[person.pk])
        return render(self.request, self.template_name, {
            "title": option.label if option else _("Submit to the committee"),
            "breadcrumbs": [*unit_breadcrumbs(self.request.user, person.unit), (person.get_absolute_url(), person.name),
                            (timeline_url, _("Development")), (None, _("Submit to the committee"))],
            "person": person, "form": form, "option": option, "timeline_url": timeline_url,
        })

    def get(self, request, person_pk):
        person = self.get_person()
        kind = request.GET.get("kind", "")
        form = ReviewSubmitForm(initial={"kind": kind if kind in ReviewKind.values else ""})
        if kind in ReviewKind.values:
            form.fields["kind"].widget = form.fields["kind"].hidden_widget()
        return self.render_page(person, form, kind)

    def post(self, request, person_pk):
        person = self.get_person()
        form = ReviewSubmitForm(request.POST)
        kind = request.POST.get("kind", "")
        if form.is_valid():
            try:
                item = review_submit(actor=request.user, person=person, kind=form.cleaned_data["kind"],
                                     note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(item)s for %(name)s was submitted to the committee.") % {
                    "item": item.get_kind_display(), "name": person.name})
                return redirect("members:person_pipeline", pk=person.pk)
        if kind in ReviewKind.values and "kind" not in form.errors:
            form.fields["kind"].widget = form.fields["kind"].hidden_widget()
        return self.render_page(person, form, kind)

