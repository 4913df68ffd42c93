"""Discipline pages: cases (list, open, page, steps, effect), the lapse lists taken over from dues and meetings,
integrity-risk letters, democratic appraisals and the printables. Views are thin: one service per POST."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from branches.audit import history_for
from branches.forms import add_service_errors
from branches.pdf import render_pdf
from branches.permissions import DISCIPLINE_CHANGE, DISCIPLINE_VIEW
from branches.scope import get_scoped_or_404, has_perm
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin
from members.models import Person

from . import selectors
from .appraisal import appraisal_create, appraisal_entry_record, appraisal_report, grade_counts
from .cases import (TRANSITIONS, case_open, case_open_from_absence, case_open_from_dues_lapse, case_record_step,
                    next_steps)
from .choices import (OPEN_STATUSES, AppraisalStatus, Grade, LetterEventKind, LetterStatus, Measure,
                      StepKind as K)
from .effects import case_effect_apply, impact_end
from .forms import (AppraisalEntryForm, AppraisalForm, CaseFilter, CaseOpenForm, LetterEventForm, LetterFilter,
                    LetterForm, StepForm, add_step_errors)
from .letters import LETTER_TRANSITIONS, letter_deadline_text, letter_issue, letter_record
from .models import Appraisal, AppraisalEntry, Case, IntegrityLetter
from .tables import AppraisalTable, CaseTable, LetterTable, case_badge

PER_PAGE = 25
# Steps whose form asks for a confirmation before it is sent: they decide or end something.
CONFIRM = {
    K.BRANCH_DECISION: gettext_lazy("Record the decision of the branch general meeting? A decision is never edited; "
                                    "a correction is a new step."),
    K.APPROVAL: gettext_lazy("Record the higher committee's reply? It cannot be edited afterwards."),
    K.DELIVERY: gettext_lazy("Record the delivery? On the effective date the decision changes the member's status, "
                             "posts and rights."),
    K.APPEAL_RESULT: gettext_lazy("Record the result of the appeal? A revocation restores the member's status."),
    K.PROBATION_REVIEW: gettext_lazy("Record the review of probation within the party?"),
    K.CLOSE: gettext_lazy("Close the case without a decision? It cannot be reopened."),
}


def _crumbs(*tail):
    return [(reverse("discipline:case_list"), _("Discipline")), *tail]


def _list_context(request, table, filt, title, actions=()):
    table.request = request
    paginate_leniently(table, request, per_page=PER_PAGE)
    return {"title": title, "table": table, "filter": filt, "result_count": table.paginator.count,
            "actions": list(actions)}


class _Tabs:
    def tabs(self):
        user = self.request.user
        return [(reverse("discipline:case_list"), _("Cases")), (reverse("discipline:lapse_sources"), _("Lapse lists")),
                (reverse("discipline:letter_list"), _("Integrity-risk letters")),
                (reverse("discipline:appraisal_list"), _("Democratic appraisal")),
                (reverse("discipline:rule_list"), _("Discipline rules"))] if has_perm(
            user, DISCIPLINE_VIEW, None) else []


# -- cases -----------------------------------------------------------------------------------------------------

class CaseListView(ActionRequiredMixin, _Tabs, TemplateView):
    permission_action = DISCIPLINE_VIEW
    template_name = "discipline/case_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = selectors.case_list(self.request.user)
        if self.request.GET.get("state") == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        filt = CaseFilter(self.request.GET or None, request=self.request, queryset=qs)
        rows = filt.qs if (not filt.is_bound or filt.is_valid()) else Case.objects.none()
        actions = []
        if has_perm(self.request.user, DISCIPLINE_CHANGE, None):
            actions.append((reverse("discipline:case_create"), _("Open a case"), "plus-lg"))
        ctx.update(_list_context(self.request, CaseTable(rows, order_by=self.request.GET.get("sort")), filt,
                                 _("Discipline cases"), actions))
        ctx.update(breadcrumbs=_crumbs((None, _("Cases"))), tabs=self.tabs())
        return ctx


class CaseCreateView(ActionRequiredMixin, View):
    permission_action = DISCIPLINE_CHANGE
    template_name = "generic/form.html"

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "title": _("Open a discipline case"), "cancel_url": reverse("discipline:case_list"),
            "submit_label": _("Open the case"), "breadcrumbs": _crumbs((None, _("Open a case"))),
            "help_text": _("Lapse cases from the dues check or the meetings' absence list are opened from the lapse "
                           "lists, so that the case links to its source.")}, status=status)

    def get(self, request):
        initial = {}
        if request.GET.get("person", "").isdigit():
            initial["person"] = request.GET["person"]
        return self.render_form(CaseOpenForm(user=request.user, initial=initial))

    def post(self, request):
        form = CaseOpenForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = case_open(actor=request.user, person=d["person"], kind=d["kind"], opened_on=d["opened_on"],
                                 summary=d["summary"], account=d.get("account"), document=d.get("document"))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
                return redirect(case)
        return self.render_form(form, status=400)


class CaseDetailView(LoginRequiredMixin, View):
    template_name = "discipline/case_detail.html"

    def get(self, request, pk):
        case = selectors.case_for_page(request.user, pk)
        steps = selectors.case_steps(case)
        can_change = has_perm(request.user, DISCIPLINE_CHANGE, case.unit)
        today = timezone.localdate()
        effect_due = (can_change and case.effect_applied_on is None and case.effective_on
                      and case.effective_on <= today and "effect" not in [s.kind for s in steps]
                      and case.status in TRANSITIONS[K.EFFECT].statuses)
        return render(request, self.template_name, {
            "title": f"{case.number} · {case.person.name}", "case": case, "steps": steps, "badge": case_badge(case),
            "next": next_steps(case, steps) if can_change else [], "can_change": can_change,
            "effect_due": effect_due, "history": history_for(case),
            "breadcrumbs": _crumbs((reverse("discipline:case_list"), _("Cases")), (None, case.number)),
            "decision": next((s for s in reversed(steps) if s.kind == K.BRANCH_DECISION and s.passed), None),
            "source_url": _source_url(request.user, case), "impact_end": impact_end(case),
        })


def _source_url(user, case: Case) -> str:
    src = None
    try:
        src = case.source
    except Exception:  # the source app's table went away
        return ""
    if src is None:
        return ""
    if isinstance(src, Case) or isinstance(src, AppraisalEntry):
        target = src if isinstance(src, Case) else src.appraisal
        return target.get_absolute_url()
    try:
        return src.get_absolute_url()
    except Exception:  # no page for it (yet)
        return ""


class CaseStepView(LoginRequiredMixin, View):
    """GET: the form of one step; POST: ``case_record_step``. DISCIPLINE_CHANGE on the case's unit (else 403)."""

    template_name = "generic/form.html"

    def setup_case(self, request, pk, kind):
        if kind not in StepForm.FIELDS:
            raise Http404
        return selectors.case_for_page(request.user, pk, DISCIPLINE_CHANGE)

    def render_form(self, case, kind, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "title": f"{K(kind).label} · {case.person.name}", "cancel_url": case.get_absolute_url(),
            "breadcrumbs": _crumbs((case.get_absolute_url(), case.number), (None, K(kind).label)),
            "confirm_text": CONFIRM.get(kind, ""), "help_text": _step_help(case, kind)}, status=status)

    def get(self, request, pk, kind):
        case = self.setup_case(request, pk, kind)
        return self.render_form(case, kind, StepForm(case=case, kind=kind))

    def post(self, request, pk, kind):
        case = self.setup_case(request, pk, kind)
        form = StepForm(request.POST, request.FILES, case=case, kind=kind)
        if form.is_valid():
            try:
                step = case_record_step(actor=request.user, case=case, kind=kind, date=form.cleaned_data["date"],
                                        **form.service_data())
            except ValidationError as exc:
                add_step_errors(form, exc)
            else:
                msg = _("%(step)s recorded.") % {"step": step.get_kind_display()}
                if kind == K.BRANCH_DECISION and not step.passed:
                    msg = _("The vote did not pass: no measure was decided. The case stays open.")
                messages.success(request, msg)
                return redirect(case)
        return self.render_form(case, kind, form, status=400)


