"""Meetings and organizational life (三会一课): meetings, attendance, resolutions, attachments, frequency rules.

Writes go through meetings.services; compliance (meetings.compliance) and the frequency rules
(meetings.policy) are computed from these rows set-based.
"""
from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.choices import UnitKind
from branches.models import Unit
from branches.querysets import ScopedQuerySet
from members.models import DevelopmentStep, Person

from .choices import AttachmentKind, AttendanceStatus, MeetingStatus, MeetingType, Period

_TYPE_LABELS = dict(MeetingType.choices)
_STATUS_LABELS = dict(MeetingStatus.choices)


class MeetingQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class Meeting(models.Model):
    """One meeting of a unit (or one talk), planned or held."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="meetings")
    meeting_type = models.CharField(_("meeting type"), max_length=20, choices=MeetingType.choices)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.HELD)
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    host = models.ForeignKey(Person, verbose_name=_("host"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    recorder = models.ForeignKey(Person, verbose_name=_("recorder"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    topic = models.CharField(_("topic"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("One agenda item per line."))
    lecturer = models.ForeignKey(Person, verbose_name=_("lecturer"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    lecturer_name = models.CharField(_("lecturer (if not a member of the unit)"), max_length=60, blank=True)
    lecture_title = models.CharField(_("lecture title"), max_length=200, blank=True)
    partner = models.ForeignKey(Person, verbose_name=_("talk partner"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text=_("For a talk: the person the host talked with."))
    minutes = models.TextField(_("minutes"), blank=True)
    also_theme_day = models.BooleanField(_("also served as the theme party day"), default=False)
    notified_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-start_time", "-pk"]
        indexes = [
            models.Index(fields=["unit", "date"]),
            models.Index(fields=["status", "date"]),
            models.Index(fields=["-date", "-start_time", "-id"], name="meeting_list_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__isnull=True) | Q(start_time__isnull=True)
                                   | Q(end_time__gte=models.F("start_time")), name="meeting_end_after_start"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_meeting_type_display()} · {self.topic}"

    def get_meeting_type_display(self):
        return str(_TYPE_LABELS.get(self.meeting_type, self.meeting_type))

    def get_status_display(self):
        return str(_STATUS_LABELS.get(self.status, self.status))

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def scope_unit(self):
        return self.unit

    @property
    def is_planned(self) -> bool:
        return self.status == MeetingStatus.PLANNED

    @property
    def is_held(self) -> bool:
        return self.status == MeetingStatus.HELD

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]

    @property
    def lecturer_display(self) -> str:
        return self.lecturer.name if self.lecturer_id else self.lecturer_name

    def clean(self):
        super().clean()
        errors = {}
        today = timezone.localdate()
        if self.status == MeetingStatus.HELD and self.date and self.date > today:
            errors["date"] = _("A held meeting cannot be dated in the future (%(d)s); record it as planned.") % {
                "d": self.date.isoformat()}
        if self.start_time and self.end_time and self.end_time < self.start_time:
            errors["end_time"] = _("The end time is before the start time.")
        if self.unit_id:
            if self.meeting_type == MeetingType.GROUP and self.unit.kind != UnitKind.PARTY_GROUP:
                errors["meeting_type"] = _("A party group meeting is recorded for a party group; choose the group as the unit.")
            if self.unit.kind == UnitKind.PARTY_GROUP and self.meeting_type not in (MeetingType.GROUP, MeetingType.TALK,
                                                                                   MeetingType.STUDY, MeetingType.OTHER):
                errors["meeting_type"] = _("A party group holds party group meetings (and talks, study, other); "
                                           "record %(t)s for its branch.") % {"t": self.get_meeting_type_display()}
        if self.meeting_type == MeetingType.TALK:
            if not self.host_id:
                errors["host"] = _("A talk needs the person who held it (host).")
            if not self.partner_id:
                errors["partner"] = _("A talk needs the person talked with.")
            elif self.partner_id == self.host_id:
                errors["partner"] = _("The two people of a talk must be different.")
        if self.meeting_type == MeetingType.LECTURE and self.status == MeetingStatus.HELD:
            if not (self.lecturer_id or self.lecturer_name):
                errors["lecturer"] = _("A party lecture needs its lecturer.")
            if not self.lecture_title:
                errors["lecture_title"] = _("A party lecture needs its title.")
        if self.meeting_type == MeetingType.THEME_DAY and self.also_theme_day:
            self.also_theme_day = False
        if errors:
            raise ValidationError(errors)


class AttendanceQuerySet(ScopedQuerySet):
    scope_path_field = "meeting__unit__path"


class Attendance(models.Model):
    """One person expected at a meeting: present, on leave (with the reason) or absent."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attendances")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices,
                              default=AttendanceStatus.INVITED)
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "person__name", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once")]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self):
        return f"{self.person} · {self.get_status_display()}"

    @property
    def scope_unit(self):
        return self.meeting.unit

    def clean(self):
        super().clean()
        if self.status == AttendanceStatus.LEAVE and not self.reason.strip():
            raise ValidationError({"reason": _("%(name)s is on leave: enter the reason.") % {"name": self.person.name}})


