"""Discipline (纪律): cases with their steps and votes, integrity-risk letters, democratic appraisal, policy rows.

Cases and letters are confidential: their querysets are ``ScopedQuerySet``s and every view restricts them with
DISCIPLINE_VIEW (not VIEW). Steps are never edited: a correction is a new step (an appeal result that revokes).
The rules of the workflow live in ``discipline.cases``; the effects in ``discipline.effects``.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.choices import UnitKind
from branches.models import CommitteeRuleBase, Unit
from branches.permissions import DISCIPLINE_VIEW
from branches.querysets import ScopedQuerySet
from members.models import Person

from .choices import (AppealOutcome, AppraisalStatus, CaseKind, CaseStatus, Grade, LetterEventKind, LetterKind,
                      LetterStatus, Measure, OPEN_STATUSES, StepKind)


class ConfidentialQuerySet(ScopedQuerySet):
    """Discipline rows: ``restrict`` without an explicit action still means DISCIPLINE_VIEW (never plain VIEW)."""

    scope_path_field = "unit__path"

    def restrict(self, user, action: str = DISCIPLINE_VIEW):
        if action == "view":
            action = DISCIPLINE_VIEW
        return super().restrict(user, action)


def discipline_upload_to(instance, filename):
    return f"discipline/{timezone.localdate():%Y}/{filename}"


class DisciplinePolicy(CommitteeRuleBase):
    """A committee's override of one discipline period (discipline.policy.DEFAULTS), from a date on."""

    unit = models.ForeignKey(Unit, verbose_name=_("committee"), on_delete=models.PROTECT,
                             related_name="discipline_policies", limit_choices_to={"kind": UnitKind.COMMITTEE})

    class Meta(CommitteeRuleBase.Meta):
        verbose_name = _("discipline policy")
        verbose_name_plural = _("discipline policies")
        constraints = [models.UniqueConstraint(fields=["unit", "key", "effective_from"],
                                               name="discipline_policy_unique")]

    def clean(self):
        super().clean()
        from .policy import DEFAULTS

        if self.key not in DEFAULTS:
            raise ValidationError({"key": _("Unknown discipline rule %(k)s.") % {"k": self.key}})
        if self.unit_id and self.unit.kind != UnitKind.COMMITTEE:
            raise ValidationError({"unit": _("Only a committee can set discipline rules.")})
        if not isinstance(self.value, int) or isinstance(self.value, bool) or self.value < 0:
            raise ValidationError({"value": _("Enter a whole number of days or months (0 or more).")})


