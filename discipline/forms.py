"""Discipline forms. Dropdowns are scoped to the user (DISCIPLINE_CHANGE); the rules live in the services."""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.fields import ScopedFilterSet, UnitSubtreeFilter
from branches.permissions import DISCIPLINE_CHANGE, DISCIPLINE_VIEW
from branches.scope import scope_q
from branches.selectors import unit_choices
from members.choices import MEMBER_STATUSES
from members.forms import DateInput
from members.models import Person

from .choices import (AppealOutcome, CaseKind, CaseStatus, Grade, LetterEventKind, LetterKind, LetterStatus,
                      MEASURES_BY_KIND, Measure, ProbationOutcome, StepKind as K)
from .models import Case, IntegrityLetter
from .policy import DisciplinePolicySet

MAX_UPLOAD_MB = 20


def _scoped_people(user):
    return (Person.objects.restrict(user, DISCIPLINE_CHANGE).filter(status__in=MEMBER_STATUSES)
            .select_related("unit").order_by("unit__path", "name", "pk"))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.unit.display_name}"


def _check_upload(f):
    if f and f.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise forms.ValidationError(_("The file is larger than %(n)d MB.") % {"n": MAX_UPLOAD_MB})
    return f


class CaseOpenForm(forms.Form):
    person = PersonChoiceField(label=_("Member"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("Kind of case"), choices=CaseKind.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput())
    summary = forms.CharField(label=_("Facts in brief"), widget=forms.Textarea(attrs={"rows": 4}))
    account = forms.ModelChoiceField(label=_("The member's user account"), required=False,
                                     queryset=get_user_model().objects.none(),
                                     help_text=_("If the member has a login, their appointments end with their posts."))
    document = forms.FileField(label=_("Document (report, complaint)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _scoped_people(user)
        # Only accounts that hold an appointment in the user's scope (the ones whose posts can end here).
        q = scope_q(user, DISCIPLINE_CHANGE, "appointments__unit__path")
        accounts = get_user_model().objects.filter(is_active=True, appointments__ended_at__isnull=True)
        self.fields["account"].queryset = (accounts.filter(q) if q is not None else accounts).distinct().order_by(
            "username")
        self.fields["opened_on"].initial = timezone.localdate()

    def clean_document(self):
        return _check_upload(self.cleaned_data.get("document"))


class StepForm(forms.Form):
    """The fields of one step kind; ``fields_for`` names them (a decision shows the vote and the measure)."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    given = forms.TypedChoiceField(label=_("Statement"), coerce=lambda v: v == "1", empty_value=None,
                                   choices=[("", "—"), ("1", _("Given by the member")),
                                            ("0", _("Offered; the member declined"))])
    measure = forms.ChoiceField(label=_("Measure decided"))
    probation_months = forms.TypedChoiceField(label=_("Probation within the party (months)"), coerce=int,
                                              required=False, empty_value=None)
    present = forms.IntegerField(label=_("Present"), min_value=0)
    yes = forms.IntegerField(label=_("Yes"), min_value=0)
    no = forms.IntegerField(label=_("No"), min_value=0)
    abstain = forms.IntegerField(label=_("Abstain"), min_value=0, initial=0)
    passed = forms.TypedChoiceField(label=_("Outcome"), coerce=lambda v: v == "1", empty_value=None,
                                    choices=[("", "—"), ("1", _("Approved")), ("0", _("Not approved"))])
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput(),
                                   help_text=_("The effects on the member are applied on this day."))
    appeal_outcome = forms.ChoiceField(label=_("Result"), choices=[("", "—")] + list(AppealOutcome.choices))
    review_outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—")] + list(ProbationOutcome.choices))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    document = forms.FileField(label=_("Document"), required=False)

    FIELDS = {
        K.INVESTIGATION: ("date", "note", "document"),
        K.EDUCATION_TALK: ("date", "note", "document"),
        K.STATEMENT: ("date", "given", "note", "document"),
        K.BRANCH_DECISION: ("date", "measure", "probation_months", "present", "yes", "no", "abstain", "note",
                            "document"),
        K.APPROVAL: ("date", "passed", "note", "document"),
        K.DELIVERY: ("date", "effective_on", "note", "document"),
        K.APPEAL: ("date", "note", "document"),
        K.APPEAL_RESULT: ("date", "appeal_outcome", "note", "document"),
        K.PROBATION_REVIEW: ("date", "review_outcome", "note", "document"),
        K.CLOSE: ("date", "note", "document"),
    }
    NOTE_LABELS = {
        K.INVESTIGATION: _("Facts found"), K.EDUCATION_TALK: _("Talk record"), K.STATEMENT: _("The statement"),
        K.BRANCH_DECISION: _("Minutes of the meeting"), K.APPROVAL: _("Reply of the higher committee"),
        K.DELIVERY: _("How it was delivered"), K.APPEAL: _("Grounds of the appeal"),
        K.APPEAL_RESULT: _("Reasons"), K.PROBATION_REVIEW: _("Reasons"), K.CLOSE: _("Why the case is closed"),
    }

    REQUIRED = {
        "passed": _("Enter the outcome: approved or not approved."),
        "given": _("Say whether the member gave a statement or declined."),
        "measure": _("Choose the measure decided."),
        "appeal_outcome": _("Choose the result of the appeal."),
        "review_outcome": _("Choose the outcome of the review."),
        "effective_on": _("Enter the effective date of the decision."),
        "present": _("Enter how many members were present."),
        "yes": _("Enter the yes votes."),
        "no": _("Enter the no votes (0 if none)."),
        "abstain": _("Enter the abstentions (0 if none)."),
    }

    def __init__(self, *args, case: Case, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.case, self.kind = case, kind
        for name, msg in self.REQUIRED.items():
            if name in self.fields:
                self.fields[name].error_messages["required"] = msg
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        self.fields["date"].initial = timezone.localdate()
        if "note" in self.fields:
            self.fields["note"].label = self.NOTE_LABELS.get(kind, _("Note"))
        if "measure" in self.fields:
            self.fields["measure"].choices = [("", "—")] + [(m, Measure(m).label)
                                                            for m in MEASURES_BY_KIND[case.kind]]
            if case.kind == CaseKind.SANCTION:
                import json

                self.fields["measure"].widget.attrs["data-fields-for"] = json.dumps(
                    {m: (["probation_months"] if m == Measure.PROBATION else []) for m in MEASURES_BY_KIND[case.kind]})
                policy = DisciplinePolicySet(case.unit)
                lo, hi = policy.value("probation_min_months"), policy.value("probation_max_months")
                self.fields["probation_months"].choices = [("", "—"), (lo, lo), (hi, hi)]
                self.fields["probation_months"].help_text = _("Only for probation within the party.")
            else:
                del self.fields["probation_months"]
        if "effective_on" in self.fields:
            self.fields["effective_on"].initial = timezone.localdate()

    def clean_document(self):
        return _check_upload(self.cleaned_data.get("document"))

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {"note": d.get("note") or "", "document": d.get("document")}
        if self.kind == K.STATEMENT:
            data["given"] = d.get("given")
        if self.kind == K.BRANCH_DECISION:
            data.update(measure=d.get("measure"), probation_months=d.get("probation_months"),
                        vote={k: d.get(k) or 0 for k in ("present", "yes", "no", "abstain")})
        if self.kind == K.APPROVAL:
            data["passed"] = d.get("passed")
        if self.kind == K.DELIVERY:
            data["effective_on"] = d.get("effective_on")
        if self.kind == K.APPEAL_RESULT:
            data["outcome"] = d.get("appeal_outcome")
        if self.kind == K.PROBATION_REVIEW:
            data["outcome"] = d.get("review_outcome")
        return data


SERVICE_FIELD_MAP = {"outcome": ("appeal_outcome", "review_outcome"), "given": ("given",)}


def add_step_errors(form: StepForm, exc) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = next((f for f in SERVICE_FIELD_MAP.get(field, (field,)) if f in form.fields), None)
            form.add_error(target, errors)
    else:
        form.add_error(None, exc)


class CaseFilter(ScopedFilterSet):
    scope_action = DISCIPLINE_VIEW

    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("Name or case number")}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CaseKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CaseStatus.choices)
    unit = UnitSubtreeFilter(label=_("Unit"), queryset=lambda request: unit_choices(request.user, DISCIPLINE_VIEW),
                             empty_label=_("All my units"))

    class Meta:
        model = Case
        fields = ["q", "kind", "status", "unit"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(person__name__icontains=value) | Q(number__icontains=value)) if value else qs


class LetterForm(forms.Form):
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("Kind of letter"), choices=LetterKind.choices)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput())
    matter = forms.CharField(label=_("Matter reported and requirements"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (Person.objects.restrict(user, DISCIPLINE_CHANGE)
                                          .select_related("unit").order_by("unit__path", "name", "pk"))
        self.fields["issued_on"].initial = timezone.localdate()


class LetterEventForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    officials = forms.CharField(label=_("Officials present (at least 2)"), required=False,
                                help_text=_("Names separated by commas."))
    note = forms.CharField(label=_("Record"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(label=_("Document"), required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        if kind != LetterEventKind.TALK:
            del self.fields["officials"]
        self.fields["note"].label = {LetterEventKind.TALK: _("Talk record"),
                                     LetterEventKind.ANSWER: _("Written answer or correction report"),
                                     LetterEventKind.CLOSED: _("Conclusion")}.get(kind, _("Record"))

    def clean_document(self):
        return _check_upload(self.cleaned_data.get("document"))


class LetterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={
                                      "placeholder": pgettext_lazy("integrity letter", "Name or letter number")}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=LetterKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LetterStatus.choices)

    class Meta:
        model = IntegrityLetter
        fields = ["q", "kind", "status"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(person__name__icontains=value) | Q(number__icontains=value)) if value else qs


class AppraisalForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    held_on = forms.DateField(label=_("Meeting held on"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        from branches.choices import UnitKind
        from branches.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = (Unit.objects.restrict(user, DISCIPLINE_CHANGE).active()
                                        .exclude(kind=UnitKind.PARTY_GROUP).order_by("path"))
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["held_on"].initial = today


class AppraisalEntryForm(forms.Form):
    self_assessment = forms.CharField(label=_("Self-assessment"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    votes_excellent = forms.IntegerField(label=_("Votes: excellent"), min_value=0, initial=0)
    votes_qualified = forms.IntegerField(label=_("Votes: qualified"), min_value=0, initial=0)
    votes_basic = forms.IntegerField(label=_("Votes: basically qualified"), min_value=0, initial=0)
    votes_unqualified = forms.IntegerField(label=_("Votes: unqualified"), min_value=0, initial=0)
    grade = forms.ChoiceField(label=_("Grade decided"), choices=[("", "—")] + list(Grade.choices))
