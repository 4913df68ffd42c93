"""Admin: policy rows are added here through the rule book (checked and audited); cases, steps and letters are
read-only (they move through the services)."""
from django.contrib import admin

from branches.admin import ReadOnlyAdmin, RuleRowAdmin

from .models import Appraisal, AppraisalEntry, Case, CaseStep, DisciplinePolicy, IntegrityLetter, LetterEvent
from .policy import DisciplinePolicySet


@admin.register(DisciplinePolicy)
class DisciplinePolicyAdmin(RuleRowAdmin):
    rule_book = DisciplinePolicySet


class CaseStepInline(admin.TabularInline):
    model = CaseStep
    extra = 0
    fields = ("kind", "date", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "unit", "kind", "status", "measure", "opened_on", "effective_on")
    list_filter = ("kind", "status", "measure")
    search_fields = ("number", "person__name")
    list_select_related = ("person", "unit")
    inlines = [CaseStepInline]


class LetterEventInline(admin.TabularInline):
    model = LetterEvent
    extra = 0
    fields = ("kind", "date", "officials", "note", "repeat")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IntegrityLetter)
class IntegrityLetterAdmin(ReadOnlyAdmin):
    list_display = ("number", "person", "kind", "issued_on", "due_on", "status")
    list_filter = ("kind", "status")
    search_fields = ("number", "person__name")
    inlines = [LetterEventInline]


@admin.register(Appraisal)
class AppraisalAdmin(ReadOnlyAdmin):
    list_display = ("unit", "year", "held_on", "status", "reported_on")


admin.site.register(AppraisalEntry, ReadOnlyAdmin)
