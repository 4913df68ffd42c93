"""Forms of the meetings pages. Unit dropdowns are scoped to MEETING_CHANGE; people come from the meeting's unit."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from branches.fields import UnitChoiceField, scope_base_depth
from branches.permissions import MEETING_CHANGE
from branches.selectors import unit_choices
from members.forms import DATE_INPUT_FORMATS, DateInput
from members.models import DevelopmentStep

from .choices import AttachmentKind, MeetingStatus, MeetingType
from .models import Meeting
from .selectors import MEETING_UNIT_KINDS, unit_people_choices
from .services import VOTE_STEP_KINDS


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitPickForm(forms.Form):
    """Step 1 of recording a meeting: which unit (the people of the form come from it)."""

    unit = UnitChoiceField(label=_("Unit"), queryset=None, empty_label=_("Choose the unit"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices(user, MEETING_CHANGE, kinds=MEETING_UNIT_KINDS)
        self.fields["unit"].base_depth = scope_base_depth(user, MEETING_CHANGE)


MEETING_FORM_FIELDS = ["meeting_type", "status", "date", "start_time", "end_time", "place", "host", "recorder",
                       "topic", "agenda", "lecturer", "lecturer_name", "lecture_title", "partner", "also_theme_day",
                       "minutes"]


class MeetingForm(forms.ModelForm):
    """Record or correct a meeting of ``unit``. On edit the status is changed by its own actions, not here."""

    class Meta:
        model = Meeting
        fields = MEETING_FORM_FIELDS
        widgets = {
            "date": DateInput(), "start_time": TimeInput(), "end_time": TimeInput(),
            "agenda": forms.Textarea(attrs={"rows": 3}), "minutes": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        people = unit_people_choices(unit)
        for name in ("host", "recorder", "lecturer", "partner"):
            old = self.fields[name]
            self.fields[name] = PersonChoiceField(label=old.label, required=False, queryset=people,
                                                  help_text=old.help_text)
        self.fields["date"].input_formats = DATE_INPUT_FORMATS
        self.fields["status"].choices = [(MeetingStatus.PLANNED, MeetingStatus.PLANNED.label),
                                         (MeetingStatus.HELD, MeetingStatus.HELD.label)]
        self.fields["status"].help_text = _("A planned meeting notifies its attendees now; mark it held afterwards.")
        self.fields["also_theme_day"].help_text = _("Tick when this meeting was also the month's theme party day.")
        self.fields["lecturer"].help_text = _("For a party lecture.")
        if self.instance.pk:
            del self.fields["status"]
        from branches.choices import UnitKind

        if unit.kind == UnitKind.PARTY_GROUP:
            allowed = {MeetingType.GROUP, MeetingType.TALK, MeetingType.STUDY, MeetingType.OTHER}
        else:
            allowed = set(MeetingType.values) - {MeetingType.GROUP}
        self.fields["meeting_type"].choices = [c for c in MeetingType.choices if c[0] in allowed]
        half, third = "col-md-6", "col-md-4"
        self.helper = FormHelper()
        self.helper.form_tag = False
        first = [Column("meeting_type", css_class=third), Column("date", css_class="col-6 col-md-2"),
                 Column("start_time", css_class="col-6 col-md-2"), Column("end_time", css_class="col-6 col-md-2")]
        if "status" in self.fields:
            first.insert(1, Column("status", css_class="col-6 col-md-2"))
        self.helper.layout = Layout(
            Fieldset(_("Meeting"), Row(*first),
                     Row(Column("topic", css_class="col-md-8"), Column("place", css_class=third)),
                     Row(Column("host", css_class=third), Column("recorder", css_class=third),
                         Column("also_theme_day", css_class=third + " pt-md-4")),
                     "agenda"),
            Fieldset(_("Party lecture"), Row(Column("lecturer", css_class=third), Column("lecturer_name", css_class=third),
                                              Column("lecture_title", css_class=third)), css_class="js-lecture"),
            Fieldset(_("Heart-to-heart talk"), Row(Column("partner", css_class=half)), css_class="js-talk"),
            Fieldset(_("Minutes"), "minutes"),
        )

    def clean_topic(self):
        return (self.cleaned_data.get("topic") or "").strip()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. moved to next week")}))


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Left empty for a linked vote: the step's name is used."))
    development_step = forms.ModelChoiceField(
        label=_("Development vote taken at this meeting"), required=False, queryset=DevelopmentStep.objects.none(),
        help_text=_("Link the admission or full-membership vote recorded in the pipeline; its counts are shown."))
    present = forms.IntegerField(label=_("Present"), required=False, min_value=0)
    yes = forms.IntegerField(label=_("Yes"), required=False, min_value=0)
    no = forms.IntegerField(label=_("No"), required=False, min_value=0)
    abstain = forms.IntegerField(label=_("Abstain"), required=False, min_value=0)

    decision = forms.TypedChoiceField(
        label=_("Discipline decision voted on at this meeting"), required=False, coerce=int, empty_value=None,
        help_text=_("Link the vote recorded in the discipline case; its counts are shown (confidential to those who "
                    "may see discipline cases)."))

    def __init__(self, *args, meeting: Meeting, can_see_discipline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import decision_vote_candidates

        self.decisions = {d.pk: d for d in decision_vote_candidates(meeting)} if can_see_discipline else {}
        if self.decisions:
            self.fields["decision"].choices = [("", "---------")] + [(pk, str(d)) for pk, d in self.decisions.items()]
        else:
            del self.fields["decision"]
        if meeting.meeting_type == MeetingType.GENERAL:
            self.fields["development_step"].queryset = (
                DevelopmentStep.objects.filter(person__unit__path__startswith=meeting.unit.path, kind__in=VOTE_STEP_KINDS,
                                               date=meeting.date, meeting_resolution__isnull=True)
                .select_related("person"))
            self.fields["development_step"].label_from_instance = lambda s: f"{s.person.name} · {s.get_kind_display()}"
        else:
            del self.fields["development_step"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        vote = Row(Column("present", css_class="col-3"), Column("yes", css_class="col-3"),
                   Column("no", css_class="col-3"), Column("abstain", css_class="col-3"))
        parts = ["text"] + [f for f in ("development_step", "decision") if f in self.fields] + [
            Fieldset(_("Vote (optional)"), vote)]
        self.helper.layout = Layout(*parts)


    def clean_decision(self):
        pk = self.cleaned_data.get("decision")
        return self.decisions.get(pk) if pk is not None else None


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("Images (JPG, PNG, GIF, WebP) or PDF, at most 10 MB."),
                           widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}))
