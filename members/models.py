import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.choices import CommitteePositionKind, UnitKind
from branches.models import CommitteeRuleBase, CommitteeTerm, Unit
from branches.querysets import ScopedQuerySet

from .choices import MEMBER_STATUSES, Education, Gender, MemberStatus, PersonCategory
from .idcard import mask


_STATUS_LABELS = dict(MemberStatus.choices)
_GENDER_LABELS = dict(Gender.choices)
_CATEGORY_LABELS = dict(PersonCategory.choices)
_EDUCATION_LABELS = dict(Education.choices)


class PersonQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"

    def on_roll(self):
        """Party members proper: probationary and full."""
        return self.filter(status__in=MEMBER_STATUSES)


class Person(models.Model):
    """A person on the roll or in the pipeline, with their unit, party group, status and key dates."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"))
    citizen_id = models.CharField(_("citizen ID"), max_length=18, unique=True)
    native_place = models.CharField(_("native place"), max_length=60, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    degree = models.CharField(_("degree"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=PersonCategory.choices,
                                default=PersonCategory.EMPLOYEE)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="people")
    party_group = models.ForeignKey(Unit, verbose_name=_("party group"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="group_people",
                                    limit_choices_to={"kind": UnitKind.PARTY_GROUP})
    status = models.CharField(_("status"), max_length=24, choices=MemberStatus.choices, default=MemberStatus.FULL)
    application_date = models.DateField(_("application date"), null=True, blank=True)
    activist_date = models.DateField(_("activist date"), null=True, blank=True)
    candidate_date = models.DateField(_("candidate date"), null=True, blank=True)
    admission_date = models.DateField(_("admission date"), null=True, blank=True)
    full_member_date = models.DateField(_("full membership date"), null=True, blank=True)
    work_start_date = models.DateField(_("work start date"), null=True, blank=True)
    left_date = models.DateField(_("left on"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/", null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["unit__path", "name", "pk"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["name"]),
            models.Index(fields=["birth_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(full_member_date__isnull=True) | Q(admission_date__isnull=True)
                | Q(full_member_date__gte=models.F("admission_date")),
                name="person_full_after_admission",
            ),
        ]

    def __str__(self):
        return self.name

    # Choice labels by plain dict lookup: Django's get_FOO_display rebuilds a hashable copy of the
    # choices on every call, which showed up on the roll (3 such columns x 25 rows per page).
    def get_status_display(self):
        return str(_STATUS_LABELS.get(self.status, self.status))

    def get_gender_display(self):
        return str(_GENDER_LABELS.get(self.gender, self.gender))

    def get_category_display(self):
        return str(_CATEGORY_LABELS.get(self.category, self.category))

    def get_education_display(self):
        return str(_EDUCATION_LABELS.get(self.education, self.education))

    def get_absolute_url(self):
        return reverse("members:person_detail", args=[self.pk])

    @property
    def scope_unit(self):
        return self.unit

    @property
    def masked_citizen_id(self) -> str:
        return mask(self.citizen_id)

    def age_on(self, day: datetime.date | None = None) -> int:
        day = day or timezone.localdate()
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    @property
    def age(self) -> int:
        return self.age_on()

    @property
    def party_standing_years(self) -> int | None:
        """党龄: whole years since full membership."""
        if not self.full_member_date or self.status != MemberStatus.FULL:
            return None
        today = timezone.localdate()
        d = self.full_member_date
        return max(0, today.year - d.year - ((today.month, today.day) < (d.month, d.day)))

    def clean(self):
        super().clean()
        errors = {}
        if self.unit_id and self.unit.kind == UnitKind.PARTY_GROUP:
            errors["unit"] = _("A person belongs to a committee, general branch or branch; choose the party group separately.")
        if self.party_group_id and self.unit_id:
            group = self.party_group
            if group.kind != UnitKind.PARTY_GROUP:
                errors["party_group"] = _("Choose a party group.")
            elif not group.path.startswith(self.unit.path) or group.path == self.unit.path:
                errors["party_group"] = _("The party group %(g)s is not part of %(u)s.") % {"g": group, "u": self.unit}
        order = [("application_date", _("application date")), ("activist_date", _("activist date")),
                 ("candidate_date", _("candidate date")), ("admission_date", _("admission date")),
                 ("full_member_date", _("full membership date"))]
        prev = None
        for field, label in order:
            value = getattr(self, field)
            if value is None:
                continue
            if self.birth_date and value < self.birth_date:
                errors.setdefault(field, _("%(f)s cannot be before the birth date.") % {"f": label})
            if prev and value < prev[1]:
                errors.setdefault(field, _("%(f)s cannot be before the %(p)s (%(d)s).")
                                  % {"f": label, "p": prev[0], "d": prev[1]})
            prev = (label, value)
        if self.status in MEMBER_STATUSES and not self.admission_date:
            errors.setdefault("admission_date", _("A probationary or full member needs an admission date."))
        if self.status == MemberStatus.FULL and not self.full_member_date:
            errors.setdefault("full_member_date", _("A full member needs a full membership date."))
        today = timezone.localdate()
        for field, label in order:
            value = getattr(self, field)
            if value and value > today:
                errors.setdefault(field, _("%(f)s cannot be in the future.") % {"f": label})
        if errors:
            raise ValidationError(errors)


class CommitteePositionQuerySet(ScopedQuerySet):
    scope_path_field = "term__unit__path"


class CommitteePosition(models.Model):
    """A person's seat on a committee term: secretary, deputy, organization, ..."""

    term = models.ForeignKey(CommitteeTerm, verbose_name=_("term"), on_delete=models.CASCADE, related_name="positions")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="committee_positions")
    position = models.CharField(_("position"), max_length=20, choices=CommitteePositionKind.choices)
    title = models.CharField(_("title (for other)"), max_length=40, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = CommitteePositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee position")
        verbose_name_plural = _("committee positions")
        ordering = ["term", "position", "started_on"]

    def __str__(self):
        return f"{self.person} · {self.get_position_display()}"

    @property
    def scope_unit(self):
        return self.term.unit


# ---------------------------------------------------------------------------------------------------------
# Membership development (发展党员): policy rows, steps, votes, status history. Rules: members/pipeline.py.
# ---------------------------------------------------------------------------------------------------------

class DevelopmentStepKind(models.TextChoices):
    APPLICATION = "application", _("Application received")
    TALK = "talk", _("Talk with the applicant")
    ACTIVIST_SELECTION = "activist_selection", _("Activist selection")
    CONTACTS_ASSIGNED = "contacts_assigned", _("Contacts assigned")
    THOUGHT_REPORT = "thought_report", _("Thought report")
    INSPECTION = "inspection", _("Inspection")
    CANDIDATE_DECISION = "candidate_decision", _("Candidate decision")
    SPONSORS_ASSIGNED = "sponsors_assigned", _("Sponsors assigned")
    POLITICAL_REVIEW = "political_review", _("Political review")
    TRAINING = "training", _("Concentrated training")
    PRE_REVIEW = "pre_review", _("Pre-review by the higher committee")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
    VOLUNTEER_FORM = "volunteer_form", _("Volunteer form issued")
    BRANCH_COMMITTEE_REVIEW = "branch_committee_review", _("Branch committee review")
    BRANCH_VOTE = "branch_vote", _("Branch general meeting vote")
    COMMITTEE_TALK = "committee_talk", _("Talk by a committee member")
    COMMITTEE_APPROVAL = "committee_approval", _("Approval by the higher committee")
    OATH = "oath", _("Oath")
    FULL_APPLICATION = "full_application", _("Application for full membership")
    FULL_VOTE = "full_vote", _("Full-membership vote")
    FULL_NOTICE = "full_notice", _("Full-membership notice")
    FULL_APPROVAL = "full_approval", _("Full-membership approval")
    PROBATION_EXTENDED = "probation_extended", _("Probation extended")
    PROBATION_CANCELLED = "probation_cancelled", _("Probation cancelled")


class DevelopmentPolicy(CommitteeRuleBase):
    """A committee's override of one development rule (members.policy.DEFAULTS), from a date on."""

    unit = models.ForeignKey(Unit, verbose_name=_("committee"), on_delete=models.PROTECT,
                             related_name="development_policies", limit_choices_to={"kind": UnitKind.COMMITTEE})

    class Meta(CommitteeRuleBase.Meta):
        verbose_name = _("development policy")
        verbose_name_plural = _("development policies")
        constraints = [
            models.UniqueConstraint(fields=["unit", "key", "effective_from"], name="development_policy_unique"),
        ]

    def clean(self):
        super().clean()
        from .policy import DEFAULTS

        if self.key not in DEFAULTS:
            raise ValidationError({"key": _("Unknown development rule %(k)s.") % {"k": self.key}})
        if self.unit_id and self.unit.kind != UnitKind.COMMITTEE:
            raise ValidationError({"unit": _("Only a committee can set development rules.")})


class DevelopmentStepQuerySet(ScopedQuerySet):
    scope_path_field = "person__unit__path"


def development_upload_to(instance, filename):
    return f"development/{timezone.localdate():%Y}/{filename}"


class DevelopmentStep(models.Model):
    """One step of a person's development, done on ``date``; written by members.pipeline only."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="development_steps")
    kind = models.CharField(_("step"), max_length=32, choices=DevelopmentStepKind.choices)
    date = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    document = models.FileField(_("document"), upload_to=development_upload_to, null=True, blank=True)
    related_people = models.ManyToManyField(Person, verbose_name=_("contacts or sponsors"), blank=True,
                                            related_name="+")
    extra = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = DevelopmentStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("development step")
        verbose_name_plural = _("development steps")
        ordering = ["person", "date", "pk"]
        indexes = [models.Index(fields=["person", "kind"])]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.date:%Y-%m-%d}"

    @property
    def scope_unit(self):
        return self.person.unit

    @property
    def passed(self) -> bool | None:
        """The conclusion of a review or vote; None for steps without one."""
        return self.extra.get("passed") if isinstance(self.extra, dict) else None

    def get_absolute_url(self):
        return reverse("members:person_pipeline", args=[self.person_id])


class DevelopmentVote(models.Model):
    """The counts of a branch general meeting vote (admission or full membership)."""

    step = models.OneToOneField(DevelopmentStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="vote")
    entitled = models.PositiveIntegerField(_("full members entitled to vote"))
    present = models.PositiveIntegerField(_("present"))
    yes = models.PositiveIntegerField(_("yes"))
    no = models.PositiveIntegerField(_("no"))
    abstain = models.PositiveIntegerField(_("abstain"))

    class Meta:
        verbose_name = _("development vote")
        verbose_name_plural = _("development votes")
        constraints = [
            models.CheckConstraint(condition=Q(present__lte=models.F("entitled")), name="dev_vote_present_le_entitled"),
            models.CheckConstraint(
                condition=Q(present__gte=models.F("yes") + models.F("no") + models.F("abstain")),
                name="dev_vote_ballots_le_present"),
        ]

    def __str__(self):
        return f"{self.step}: {self.yes}/{self.no}/{self.abstain} ({self.present}/{self.entitled})"

    @property
    def has_quorum(self) -> bool:
        return self.present * 2 > self.entitled

    @property
    def passed(self) -> bool:
        return self.has_quorum and self.yes * 2 > self.entitled

    def clean(self):
        super().clean()
        errors = []
        if self.entitled < 1:
            errors.append(_("No full members are entitled to vote on this date; the vote cannot be held."))
        if self.present > self.entitled:
            errors.append(_("%(p)d present is more than the %(e)d full members entitled to vote.")
                          % {"p": self.present, "e": self.entitled})
        ballots = self.yes + self.no + self.abstain
        if ballots > self.present:
            errors.append(_("%(b)d votes (yes + no + abstain) is more than the %(p)d members present.")
                          % {"b": ballots, "p": self.present})
        if not errors and not self.has_quorum:
            errors.append(_("No quorum: %(p)d present of %(e)d entitled; more than half (at least %(q)d) must attend.")
                          % {"p": self.present, "e": self.entitled, "q": self.entitled // 2 + 1})
        if errors:
            raise ValidationError(errors)


class StatusChangeQuerySet(ScopedQuerySet):
    scope_path_field = "person__unit__path"


class StatusChange(models.Model):
    """A history row for every status move made by the development pipeline."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=24, choices=MemberStatus.choices)
    to_status = models.CharField(_("to"), max_length=24, choices=MemberStatus.choices)
    date = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)
    step = models.ForeignKey(DevelopmentStep, verbose_name=_("step"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="status_changes")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["person", "date", "pk"]

    def __str__(self):
        return f"{self.person}: {self.from_status} → {self.to_status} ({self.date:%Y-%m-%d})"

    @property
    def scope_unit(self):
        return self.person.unit


# -- committee review ------------------------------------------------------------------------------------------

class ReviewKind(models.TextChoices):
    """What a branch sends up to the higher committee's reviewers."""
    ACTIVIST_RECORD = "activist_record", _("Activist selection for record")
    CANDIDATE_RECORD = "candidate_record", _("Candidate decision for record")
    PRE_REVIEW = "pre_review", _("Pre-review")
    ADMISSION_APPROVAL = "admission_approval", _("Admission approval")
    FULL_APPROVAL = "full_approval", _("Full-membership approval")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class ReviewRequestQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"

    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)