def _step_help(case: Case, kind: str) -> str:
    if kind == K.BRANCH_DECISION:
        from members.pipeline import entitled_voters

        n = entitled_voters(case.person.unit_id, timezone.localdate(), exclude_pk=case.person_id)
        return _("Today %(n)d full members of %(u)s are entitled to vote (members under probation within the party "
                 "do not vote). More than half must attend; the decision passes with yes votes from more than half "
                 "of them.") % {"n": n, "u": case.person.unit}
    if kind == K.STATEMENT:
        return _("The member has the right to state their case (申辩). Record what they said, or that they were "
                 "offered the chance and declined.")
    if kind == K.DELIVERY:
        return _("Delivering the written decision. If the effective date is today or earlier, the effects are "
                 "applied at once; a later date is applied by the daily job.")
    return ""


class CaseApplyEffectView(LoginRequiredMixin, View):
    """Apply a due effect now (normally the daily job does it): a confirmation page, then the service."""

    def get(self, request, pk):
        case = selectors.case_for_page(request.user, pk, DISCIPLINE_CHANGE)
        return render(request, "generic/confirm.html", {
            "title": _("Apply the decision now"), "danger": True, "cancel_url": case.get_absolute_url(),
            "submit_label": _("Apply the decision"),
            "breadcrumbs": _crumbs((case.get_absolute_url(), case.number), (None, _("Apply"))),
            "message": _effect_message(case)})

    def post(self, request, pk):
        case = selectors.case_for_page(request.user, pk, DISCIPLINE_CHANGE)
        step = case_effect_apply(actor=request.user, case=case)
        if step is None:
            messages.error(request, _("Nothing to apply: the decision has already taken effect or its effective date "
                                      "has not come yet."))
        else:
            messages.success(request, _("The decision took effect: %(n)s") % {"n": step.note})
        return redirect(case)


