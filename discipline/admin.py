"""Admin: policy rows are edited here; cases, steps and letters are read-only (they move through the services)."""
from django import forms
from django.contrib import admin

from .models import Appraisal, AppraisalEntry, Case, CaseStep, DisciplinePolicy, IntegrityLetter, LetterEvent
from .policy import DEFAULTS, LABELS


class DisciplinePolicyForm(forms.ModelForm):
    key = forms.ChoiceField(choices=[(k, f"{LABELS.get(k, k)} ({k}, default {v})") for k, v in DEFAULTS.items()])

    class Meta:
        model = DisciplinePolicy
        fields = ("unit", "key", "value", "effective_from", "note")


@admin.register(DisciplinePolicy)
class DisciplinePolicyAdmin(admin.ModelAdmin):
    form = DisciplinePolicyForm
    list_display = ("unit", "key", "value", "effective_from", "note")
    list_filter = ("key",)
    raw_id_fields = ("unit",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