class ResolutionQuerySet(ScopedQuerySet):
    scope_path_field = "meeting__unit__path"


class Resolution(models.Model):
    """A resolution of a meeting with its vote. At a general meeting it can be the vote of a development step
    (admission, full membership): then the counts are that step's vote (a link, not a second copy)."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="resolutions")
    text = models.TextField(_("resolution"))
    development_step = models.OneToOneField(DevelopmentStep, verbose_name=_("development step voted on"), null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="meeting_resolution")
    # A decision of another app voted on at this meeting (a discipline case step), linked without importing that app.
    decision_type = models.ForeignKey("contenttypes.ContentType", verbose_name=_("decision type"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+")
    decision_id = models.CharField(_("decision id"), max_length=64, blank=True)
    entitled = models.PositiveIntegerField(_("entitled to vote"), null=True, blank=True)
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    yes = models.PositiveIntegerField(_("yes"), null=True, blank=True)
    no = models.PositiveIntegerField(_("no"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ResolutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision_type", "decision_id"], condition=Q(decision_type__isnull=False),
                                    name="resolution_decision_once"),
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def scope_unit(self):
        return self.meeting.unit

    @property
    def decision(self):
        """The linked decision (e.g. a discipline case step), or None when it is gone or none is linked."""
        if not self.decision_type_id:
            return None
        if not hasattr(self, "_decision"):
            from django.contrib.contenttypes.models import ContentType

            model = ContentType.objects.get_for_id(self.decision_type_id).model_class()
            self._decision = model._default_manager.filter(pk=self.decision_id).first() if model else None
        return self._decision

    @property
    def vote(self):
        """The vote as a members.DevelopmentVote (the linked step's, or an unsaved one with these counts), so the
        branch general meeting's rule (quorum, majority of those entitled) is applied by ONE implementation."""
        from members.models import DevelopmentVote

        if self.development_step_id:
            return getattr(self.development_step, "vote", None)
        if self.decision_type_id:
            v = getattr(self.decision, "vote", None)
            return None if v is None else DevelopmentVote(entitled=v.entitled, present=v.present, yes=v.yes, no=v.no,
                                                          abstain=v.abstain)
        if self.yes is None:
            return None
        return DevelopmentVote(entitled=self.entitled or 0, present=self.present or 0, yes=self.yes or 0,
                               no=self.no or 0, abstain=self.abstain or 0)


ALLOWED_ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp",
    ".pdf": "application/pdf",
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def attachment_upload_to(instance, filename):
    return f"meetings/{timezone.localdate():%Y/%m}/{os.path.basename(filename)}"


class AttachmentQuerySet(ScopedQuerySet):
    scope_path_field = "meeting__unit__path"


class MeetingAttachment(models.Model):
    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE,
                                related_name="attachments")
    kind = models.CharField(_("kind"), max_length=12, choices=AttachmentKind.choices, default=AttachmentKind.PHOTO)
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.name

    @property
    def scope_unit(self):
        return self.meeting.unit

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class MeetingPolicyQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class MeetingPolicy(models.Model):
    """A committee's override of one required frequency (meetings.policy.DEFAULTS) for the units of one kind in its
    subtree, from a date on. ``min_count`` 0 means "not required"."""

    unit = models.ForeignKey(Unit, verbose_name=_("committee"), on_delete=models.PROTECT,
                             related_name="meeting_policies", limit_choices_to={"kind": UnitKind.COMMITTEE})
    meeting_type = models.CharField(_("meeting type"), max_length=20, choices=MeetingType.choices)
    unit_kind = models.CharField(_("for units of kind"), max_length=20, choices=UnitKind.choices)
    period = models.CharField(_("period"), max_length=12, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_("at least (per period)"), default=1)
    effective_from = models.DateField(_("effective from"),
                                      help_text=_("Applies to the periods that start on or after this date."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MeetingPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting frequency rule")
        verbose_name_plural = _("meeting frequency rules")
        ordering = ["unit__path", "meeting_type", "unit_kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "meeting_type", "unit_kind", "effective_from"],
                                    name="meeting_policy_unique"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_meeting_type_display()} · {self.get_period_display()} ≥ {self.min_count}"

    @property
    def scope_unit(self):
        return self.unit

    def clean(self):
        super().clean()
        if self.unit_id and self.unit.kind != UnitKind.COMMITTEE:
            raise ValidationError({"unit": _("Only a committee can set meeting frequency rules.")})