class ReviewRequest(models.Model):
    """An item in the committee reviewers' queue; decided once (compare-and-set on ``status``)."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="review_requests")
    kind = models.CharField(_("item"), max_length=24, choices=ReviewKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("submitted by unit"), on_delete=models.PROTECT,
                             related_name="review_requests")
    step = models.ForeignKey(DevelopmentStep, verbose_name=_("step reported"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="review_requests")
    note = models.TextField(_("covering note"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=ReviewStatus.choices,
                              default=ReviewStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    result_step = models.ForeignKey(DevelopmentStep, verbose_name=_("step recorded"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], condition=Q(status="pending"),
                                    name="review_one_pending_per_person_kind"),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_kind_display()} · {self.get_status_display()}"

    @property
    def scope_unit(self):
        return self.unit


# -- development plan ------------------------------------------------------------------------------------------

class DevelopmentPlanQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class DevelopmentPlan(models.Model):
    """The yearly development plan (计划发展数) of a unit: how many people it plans to admit."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="development_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    planned = models.PositiveIntegerField(_("planned admissions"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DevelopmentPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["unit__path", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="development_plan_unique")]

    def __str__(self):
        return f"{self.unit} {self.year}: {self.planned}"

    @property
    def scope_unit(self):
        return self.unit


# -- working-day calendar --------------------------------------------------------------------------------------

class Holiday(models.Model):
    """An entry of the editable holiday table: a public holiday on a weekday, or a make-up working day
    (调休上班) on a weekend. Overrides the calendar package for that date."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("make-up working day"), default=False)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


# -- transfers of organizational relation (组织关系转接) ------------------------------------------------------------

class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("Inside the organization")
    OUTGOING = "outgoing", _("To an outside organization")
    INCOMING = "incoming", _("From an outside organization")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving unit")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned by the receiving unit")
    ISSUED = "issued", _("Letter issued, waiting for the receipt")
    RECEIPTED = "receipted", _("Receipt returned")
    REGISTERED = "registered", _("Registered")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(ScopedQuerySet):
    """In scope for a user who may see either side of the transfer."""

    def restrict(self, user, action="view"):
        from branches.scope import scope_q

        q_from = scope_q(user, action, "from_unit__path")
        if q_from is None:
            return self
        return self.filter(q_from | scope_q(user, action, "to_unit__path"))


class Transfer(models.Model):
    """A transfer of a person's organizational relation, inside the tree (two-sided accept) or to / from
    an outside organization (an introduction letter 介绍信 with a validity and a receipt 回执)."""

    number = models.CharField(_("letter number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=TransferKind.choices)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="transfers")
    person_status = models.CharField(_("status when transferred"), max_length=24, choices=MemberStatus.choices)
    from_unit = models.ForeignKey(Unit, verbose_name=_("sending unit"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="transfers_out")
    to_unit = models.ForeignKey(Unit, verbose_name=_("receiving unit"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="transfers_in")
    external_org = models.CharField(_("outside organization"), max_length=200, blank=True)
    external_number = models.CharField(_("number of the outside letter"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    dues_paid_until = models.CharField(_("dues paid up to (month)"), max_length=7, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=TransferStatus.choices)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    receipt_on = models.DateField(_("receipt returned on"), null=True, blank=True)
    receipt_note = models.CharField(_("receipt note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-issued_on", "-pk"]
        indexes = [models.Index(fields=["status", "valid_until"])]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status="pending"),
                                    name="transfer_one_pending_per_person"),
        ]

    def __str__(self):
        return f"{self.number} {self.person}"

    @property
    def scope_unit(self):
        return self.from_unit or self.to_unit