def _effect_message(case: Case) -> str:
    m = case.measure
    what = {
        Measure.EXPULSION: _("the membership ends (status expelled), with every committee position and appointment"),
        Measure.REMOVAL: _("the membership ends (removed from the roll), with every committee position and "
                           "appointment"),
        Measure.SELF_WITHDRAWAL: _("the membership ends (removed from the roll), with every committee position and "
                                   "appointment"),
        Measure.PERSUADE_WITHDRAW: _("the membership ends (withdrew), with every committee position and appointment"),
        Measure.REMOVAL_FROM_POSTS: _("every committee position and appointment of the member ends"),
        Measure.PROBATION: _("the member loses the right to vote, elect and be elected for the period"),
    }.get(m, _("the sanction is recorded as in effect"))
    return _("%(measure)s for %(p)s from %(d)s: %(what)s.") % {
        "measure": case.get_measure_display(), "p": case.person.name,
        "d": case.effective_on.isoformat() if case.effective_on else "—", "what": what}


# -- the lapse lists ------------------------------------------------------------------------------------------------

class LapseSourcesView(ActionRequiredMixin, _Tabs, TemplateView):
    """The dues lapse check's cases and the meetings' absence list, each with "open a lapse case" (or the case)."""

    permission_action = DISCIPLINE_CHANGE
    template_name = "discipline/lapse_sources.html"

    def get_context_data(self, **kwargs):
        from branches.selectors import user_root_units

        ctx = super().get_context_data(**kwargs)
        user, today = self.request.user, timezone.localdate()
        roots = user_root_units(user, DISCIPLINE_CHANGE)
        absences = []
        for root in roots:
            absences.extend(selectors.meetings_lapse_rows(user, root, today))
        ctx.update(title=_("Lapse lists"), dues_rows=selectors.dues_lapse_rows(user), absence_rows=absences,
                   dues_available=selectors.dues_lapse_model() is not None, tabs=self.tabs(),
                   breadcrumbs=_crumbs((None, _("Lapse lists"))))
        return ctx


class OpenFromDuesView(LoginRequiredMixin, View):
    def post(self, request, pk):
        LapseCase = selectors.dues_lapse_model()
        if LapseCase is None:
            raise Http404
        lapse = get_scoped_or_404(LapseCase.objects.select_related("person__unit"), request.user, DISCIPLINE_CHANGE,
                                  pk=pk)
        try:
            case = case_open_from_dues_lapse(actor=request.user, lapse_case=lapse)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("discipline:lapse_sources")
        messages.success(request, _("Lapse case %(n)s opened for %(p)s.") % {"n": case.number, "p": case.person})
        return redirect(case)


