from django.contrib import admin

from .models import Attendance, Meeting, MeetingAttachment, MeetingPolicy, Resolution


@admin.register(MeetingPolicy)
class MeetingPolicyAdmin(admin.ModelAdmin):
    """Committee overrides of the required frequencies (the central defaults live in meetings.policy.DEFAULTS)."""

    list_display = ("unit", "meeting_type", "unit_kind", "period", "min_count", "effective_from", "note")
    list_filter = ("meeting_type", "unit_kind", "period")
    search_fields = ("unit__name", "note")
    raw_id_fields = ("unit",)
    list_select_related = ("unit",)

    # Every write is audited, as the services do.
    def save_model(self, request, obj, form, change):
        from branches.audit import audit_record, snapshot
        from branches.choices import AuditAction

        before = snapshot(MeetingPolicy.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action=AuditAction.UPDATE if change else AuditAction.CREATE, obj=obj,
                     before=before, after=snapshot(obj))

    def delete_model(self, request, obj):
        from branches.audit import audit_record, snapshot
        from branches.choices import AuditAction

        audit_record(actor=request.user, action=AuditAction.DELETE, obj=obj, before=snapshot(obj))
        super().delete_model(request, obj)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    raw_id_fields = ("person",)
    extra = 0


class ResolutionInline(admin.TabularInline):
    model = Resolution
    raw_id_fields = ("development_step",)
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Read-mostly: records are written through the meeting pages (audited services)."""

    list_display = ("date", "meeting_type", "unit", "topic", "status")
    list_filter = ("meeting_type", "status")
    search_fields = ("topic", "unit__name")
    date_hierarchy = "date"
    raw_id_fields = ("unit", "host", "recorder", "lecturer", "partner", "created_by")
    inlines = [AttendanceInline, ResolutionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MeetingAttachment)
class MeetingAttachmentAdmin(admin.ModelAdmin):
    list_display = ("name", "meeting", "kind", "size", "created_at")
    raw_id_fields = ("meeting", "uploaded_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