class CaseQuerySet(ConfidentialQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """One disciplinary or organizational-handling case of one member, from opening to effect (and appeal)."""

    number = models.CharField(_("case number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="discipline_cases")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="discipline_cases")
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("opened on"))
    summary = models.TextField(_("facts in brief"))
    measure = models.CharField(_("decided measure"), max_length=24, choices=Measure.choices, blank=True)
    probation_months = models.PositiveSmallIntegerField(_("probation within the party (months)"), null=True,
                                                        blank=True)
    effective_on = models.DateField(_("effective date"), null=True, blank=True)
    effect_applied_on = models.DateField(_("effect applied on"), null=True, blank=True)
    rights_suspended_until = models.DateField(_("rights suspended until"), null=True, blank=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("the member's user account"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text=_("If the member has a login, their appointments end with their posts."))
    # The record the case was opened from (a dues lapse case, a meetings absence, an appraisal entry): a link,
    # not a copy. No foreign key, so the case survives whatever the other app does with its tables.
    source_type = models.ForeignKey(ContentType, verbose_name=_("source type"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    source_id = models.CharField(_("source record"), max_length=40, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    source_note = models.CharField(_("source"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("discipline case")
        verbose_name_plural = _("discipline cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [models.Index(fields=["status", "effective_on"]), models.Index(fields=["person", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"], condition=~Q(source_id=""),
                                    name="discipline_case_once_per_source"),
            models.CheckConstraint(condition=Q(probation_months__isnull=True) | Q(measure="probation"),
                                   name="discipline_case_probation_months_only_for_probation"),
        ]

    def __str__(self):
        return f"{self.number} {self.person}"

    @property
    def scope_unit(self):
        return self.unit

    def get_absolute_url(self):
        return reverse("discipline:case_detail", args=[self.pk])


class CaseStepQuerySet(ConfidentialQuerySet):
    scope_path_field = "case__unit__path"


class CaseStep(models.Model):
    """One move of a case: who, when, from, to, note, document. Written by ``discipline.cases`` only."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=StepKind.choices)
    date = models.DateField(_("date"))
    from_status = models.CharField(pgettext_lazy("case status", "from"), max_length=12, choices=CaseStatus.choices,
                                   blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    document = models.FileField(_("document"), upload_to=discipline_upload_to, null=True, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = CaseStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "pk"]  # the order they were recorded in (an effect may be dated before its delivery)

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    @property
    def scope_unit(self):
        return self.case.unit

    @property
    def passed(self):
        return self.extra.get("passed") if isinstance(self.extra, dict) else None

    @property
    def outcome_label(self) -> str:
        extra = self.extra or {}
        if self.kind == StepKind.APPEAL_RESULT and extra.get("outcome") in AppealOutcome.values:
            return str(AppealOutcome(extra["outcome"]).label)
        if self.kind == StepKind.STATEMENT:
            return str(_("Statement given") if extra.get("given") else _("Offered; the member declined"))
        if "passed" in extra:
            return str(_("Passed") if extra["passed"] else _("Not passed"))
        return ""

    @property
    def display_note(self) -> str:
        """The note, except for an effect: its summary is rebuilt from ``extra`` in the reader's language."""
        if self.kind != StepKind.EFFECT or not isinstance(self.extra, dict):
            return self.note
        from members.choices import MemberStatus

        extra, parts = self.extra, []
        if extra.get("status_from"):
            to = {"expulsion": "expelled", "removal": "removed", "self_withdrawal": "removed",
                  "persuade_withdraw": "withdrew"}.get(extra.get("measure"), "")
            if to:
                parts.append(str(_("Status: %(s)s.") % {"s": MemberStatus(to).label}))
        if "positions_ended" in extra:
            parts.append(str(_("%(p)d committee position(s) and %(a)d appointment(s) ended.")
                             % {"p": len(extra["positions_ended"]), "a": len(extra.get("appointments_ended") or [])}))
        if extra.get("rights_suspended_until"):
            parts.append(str(_("No right to vote, elect or be elected until %(d)s.")
                             % {"d": extra["rights_suspended_until"]}))
        return " ".join(parts) or self.note

    @property
    def measure_label(self) -> str:
        m = (self.extra or {}).get("measure")
        return str(Measure(m).label) if m in Measure.values else ""


class CaseVote(models.Model):
    """The counts of the branch general meeting vote on a case (the rule: members.models.DevelopmentVote)."""

    step = models.OneToOneField(CaseStep, verbose_name=_("step"), on_delete=models.PROTECT, related_name="vote")
    entitled = models.PositiveIntegerField(_("full members entitled to vote"))
    present = models.PositiveIntegerField(_("present"))
    yes = models.PositiveIntegerField(_("yes"))
    no = models.PositiveIntegerField(_("no"))
    abstain = models.PositiveIntegerField(_("abstain"))

    class Meta:
        verbose_name = _("case vote")
        verbose_name_plural = _("case votes")
        constraints = [
            models.CheckConstraint(condition=Q(present__lte=models.F("entitled")),
                                   name="case_vote_present_le_entitled"),
            models.CheckConstraint(condition=Q(present__gte=models.F("yes") + models.F("no") + models.F("abstain")),
                                   name="case_vote_ballots_le_present"),
        ]

    def __str__(self):
        return f"{self.yes}/{self.no}/{self.abstain} ({self.present}/{self.entitled})"


# -- integrity-risk prevention (廉政风险防范, seed 004) ------------------------------------------------------------

class IntegrityLetter(models.Model):
    """An inquiry letter, a warning-and-admonition notice or an order to correct, with its deadline."""

    number = models.CharField(pgettext_lazy("integrity letter", "letter number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=LetterKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="integrity_letters")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="integrity_letters")
    issued_on = models.DateField(_("issued on"))
    matter = models.TextField(_("matter reported and requirements"))
    due_on = models.DateField(_("answer due on"))
    status = models.CharField(_("status"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.ISSUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ConfidentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("integrity-risk letter")
        verbose_name_plural = _("integrity-risk letters")
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.number} {self.person}"

    @property
    def scope_unit(self):
        return self.unit

    def get_absolute_url(self):
        return reverse("discipline:letter_detail", args=[self.pk])


class LetterEvent(models.Model):
    """One entry of a letter's file: issue, talk (at least 2 officials), written answer, closure."""

    letter = models.ForeignKey(IntegrityLetter, verbose_name=_("letter"), on_delete=models.PROTECT,
                               related_name="events")
    kind = models.CharField(_("entry"), max_length=10, choices=LetterEventKind.choices)
    date = models.DateField(_("date"))
    officials = models.CharField(_("officials present"), max_length=200, blank=True)
    note = models.TextField(_("record"), blank=True)
    document = models.FileField(_("document"), upload_to=discipline_upload_to, null=True, blank=True)
    repeat = models.BooleanField(_("repeat talk"), default=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("letter entry")
        verbose_name_plural = _("letter entries")
        ordering = ["letter", "date", "pk"]

    def __str__(self):
        return f"{self.letter} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    @property
    def scope_unit(self):
        return self.letter.unit


# -- democratic appraisal (民主评议) -------------------------------------------------------------------------------

class Appraisal(models.Model):
    """The yearly democratic appraisal of a unit's members."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="appraisals")
    year = models.PositiveSmallIntegerField(_("year"))
    held_on = models.DateField(_("meeting held on"))
    status = models.CharField(_("status"), max_length=10, choices=AppraisalStatus.choices,
                              default=AppraisalStatus.DRAFT)
    reported_on = models.DateField(_("reported on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ConfidentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="appraisal_once_per_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year}"

    @property
    def scope_unit(self):
        return self.unit

    def get_absolute_url(self):
        return reverse("discipline:appraisal_detail", args=[self.pk])


class AppraisalEntry(models.Model):
    """One member's line: self-assessment, the meeting's counts per grade and the grade decided."""

    appraisal = models.ForeignKey(Appraisal, verbose_name=_("appraisal"), on_delete=models.CASCADE,
                                  related_name="entries")
    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="appraisal_entries")
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    votes_excellent = models.PositiveIntegerField(_("votes: excellent"), default=0)
    votes_qualified = models.PositiveIntegerField(_("votes: qualified"), default=0)
    votes_basic = models.PositiveIntegerField(_("votes: basically qualified"), default=0)
    votes_unqualified = models.PositiveIntegerField(_("votes: unqualified"), default=0)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices, blank=True)

    class Meta:
        verbose_name = _("appraisal entry")
        verbose_name_plural = _("appraisal entries")
        ordering = ["appraisal", "person__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["appraisal", "person"], name="appraisal_entry_once")]

    def __str__(self):
        return f"{self.appraisal} · {self.person}"

    @property
    def scope_unit(self):
        return self.appraisal.unit

    @property
    def total_votes(self) -> int:
        return self.votes_excellent + self.votes_qualified + self.votes_basic + self.votes_unqualified