class OpenFromAbsenceView(LoginRequiredMixin, View):
    def post(self, request, pk):
        person = get_scoped_or_404(Person.objects.select_related("unit"), request.user, DISCIPLINE_CHANGE, pk=pk)
        today = timezone.localdate()
        rows = selectors.meetings_lapse_rows(request.user, person.unit, today)
        if not any(p.pk == person.pk for p, _c in rows):
            messages.error(request, _("%(p)s is not on the meetings' absence list (any more).") % {"p": person})
            return redirect("discipline:lapse_sources")
        from members.policy import add_months

        from .policy import policy_value

        since = add_months(today, -policy_value(person.unit, "lapse_months", today))
        try:
            case = case_open_from_absence(actor=request.user, person=person, since=since)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("discipline:lapse_sources")
        messages.success(request, _("Lapse case %(n)s opened for %(p)s.") % {"n": case.number, "p": case.person})
        return redirect(case)


# -- integrity-risk letters -----------------------------------------------------------------------------------------

class LetterListView(ActionRequiredMixin, _Tabs, TemplateView):
    permission_action = DISCIPLINE_VIEW
    template_name = "discipline/case_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filt = LetterFilter(self.request.GET or None, queryset=selectors.letter_list(self.request.user))
        rows = filt.qs if (not filt.is_bound or filt.is_valid()) else IntegrityLetter.objects.none()
        actions = []
        if has_perm(self.request.user, DISCIPLINE_CHANGE, None):
            actions.append((reverse("discipline:letter_create"), _("Issue a letter"), "envelope-plus"))
        ctx.update(_list_context(self.request, LetterTable(rows), filt, _("Integrity-risk letters"), actions))
        ctx.update(breadcrumbs=_crumbs((None, _("Integrity-risk letters"))), tabs=self.tabs(),
                   empty_text=_("No letters yet. Issue an inquiry letter, an admonition notice or an order to "
                                "correct."))
        return ctx


class LetterCreateView(ActionRequiredMixin, View):
    permission_action = DISCIPLINE_CHANGE

    def render_form(self, form, status=200):
        return render(self.request, "generic/form.html", {
            "form": form, "title": _("Issue an integrity-risk letter"), "cancel_url": reverse("discipline:letter_list"),
            "submit_label": _("Issue"), "breadcrumbs": _crumbs((reverse("discipline:letter_list"),
                                                                _("Integrity-risk letters")), (None, _("Issue"))),
            "help_text": _("The answer is due within the period of the committee's rules (by default 10 days for an "
                           "inquiry letter or an admonition notice, 1 month for the correction report).")},
            status=status)

    def get(self, request):
        return self.render_form(LetterForm(user=request.user))

    def post(self, request):
        form = LetterForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                letter = letter_issue(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Letter %(n)s issued; the answer is due on %(d)s.")
                                 % {"n": letter.number, "d": letter.due_on.isoformat()})
                return redirect(letter)
        return self.render_form(form, status=400)


class LetterDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        letter = get_scoped_or_404(IntegrityLetter.objects.select_related("person", "unit", "created_by"),
                                   request.user, DISCIPLINE_VIEW, pk=pk)
        can_change = has_perm(request.user, DISCIPLINE_CHANGE, letter.unit)
        actions = [(k, LetterEventKind(k).label) for k, (st, _to) in LETTER_TRANSITIONS.items()
                   if letter.status in st] if can_change else []
        return render(request, "discipline/letter_detail.html", {
            "title": f"{letter.get_kind_display()} {letter.number}", "letter": letter,
            "events": selectors.letter_events(letter), "actions": actions, "deadline": letter_deadline_text(letter),
            "history": history_for(letter), "overdue": letter.status == LetterStatus.ISSUED
            and letter.due_on < timezone.localdate(),
            "breadcrumbs": _crumbs((reverse("discipline:letter_list"), _("Integrity-risk letters")),
                                   (None, letter.number))})


