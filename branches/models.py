import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from .choices import TERM_YEARS_CHOICES, AuditAction, Role, System, UnitCategory, UnitKind
from .querysets import ScopedQuerySet

# Which kinds may sit directly below which.
ALLOWED_CHILDREN = {
    UnitKind.COMMITTEE: {UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH},
    UnitKind.GENERAL_BRANCH: {UnitKind.BRANCH},
    UnitKind.BRANCH: {UnitKind.PARTY_GROUP},
    UnitKind.PARTY_GROUP: set(),
}


class UnitQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    scope_path_field = "path"

    def active(self):
        return self.filter(dissolved_on__isnull=True)


class UnitManager(MP_NodeManager):
    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def restrict(self, user, action="view"):
        return self.get_queryset().restrict(user, action)

    def active(self):
        return self.get_queryset().active()


class Unit(MP_Node):
    """Every organization unit, party or league: committee, general branch, branch, party group."""

    steplen = 4
    node_order_by = ["code"]

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    system = models.CharField(_("system"), max_length=10, choices=System.choices, default=System.PARTY)
    category = models.CharField(_("category"), max_length=20, choices=UnitCategory.choices, default=UnitCategory.OTHER)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UnitManager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["dissolved_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=models.F("established_on")),
                name="unit_dissolved_after_established",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def scope_unit(self):
        return self

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self):
        return reverse("branches:unit_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.established_on and self.dissolved_on and self.dissolved_on < self.established_on:
            raise ValidationError({"dissolved_on": _("The dissolution date cannot be before the establishment date.")})

    def may_hold(self, child_kind: str) -> bool:
        return child_kind in ALLOWED_CHILDREN.get(self.kind, set())


class Appointment(models.Model):
    """A user's role in a unit; it covers the unit and everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="appointments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="appointments")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    created_at = models.DateTimeField(_("appointed at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("appointed by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], condition=Q(ended_at__isnull=True),
                                    name="appointment_unique_active"),
        ]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"

    @property
    def scope_unit(self):
        return self.unit

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class CommitteeTerm(models.Model):
    """One term of a unit's elected committee (支部委员会). The current term has no ``ended_on``."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="committee_terms")
    start_date = models.DateField(_("term start"))
    years = models.PositiveSmallIntegerField(_("term length"), choices=TERM_YEARS_CHOICES, default=3)
    end_date = models.DateField(_("term end"), editable=False)
    ended_on = models.DateField(_("replaced on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["unit__path", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(ended_on__isnull=True), name="committee_term_one_current"),
            models.CheckConstraint(condition=Q(years__in=[3, 5]), name="committee_term_years_3_or_5"),
        ]
        indexes = [models.Index(fields=["end_date"])]

    def __str__(self):
        return f"{self.unit} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}"

    @property
    def scope_unit(self):
        return self.unit

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @staticmethod
    def compute_end(start: datetime.date, years: int) -> datetime.date:
        return start + relativedelta(years=years)

    def save(self, *args, **kwargs):
        self.end_date = self.compute_end(self.start_date, self.years)
        super().save(*args, **kwargs)


def _plain(value):
    """A recorded dict or list as one readable line."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


class AuditEntry(models.Model):
    """One write: who, what, on which object, before and after, when, and in which request."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-time", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for each field that differs, with choice codes shown as their labels.

        The content type comes from Django's cache (no query per row).
        """
        before, after = self.before or {}, self.after or {}
        keys = [k for k in dict.fromkeys([*before.keys(), *after.keys()])
                if k != "id" and (before.get(k) or None) != (after.get(k) or None)]
        model = self.audited_model if keys else None
        fk_labels = getattr(self, "_fk_labels", {})
        rows = []
        for key in keys:
            label, old, new = key, before.get(key), after.get(key)
            try:
                field = model._meta.get_field(key) if model else None
            except FieldDoesNotExist:
                field = None
            if field is None:       # a value recorded beside the fields (e.g. a payment's months and amounts)
                label = capfirst(getattr(model, "AUDIT_EXTRA_LABELS", {}).get(key, key))
                old, new = (_plain(v) for v in (old, new))
            else:
                label = capfirst(field.verbose_name)
                if hasattr(field, "audit_display"):      # e.g. a month number shown as "2026-05"
                    old, new = field.audit_display(old), field.audit_display(new)
                elif field.choices:
                    labels = dict(field.flatchoices)
                    old, new = labels.get(old, old), labels.get(new, new)
                elif field.many_to_one:  # a foreign key: its name when attach_fk_labels() looked it up
                    related = field.related_model
                    old, new = (fk_labels.get((related, v), f"#{v}") if v not in (None, "") else v
                                for v in (old, new))
            rows.append((label, old if old not in ("", None) else None, new if new not in ("", None) else None))
        return rows

    @property
    def audited_model(self):
        return ContentType.objects.get_for_id(self.content_type_id).model_class()


class Notification(models.Model):
    """An in-app message to one user; email is sent alongside when the user has an address."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="notifications")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Reminder(models.Model):
    """A reminder that was sent: one row per unit, kind and key (threshold or period), so jobs send once."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(_("key"), max_length=120)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "key"], name="reminder_once")]

    def __str__(self):
        return f"{self.unit} {self.kind} {self.key}"


class CommitteeRuleQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"


class CommitteeRuleBase(models.Model):
    """A committee's value of one rule (an app's ``branches.policy.RuleBook``) for its subtree, from a date on.

    Subclasses add ``unit`` (a ForeignKey to a committee, with their own related_name) and their Meta (verbose
    names, the unique constraint on unit, key and effective_from). Rows are written by ``RuleBook.add`` only
    and never edited or deleted."""

    key = models.CharField(_("rule"), max_length=40)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CommitteeRuleQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["unit__path", "key", "-effective_from"]

    def __str__(self):
        return f"{self.unit} · {self.key} = {self.value} ({self.effective_from:%Y-%m-%d})"

    @property
    def scope_unit(self):
        return self.unit
