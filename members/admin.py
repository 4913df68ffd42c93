from django.contrib import admin

from branches.admin import ReadOnlyAdmin, RuleRowAdmin

from .models import (CommitteePosition, DevelopmentPlan, DevelopmentPolicy, DevelopmentStep, DevelopmentVote, Holiday,
                     Person, ReviewRequest, StatusChange, Transfer)
from .policy import PolicySet


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "gender", "birth_date", "status", "category", "unit", "party_group", "admission_date")
    list_filter = ("status", "category", "gender", "education")
    search_fields = ("name", "citizen_id", "phone")
    list_select_related = ("unit", "party_group")
    raw_id_fields = ("unit", "party_group")


@admin.register(CommitteePosition)
class CommitteePositionAdmin(admin.ModelAdmin):
    list_display = ("person", "position", "term", "started_on", "ended_on")
    raw_id_fields = ("person", "term")


# -- membership development -------------------------------------------------------------------------------

@admin.register(DevelopmentPolicy)
class DevelopmentPolicyAdmin(RuleRowAdmin):
    rule_book = PolicySet
    list_display = ("unit", "key", "value", "effective_from", "note", "created_at")
    search_fields = ("unit__name", "unit__code", "key", "note")
    list_select_related = ("unit",)
    date_hierarchy = "effective_from"


class DevelopmentVoteInline(admin.StackedInline):
    model = DevelopmentVote
    fields = ("entitled", "present", "yes", "no", "abstain")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DevelopmentStep)
class DevelopmentStepAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "date", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("person__name",)
    list_select_related = ("person", "actor")
    raw_id_fields = ("person", "actor")
    date_hierarchy = "date"
    inlines = (DevelopmentVoteInline,)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("person", "from_status", "to_status", "date", "actor", "note")
    list_filter = ("to_status", "from_status")
    search_fields = ("person__name",)
    list_select_related = ("person", "actor")
    raw_id_fields = ("person", "actor", "step")
    date_hierarchy = "date"


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The editable holiday table: overrides the calendar package for the dates it lists."""
    list_display = ("date", "name", "is_workday")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    date_hierarchy = "date"


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    list_display = ("person", "kind", "unit", "submitted_at", "status", "decided_by", "decided_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("person", "unit", "step", "result_step")
    readonly_fields = ("submitted_at", "decided_at")


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "planned", "note")
    list_filter = ("year",)
    raw_id_fields = ("unit",)


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "person", "from_unit", "to_unit", "external_org", "issued_on", "valid_until",
                    "status")
    list_filter = ("kind", "status")
    search_fields = ("number", "person__name", "external_org")
    raw_id_fields = ("person", "from_unit", "to_unit")