class LetterEventView(LoginRequiredMixin, View):
    def get_letter(self, request, pk, kind):
        if kind not in LETTER_TRANSITIONS:
            raise Http404
        return get_scoped_or_404(IntegrityLetter.objects.select_related("person", "unit"), request.user,
                                 DISCIPLINE_CHANGE, pk=pk)

    def render_form(self, letter, kind, form, status=200):
        return render(self.request, "generic/form.html", {
            "form": form, "title": f"{LetterEventKind(kind).label} · {letter.number}",
            "cancel_url": letter.get_absolute_url(),
            "confirm_text": _("Close this matter? It cannot be reopened.") if kind == LetterEventKind.CLOSED else "",
            "breadcrumbs": _crumbs((letter.get_absolute_url(), letter.number), (None, LetterEventKind(kind).label))},
            status=status)

    def get(self, request, pk, kind):
        letter = self.get_letter(request, pk, kind)
        return self.render_form(letter, kind, LetterEventForm(kind=kind))

    def post(self, request, pk, kind):
        letter = self.get_letter(request, pk, kind)
        form = LetterEventForm(request.POST, request.FILES, kind=kind)
        if form.is_valid():
            try:
                letter_record(actor=request.user, letter=letter, kind=kind, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(e)s recorded.") % {"e": LetterEventKind(kind).label})
                return redirect(letter)
        return self.render_form(letter, kind, form, status=400)


# -- democratic appraisal -------------------------------------------------------------------------------------------

class AppraisalListView(ActionRequiredMixin, _Tabs, TemplateView):
    permission_action = DISCIPLINE_VIEW
    template_name = "discipline/case_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        actions = []
        if has_perm(self.request.user, DISCIPLINE_CHANGE, None):
            actions.append((reverse("discipline:appraisal_create"), _("New appraisal"), "plus-lg"))
        ctx.update(_list_context(self.request, AppraisalTable(selectors.appraisal_list(self.request.user)), None,
                                 _("Democratic appraisal"), actions))
        ctx.update(breadcrumbs=_crumbs((None, _("Democratic appraisal"))), tabs=self.tabs(),
                   empty_text=_("No appraisals yet. Create this year's appraisal for a unit."))
        return ctx


class AppraisalCreateView(ActionRequiredMixin, View):
    permission_action = DISCIPLINE_CHANGE

    def render_form(self, form, status=200):
        return render(self.request, "generic/form.html", {
            "form": form, "title": _("New democratic appraisal"), "cancel_url": reverse("discipline:appraisal_list"),
            "help_text": _("One line is created for every member on the roll of the unit."),
            "breadcrumbs": _crumbs((reverse("discipline:appraisal_list"), _("Democratic appraisal")),
                                   (None, _("New")))}, status=status)

    def get(self, request):
        return self.render_form(AppraisalForm(user=request.user))

    def post(self, request):
        form = AppraisalForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                appraisal = appraisal_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(appraisal)
        return self.render_form(form, status=400)


def _appraisal(request, pk, action=DISCIPLINE_VIEW) -> Appraisal:
    return get_scoped_or_404(Appraisal.objects.select_related("unit"), request.user, action, pk=pk)


class AppraisalDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        appraisal = _appraisal(request, pk)
        entries = selectors.appraisal_entries(appraisal)
        return render(request, "discipline/appraisal_detail.html", {
            "title": _("Democratic appraisal %(y)s · %(u)s") % {"y": appraisal.year, "u": appraisal.unit.display_name},
            "appraisal": appraisal, "entries": entries,
            "counts": [(Grade(g).label, n) for g, n in grade_counts(entries).items()],
            "can_change": has_perm(request.user, DISCIPLINE_CHANGE, appraisal.unit)
            and appraisal.status == AppraisalStatus.DRAFT, "history": history_for(appraisal),
            "breadcrumbs": _crumbs((reverse("discipline:appraisal_list"), _("Democratic appraisal")),
                                   (None, f"{appraisal.year} {appraisal.unit.display_name}"))})


class AppraisalEntryView(LoginRequiredMixin, View):
    def get_entry(self, request, pk, entry_pk):
        appraisal = _appraisal(request, pk, DISCIPLINE_CHANGE)
        entry = AppraisalEntry.objects.select_related("person").filter(appraisal=appraisal, pk=entry_pk).first()
        if entry is None:
            raise Http404
        return appraisal, entry

    def render_form(self, appraisal, entry, form, status=200):
        return render(self.request, "generic/form.html", {
            "form": form, "title": _("Appraisal of %(p)s") % {"p": entry.person.name},
            "cancel_url": appraisal.get_absolute_url(),
            "breadcrumbs": _crumbs((appraisal.get_absolute_url(), f"{appraisal.year}"), (None, entry.person.name))},
            status=status)

    def get(self, request, pk, entry_pk):
        appraisal, entry = self.get_entry(request, pk, entry_pk)
        initial = {f: getattr(entry, f) for f in AppraisalEntryForm.base_fields}
        return self.render_form(appraisal, entry, AppraisalEntryForm(initial=initial))

    def post(self, request, pk, entry_pk):
        appraisal, entry = self.get_entry(request, pk, entry_pk)
        form = AppraisalEntryForm(request.POST)
        if form.is_valid():
            try:
                appraisal_entry_record(actor=request.user, entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved: %(p)s.") % {"p": entry.person.name})
                return redirect(appraisal)
        return self.render_form(appraisal, entry, form, status=400)


class AppraisalReportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        appraisal = _appraisal(request, pk, DISCIPLINE_CHANGE)
        return render(request, "generic/confirm.html", {
            "title": _("Report the results upward"), "cancel_url": appraisal.get_absolute_url(),
            "submit_label": _("Report"), "danger": True,
            "breadcrumbs": _crumbs((appraisal.get_absolute_url(), f"{appraisal.year}"), (None, _("Report"))),
            "message": _("The results can no longer be changed once reported. The higher committee is notified, and "
                         "an organizational-handling case is opened for every member graded unqualified.")})

    def post(self, request, pk):
        appraisal = _appraisal(request, pk, DISCIPLINE_CHANGE)
        try:
            cases = appraisal_report(actor=request.user, appraisal=appraisal)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Results reported; %(n)d case(s) opened.") % {"n": len(cases)})
        return redirect(appraisal)


# -- printables -----------------------------------------------------------------------------------------------------

class CaseDecisionPdfView(LoginRequiredMixin, View):
    """处分决定书: only once the branch general meeting decided (and the measure is known)."""

    def get(self, request, pk):
        case = selectors.case_for_page(request.user, pk)
        steps = selectors.case_steps(case)
        decision = next((s for s in reversed(steps) if s.kind == K.BRANCH_DECISION and s.passed), None)
        if decision is None or not case.measure:
            raise Http404
        approval = next((s for s in reversed(steps) if s.kind == K.APPROVAL and s.passed), None)
        return render_pdf("pdf/discipline/decision.html", {
            "case": case, "decision": decision, "approval": approval, "statement":
            next((s for s in steps if s.kind == K.STATEMENT), None),
            "investigations": [s for s in steps if s.kind == K.INVESTIGATION]},
            request=request, filename=f"处分决定书-{case.person.name}-{case.number}.pdf")


class LetterPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        letter = get_scoped_or_404(IntegrityLetter.objects.select_related("person", "unit"), request.user,
                                   DISCIPLINE_VIEW, pk=pk)
        return render_pdf("pdf/discipline/letter.html", {"letter": letter, "events": selectors.letter_events(letter)},
                          request=request, filename=f"{letter.get_kind_display()}-{letter.person.name}.pdf")


class AppraisalPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        appraisal = _appraisal(request, pk)
        entries = selectors.appraisal_entries(appraisal)
        return render_pdf("pdf/discipline/appraisal.html", {
            "appraisal": appraisal, "entries": entries,
            "counts": [(Grade(g).label, n) for g, n in grade_counts(entries).items()]},
            request=request, filename=f"民主评议-{appraisal.unit.name}-{appraisal.year}.pdf")


class PersonFilePdfView(LoginRequiredMixin, View):
    """一人一卷: every case and letter of one person, in order. DISCIPLINE_VIEW on the person's unit."""

    def get(self, request, pk):
        person = get_scoped_or_404(Person.objects.select_related("unit"), request.user, DISCIPLINE_VIEW, pk=pk)
        data = selectors.person_file(request.user, person)
        return render_pdf("pdf/discipline/person_file.html", {"person": person, **data}, request=request,
                          filename=f"一人一卷-{person.name}.pdf")
