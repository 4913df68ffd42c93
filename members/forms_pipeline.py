"""The form that records one development step; the rules themselves are checked by members.pipeline."""
from __future__ import annotations

import json

import os

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .choices import MemberStatus
from .forms import DateInput
from .models import DevelopmentStepKind, Person
from .pipeline import TRANSITIONS

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx")


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("Document"), required=False,
                               help_text=_("PDF, image or Word file, at most 10 MB."))
    related_people = forms.ModelMultipleChoiceField(
        label=_("Contacts or sponsors"), required=False, queryset=Person.objects.none(),
        help_text=_("Two full members (for contacts and sponsors)."))
    passed = forms.TypedChoiceField(
        label=_("Outcome (reviews and decisions)"), required=False, empty_value=None,
        coerce=lambda v: v == "yes",
        choices=[("", "—"), ("yes", _("Passed / approved")), ("no", _("Not passed / not approved"))],
        help_text=_("Required for political review, pre-review and the approvals of the higher committee."))
    days = forms.IntegerField(label=_("Training days"), required=False, min_value=0, max_value=365)
    hours = forms.IntegerField(label=_("Training class hours"), required=False, min_value=0, max_value=2000)
    months = forms.IntegerField(label=_("Extension (months)"), required=False, min_value=0, max_value=24)
    notice_start = forms.DateField(label=_("Notice posted on (activist selection, when required)"), required=False,
                                   widget=DateInput())
    present = forms.IntegerField(label=_("Present"), required=False, min_value=0)
    yes = forms.IntegerField(label=_("Yes"), required=False, min_value=0)
    no = forms.IntegerField(label=_("No"), required=False, min_value=0)
    abstain = forms.IntegerField(label=_("Abstain"), required=False, min_value=0)

    # The fields each kind of step uses beyond kind/date/note/document, derived from the transition map:
    # the page shows only those (static/js/app.js reads data-fields-for); the service checks them anyway.
    @staticmethod
    def fields_for_kinds(kinds) -> dict[str, list[str]]:
        K = DevelopmentStepKind
        result = {}
        for kind in kinds:
            t = TRANSITIONS.get(kind)
            fields = []
            if t is not None and t.needs_people:
                fields.append("related_people")
            if t is not None and t.has_conclusion:
                fields.append("passed")
            if t is not None and t.has_vote:
                fields += ["present", "yes", "no", "abstain"]
            if kind == K.TRAINING:
                fields += ["days", "hours"]
            if kind == K.PROBATION_EXTENDED:
                fields.append("months")
            if kind == K.ACTIVIST_SELECTION:
                fields.append("notice_start")
            result[kind] = fields
        return result

    def __init__(self, *args, person: Person, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, DevelopmentStepKind(k).label) for k in kinds]
        self.fields["kind"].widget.attrs["data-fields-for"] = json.dumps(self.fields_for_kinds(DevelopmentStepKind.values))
        self.fields["related_people"].queryset = (Person.objects.filter(unit_id=person.unit_id, status=MemberStatus.FULL)
                                                  .exclude(pk=person.pk).order_by("name"))

    def clean_document(self):
        doc = self.cleaned_data.get("document")
        if doc:
            if os.path.splitext(doc.name)[1].lower() not in DOCUMENT_EXTENSIONS:
                raise forms.ValidationError(_("Upload a PDF, JPEG, PNG or Word file."))
            if doc.size > DOCUMENT_MAX_BYTES:
                raise forms.ValidationError(_("The file is %(size)s; at most %(max)s is allowed.") % {
                    "size": filesizeformat(doc.size), "max": filesizeformat(DOCUMENT_MAX_BYTES)})
        return doc

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in TRANSITIONS and TRANSITIONS[kind].has_conclusion and cleaned.get("passed") is None:
            self.add_error("passed", _("Choose the outcome: passed (approved) or not passed (not approved)."))
        return cleaned

    def service_data(self) -> dict:
        cd = self.cleaned_data
        extra = {k: cd[k] for k in ("days", "hours", "months") if cd.get(k) is not None}
        if cd.get("passed") is not None:
            extra["passed"] = cd["passed"]
        return {
            "note": cd.get("note", ""), "document": cd.get("document"), "related_people": list(cd.get("related_people") or []),
            "extra": extra, "notice_start": cd.get("notice_start"),
            "vote": {k: cd.get(k) or 0 for k in ("present", "yes", "no", "abstain")},
        }
