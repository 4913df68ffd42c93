"""Admin: everything dues is read-only here (the ledger is append-only; bases, rules and rate tables are written through
the dues pages and their services, so every write is validated and audited)."""
from django.contrib import admin

from branches.admin import ReadOnlyAdmin

from .models import (DuesBase, DuesPolicy, DuesRelief, LapseCase, LapseCaseEvent, LedgerEntry, Payment,
                     PaymentReversal, RateBracket, RateTable, Remittance)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("person", "period_label", "kind", "origin", "amount", "payment", "created_at")
    list_filter = ("kind", "origin")
    search_fields = ("person__name",)
    list_select_related = ("person", "payment")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt_no", "person", "paid_on", "months_label", "amount", "method", "paid_by", "is_large")
    list_filter = ("method", "paid_by", "is_large", "voluntary")
    search_fields = ("receipt_no", "person__name")
    list_select_related = ("person",)


@admin.register(PaymentReversal)
class PaymentReversalAdmin(ReadOnlyAdmin):
    list_display = ("payment", "reason", "created_at")


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = ("unit", "period_label", "amount", "collected", "remitted_on")


class RateBracketInline(admin.TabularInline):
    model = RateBracket
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "effective_from")
    inlines = [RateBracketInline]

    def has_change_permission(self, request, obj=None):
        return False          # a table in force is never edited: a new version with a later date replaces it

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuesPolicy)
class DuesPolicyAdmin(ReadOnlyAdmin):
    list_display = ("unit", "key", "value", "effective_from")


@admin.register(DuesBase)
class DuesBaseAdmin(ReadOnlyAdmin):
    list_display = ("person", "year", "category", "income", "monthly_amount")
    list_filter = ("year", "category")
    search_fields = ("person__name",)


@admin.register(DuesRelief)
class DuesReliefAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "first_period", "last_period", "approved_by")


class LapseCaseEventInline(admin.TabularInline):
    model = LapseCaseEvent
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LapseCase)
class LapseCaseAdmin(ReadOnlyAdmin):
    list_display = ("person", "unit", "run_start", "months_unpaid", "opened_on", "status")
    list_filter = ("status",)
    inlines = [LapseCaseEventInline]
