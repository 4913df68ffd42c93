"""Dues (党费): rate tables, yearly bases, the append-only ledger, payments, reliefs, remittances, lapse cases.

Money is ``DecimalField(max_digits=…, decimal_places=2)`` in yuan everywhere. Months are integers
(``dues.periods``). The ledger, payments, their reversals and remittances are append-only: ``save()`` refuses an
update, ``delete()`` refuses, their querysets refuse ``update()``/``delete()``, the admin is read-only, and on
PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002). A wrong entry is reversed by a new one.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.choices import UnitKind
from branches.models import CommitteeRuleBase, Unit
from branches.querysets import ScopedQuerySet
from members.models import Person

from . import periods
from .choices import (EntryKind, EntryOrigin, LapseStatus, PaidBy, PaymentMethod, RateCategory, ReliefKind)

ZERO = Decimal("0.00")
MONEY = {"max_digits": 12, "decimal_places": 2}


class MonthField(models.IntegerField):
    """A month as ``dues.periods`` numbers it (``year * 12 + month - 1``). The column is a plain integer (it
    deconstructs as IntegerField: no migration); change records show it as "2026-05"."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.IntegerField", args, kwargs

    def audit_display(self, value):
        return periods.label(value) if isinstance(value, int) else value


class AppendOnlyError(Exception):
    """Raised when code tries to edit or delete a ledger row."""


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: reverse them instead of updating")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: reverse them instead of deleting")

    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: reverse them instead of editing")
        kwargs.pop("force_update", None)
        super().save(*args, force_insert=True, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: reverse them instead of deleting")


# ---------------------------------------------------------------------------------------------------------
# Rates and policy
# ---------------------------------------------------------------------------------------------------------

class RateTableQuerySet(ScopedQuerySet):
    scope_path_field = "unit__path"

    def restrict(self, user, action="view"):
        """Central tables (no unit) are visible to everyone signed in; a committee's to its subtree."""
        from branches.scope import scope_q

        q = scope_q(user, action, "unit__path")
        if q is None:
            return self
        return self.filter(q | Q(unit__isnull=True)) if action == "view" else self.filter(q)


class RateTable(models.Model):
    """A versioned rate table: central (no unit) or a committee's for its subtree, in force from a date."""

    unit = models.ForeignKey(Unit, verbose_name=_("committee"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="dues_rate_tables", limit_choices_to={"kind": UnitKind.COMMITTEE})
    name = models.CharField(_("name"), max_length=120)
    effective_from = models.DateField(_("effective from"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RateTableQuerySet.as_manager()

    class Meta:
        verbose_name = _("rate table")
        verbose_name_plural = _("rate tables")
        ordering = ["unit__path", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "effective_from"], name="dues_rate_table_unique"),
            models.UniqueConstraint(fields=["effective_from"], condition=Q(unit__isnull=True),
                                    name="dues_rate_table_central_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.effective_from:%Y-%m-%d})"

    @property
    def scope_unit(self):
        return self.unit

    def get_absolute_url(self):
        return reverse("dues:ratetable_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.unit_id and self.unit.kind != UnitKind.COMMITTEE:
            raise ValidationError({"unit": _("Only a committee can set a rate table.")})


class RateBracket(models.Model):
    """One line of a table: for ``category``, a base up to ``upper_bound`` (inclusive; empty = no limit) pays
    ``percent`` % of the base; or a fixed monthly amount (farmers, students …) within ``min_amount``–``max_amount``."""

    table = models.ForeignKey(RateTable, verbose_name=_("rate table"), on_delete=models.CASCADE,
                              related_name="brackets")
    category = models.CharField(_("category"), max_length=20, choices=RateCategory.choices)
    upper_bound = models.DecimalField(_("base up to (inclusive)"), null=True, blank=True,
                                      validators=[MinValueValidator(ZERO)], **MONEY)
    percent = models.DecimalField(_("rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                  validators=[MinValueValidator(ZERO)])
    fixed_amount = models.DecimalField(_("fixed monthly amount"), null=True, blank=True,
                                       validators=[MinValueValidator(ZERO)], **MONEY)
    min_amount = models.DecimalField(_("lowest declared amount"), null=True, blank=True,
                                     validators=[MinValueValidator(ZERO)], **MONEY)
    max_amount = models.DecimalField(_("highest declared amount"), null=True, blank=True,
                                     validators=[MinValueValidator(ZERO)], **MONEY)

    class Meta:
        verbose_name = _("rate bracket")
        verbose_name_plural = _("rate brackets")
        ordering = ["table", "category", models.F("upper_bound").asc(nulls_last=True)]
        constraints = [
            models.CheckConstraint(condition=Q(percent__isnull=False) | Q(fixed_amount__isnull=False),
                                   name="dues_bracket_percent_or_fixed"),
        ]

    def __str__(self):
        return f"{self.get_category_display()} ≤ {self.upper_bound or '∞'}"

    def clean(self):
        super().clean()
        if self.percent is None and self.fixed_amount is None:
            raise ValidationError(_("Enter a rate in percent or a fixed monthly amount."))
        if self.percent is not None and self.fixed_amount is not None:
            raise ValidationError(_("Enter either a rate in percent or a fixed amount, not both."))
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            raise ValidationError({"max_amount": _("The highest amount is below the lowest.")})


class DuesPolicy(CommitteeRuleBase):
    """A committee's override of one dues rule (dues.policy.DEFAULTS), from a date on."""

    unit = models.ForeignKey(Unit, verbose_name=_("committee"), on_delete=models.PROTECT,
                             related_name="dues_policies", limit_choices_to={"kind": UnitKind.COMMITTEE})

    class Meta(CommitteeRuleBase.Meta):
        verbose_name = _("dues policy")
        verbose_name_plural = _("dues policies")
        constraints = [models.UniqueConstraint(fields=["unit", "key", "effective_from"], name="dues_policy_unique")]

    def clean(self):
        super().clean()
        from .policy import DEFAULTS, validate_value

        if self.key not in DEFAULTS:
            raise ValidationError({"key": _("Unknown dues rule %(k)s.") % {"k": self.key}})
        if self.unit_id and self.unit.kind != UnitKind.COMMITTEE:
            raise ValidationError({"unit": _("Only a committee can set dues rules.")})
        try:
            self.value = validate_value(self.key, self.value)
        except ValueError as exc:
            raise ValidationError({"value": str(exc)}) from exc


# ---------------------------------------------------------------------------------------------------------
# Bases
# ---------------------------------------------------------------------------------------------------------

class PersonScopedQuerySet(ScopedQuerySet):
    scope_path_field = "person__unit__path"


class DuesBase(models.Model):
    """A member's base declaration for one year (每年核定): category, income, the computed monthly amount."""

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_bases")
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("dues category"), max_length=20, choices=RateCategory.choices)
    income = models.DecimalField(_("monthly income after tax"), null=True, blank=True,
                                 validators=[MinValueValidator(ZERO)], **MONEY)
    declared_amount = models.DecimalField(_("declared amount (farmers)"), null=True, blank=True,
                                          validators=[MinValueValidator(ZERO)], **MONEY)
    computed_amount = models.DecimalField(_("amount by the rate table"), validators=[MinValueValidator(ZERO)],
                                          **MONEY)
    voluntary_extra = models.DecimalField(_("voluntary extra per month"), default=ZERO,
                                          validators=[MinValueValidator(ZERO)], **MONEY)
    monthly_amount = models.DecimalField(_("monthly amount"), validators=[MinValueValidator(ZERO)], **MONEY)
    rate_table = models.ForeignKey(RateTable, verbose_name=_("rate table"), on_delete=models.PROTECT,
                                   related_name="bases")
    rule = models.CharField(_("rule applied"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dues base")
        verbose_name_plural = _("dues bases")
        ordering = ["-year", "person__unit__path", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="dues_base_once_a_year"),
        ]

    def __str__(self):
        return f"{self.person} {self.year}: {self.monthly_amount}"

    @property
    def scope_unit(self):
        return self.person.unit

    def get_absolute_url(self):
        return reverse("dues:member_ledger", args=[self.person_id]) + f"?year={self.year}"

    def clean(self):
        super().clean()
        # Checked here rather than by a CheckConstraint: SQLite compares decimals as floats.
        if None not in (self.computed_amount, self.voluntary_extra, self.monthly_amount) and \
                self.monthly_amount != self.computed_amount + self.voluntary_extra:
            raise ValidationError(_("The monthly amount must be the computed amount plus the voluntary extra."))


# ---------------------------------------------------------------------------------------------------------
# Payments and the ledger (append-only)
# ---------------------------------------------------------------------------------------------------------

class PaymentQuerySet(AppendOnlyQuerySet):
    scope_path_field = "person__unit__path"


class Payment(AppendOnlyModel):
    """A payment received by the clerk (one receipt): the months it covers, how and by whom it was paid."""

    AUDIT_EXTRA_LABELS = {"allocation": _("months and amounts")}

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_payments")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dues_payments")
    receipt_no = models.CharField(_("receipt number"), max_length=30, unique=True)
    paid_on = models.DateField(_("paid on"))
    first_period = MonthField(_("first month"))
    last_period = MonthField(_("last month"))
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    paid_by = models.CharField(_("paid"), max_length=20, choices=PaidBy.choices, default=PaidBy.IN_PERSON)
    proxy_name = models.CharField(_("paid by (proxy)"), max_length=60, blank=True)
    proxy_consent = models.CharField(_("committee consent to the proxy"), max_length=200, blank=True)
    back_payment_consent = models.CharField(_("committee consent to the back payment"), max_length=200, blank=True)
    voluntary = models.BooleanField(_("one-off voluntary payment"), default=False)
    is_large = models.BooleanField(_("large payment"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-pk"]
        indexes = [models.Index(fields=["unit", "paid_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(last_period__gte=models.F("first_period")), name="dues_payment_months"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_payment_positive"),
            models.CheckConstraint(condition=~Q(paid_by=PaidBy.PROXY) | (~Q(proxy_name="") & ~Q(proxy_consent="")),
                                   name="dues_payment_proxy_consent"),
        ]

    def __str__(self):
        return f"{self.receipt_no} {self.person} {self.amount}"

    @property
    def scope_unit(self):
        return self.person.unit

    @property
    def months_label(self) -> str:
        if self.first_period == self.last_period:
            return periods.label(self.first_period)
        return f"{periods.label(self.first_period)} – {periods.label(self.last_period)}"

    def get_absolute_url(self):
        return reverse("dues:payment_detail", args=[self.pk])


class PaymentReversal(AppendOnlyModel):
    """The reversal (冲正) of a whole payment, with its reason; its ledger lines cancel the payment's."""

    payment = models.OneToOneField(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                   related_name="reversal")
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reversed by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("reversed at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment reversal")
        verbose_name_plural = _("payment reversals")

    def __str__(self):
        return f"{self.payment} ↺"

    @property
    def scope_unit(self):
        return self.payment.person.unit


class LedgerEntryQuerySet(AppendOnlyQuerySet):
    scope_path_field = "person__unit__path"

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        from . import balances

        balances.written(balances.starts_of(objs))       # the members' running balances (dues.balances)
        return objs


class LedgerEntry(AppendOnlyModel):
    """One line of a member's ledger for one month: a charge (+ owed) or a payment (+ paid), or the reversal of
    one (the negative amount, pointing at the line it reverses). Arrears = Σ charges − Σ payments."""

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_entries")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dues_entries")
    period = MonthField(_("month"))
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    origin = models.CharField(_("origin"), max_length=20, choices=EntryOrigin.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="entries")
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["period", "pk"]
        indexes = [models.Index(fields=["person", "period"]), models.Index(fields=["period", "kind"]),
                   # the month sheet's per-member sums of one month and kind
                   models.Index(fields=["person", "period", "kind"], name="dues_entry_month_sums")]
        constraints = [
            # One monthly charge per member and month, whoever generates it and however often: the job is
            # idempotent by construction.
            models.UniqueConstraint(fields=["person", "period"], condition=Q(origin=EntryOrigin.MONTHLY),
                                    name="dues_one_monthly_charge"),
            models.CheckConstraint(condition=~Q(origin=EntryOrigin.REVERSAL) | Q(reverses__isnull=False),
                                   name="dues_reversal_points_back"),
        ]

    def __str__(self):
        return f"{self.person} {periods.label(self.period)} {self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from . import balances

        balances.written({self.person_id: self.period})

    @property
    def scope_unit(self):
        return self.person.unit

    @property
    def period_label(self) -> str:
        return periods.label(self.period)


class MonthBalance(models.Model):
    """Derived from the ledger, never written by hand (``dues.balances``): a member's sums for one month with ledger
    lines, and the running totals up to and including it. ``until`` is the member's next such month (``OPEN``
    for the latest): the row in force at month M is ``period <= M < until``."""

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.CASCADE, related_name="dues_balances")
    period = MonthField(_("month"))
    until = MonthField(_("next month with lines"))
    charged = models.DecimalField(_("charged in the month"), **MONEY)
    paid = models.DecimalField(_("paid for the month"), **MONEY)
    voluntary = models.DecimalField(_("voluntary payments"), **MONEY)
    charged_to = models.DecimalField(_("charged to date"), **MONEY)
    paid_to = models.DecimalField(_("paid to date"), **MONEY)

    class Meta:
        verbose_name = _("monthly balance")
        verbose_name_plural = _("monthly balances")
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="dues_balance_once_a_month")]
        indexes = [models.Index(fields=["until", "period"], name="dues_balance_in_force")]

    def __str__(self):
        return f"{self.person_id} {periods.label(self.period)}: {self.charged_to - self.paid_to}"


# ---------------------------------------------------------------------------------------------------------
# Reliefs, remittances, lapse cases
# ---------------------------------------------------------------------------------------------------------

class DuesRelief(models.Model):
    """An approved deferral (缓缴) or hardship exemption (减免) for a span of months: those months do not count
    towards the lapse check; an exemption also makes their charges zero."""

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="dues_reliefs")
    kind = models.CharField(_("kind"), max_length=20, choices=ReliefKind.choices)
    first_period = MonthField(_("first month"))
    last_period = MonthField(_("last month"))
    reason = models.CharField(_("reason"), max_length=300)
    approved_by = models.CharField(_("approved by"), max_length=120)
    approved_on = models.DateField(_("approved on"))
    document = models.CharField(_("approval document"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("deferral or exemption")
        verbose_name_plural = _("deferrals and exemptions")
        ordering = ["-first_period", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(last_period__gte=models.F("first_period")), name="dues_relief_months"),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {periods.label(self.first_period)}–{periods.label(self.last_period)}"

    @property
    def scope_unit(self):
        return self.person.unit


class RemittanceQuerySet(AppendOnlyQuerySet):
    scope_path_field = "unit__path"


class Remittance(AppendOnlyModel):
    """What a unit handed to its higher committee (上缴) for a month, beside what it collected in that month."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dues_remittances")
    to_unit = models.ForeignKey(Unit, verbose_name=_("remitted to"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="dues_remittances_received")
    period = MonthField(_("month"))
    amount = models.DecimalField(_("amount remitted"), validators=[MinValueValidator(ZERO)], **MONEY)
    collected = models.DecimalField(_("collected in the month"), **MONEY)
    remitted_on = models.DateField(_("remitted on"))
    document = models.CharField(_("voucher number"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = RemittanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        ordering = ["-period", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="dues_remittance_once_a_month")]

    def __str__(self):
        return f"{self.unit} {periods.label(self.period)} {self.amount}"

    @property
    def scope_unit(self):
        return self.unit

    @property
    def difference(self):
        return self.amount - self.collected

    @property
    def period_label(self) -> str:
        return periods.label(self.period)


class LapseCase(models.Model):
    """Six consecutive months unpaid (自行脱党 check): the case the branch handles, education talk, branch meeting
    decision, higher approval; its moves are LapseCaseEvent rows. One case per member and run of unpaid months."""

    person = models.ForeignKey(Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="lapse_cases")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="lapse_cases")
    run_start = MonthField(_("unpaid since"))
    months_unpaid = models.PositiveSmallIntegerField(_("consecutive months unpaid"))
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=20, choices=LapseStatus.choices, default=LapseStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PersonScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lapse case")
        verbose_name_plural = _("lapse cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person", "run_start"], name="dues_lapse_case_once_per_run")]

    def __str__(self):
        return f"{self.person} · {periods.label(self.run_start)}"

    @property
    def scope_unit(self):
        return self.person.unit

    @property
    def run_start_label(self) -> str:
        return periods.label(self.run_start)

    def get_absolute_url(self):
        return reverse("dues:lapsecase_detail", args=[self.pk])


class LapseCaseEvent(models.Model):
    case = models.ForeignKey(LapseCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("previous status"), max_length=20, choices=LapseStatus.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=20, choices=LapseStatus.choices)
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    document = models.CharField(_("document"), max_length=120, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lapse case step")
        verbose_name_plural = _("lapse case steps")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case}: {self.get_from_status_display() or '—'} → {self.get_to_status_display()}"
