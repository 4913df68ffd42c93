from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .forms import add_service_errors
from .models import Appointment, AuditEntry, CommitteeTerm, Notification, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the services only (history, ledgers, cases): viewable, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RuleRowAdmin(admin.ModelAdmin):
    """Rows of a committee rule book (``branches.policy.RuleBook``, rows ``CommitteeRuleBase``): added here through
    the book's one writer, with the same checks and the same audit entry as the rules page; never changed or
    deleted (a correction is a newer row)."""

    rule_book = None                         # the RuleBook subclass
    list_display = ("unit", "key", "value", "effective_from", "note")
    list_filter = ("key",)
    raw_id_fields = ("unit",)

    def get_form(self, request, obj=None, **kwargs):
        book = self.rule_book

        class RuleRowForm(forms.ModelForm):
            key = forms.ChoiceField(choices=[(k, f"{book.labels.get(k, k)} ({k}, default {v})")
                                             for k, v in book.defaults.items()])

            def clean(self):
                data = super().clean()
                if not self.errors:
                    try:
                        book.check(unit=data.get("unit"), key=data.get("key"), value=data.get("value"),
                                   effective_from=data.get("effective_from"), note=data.get("note"))
                    except ValidationError as exc:
                        add_service_errors(self, exc)
                return data

        kwargs["form"] = RuleRowForm
        kwargs.setdefault("fields", ("unit", "key", "value", "effective_from", "note"))
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        row = self.rule_book.add(actor=request.user, unit=obj.unit, key=obj.key, value=obj.value,
                                 effective_from=obj.effective_from, note=obj.note)
        obj.pk, obj._state.adding = row.pk, False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ("name", "code", "kind", "system", "category", "dissolved_on")
    search_fields = ("name", "code")
    list_filter = ("kind", "system", "category")


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role", "created_at", "ended_at")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name")
    raw_id_fields = ("user", "unit", "created_by", "ended_by")


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(admin.ModelAdmin):
    list_display = ("unit", "start_date", "years", "end_date", "ended_on")
    raw_id_fields = ("unit",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited."""

    list_display = ("time", "actor", "action", "content_type", "object_repr", "request_id")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "request_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "title", "created_at", "read_at")
    raw_id_fields = ("recipient", "unit")
