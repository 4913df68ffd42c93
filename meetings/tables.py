"""The meeting list as a django-tables2 table; every column reads the row's joined or annotated values."""
from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .choices import MeetingStatus
from .models import Meeting

STATUS_CSS = {MeetingStatus.PLANNED: "text-bg-info", MeetingStatus.HELD: "text-bg-success",
              MeetingStatus.CANCELLED: "text-bg-secondary"}
WIDE = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}


def status_badge(meeting: Meeting):
    return format_html('<span class="badge {}" data-status="{}">{}</span>', STATUS_CSS.get(meeting.status, ""),
                       meeting.status, meeting.get_status_display())


class MeetingTable(tables.Table):
    date = tables.Column(verbose_name=_("Date"), order_by=("date", "start_time", "pk"),
                         attrs={"td": {"class": "text-nowrap"}})
    meeting_type = tables.Column(verbose_name=_("Type"), order_by=("meeting_type", "-date", "pk"))
    topic = tables.Column(verbose_name=_("Topic"), linkify=True, order_by=("topic", "pk"),
                          attrs={"td": {"class": "fw-semibold"}})
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path", "-date", "pk"), attrs=WIDE)
    host = tables.Column(verbose_name=_("Host"), orderable=False, default="—", attrs=WIDE)
    attendance = tables.Column(verbose_name=_("Present / expected"), accessor="pk", orderable=False,
                               attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "-date", "pk"))

    class Meta:
        model = Meeting
        fields = ("date", "meeting_type", "topic", "unit", "host", "attendance", "status")
        sequence = fields
        order_by = ("-date",)
        empty_text = _("No meetings match these filters.")
        attrs = {"class": "table table-sm table-hover align-middle meeting-table", "data-testid": "meeting-table"}

    def render_date(self, record):
        return record.date.isoformat() + (f" {record.start_time:%H:%M}" if record.start_time else "")

    def render_meeting_type(self, record):
        label = record.get_meeting_type_display()
        if record.also_theme_day:
            return format_html('{} <span class="badge text-bg-light border">{}</span>', label, _("Theme party day"))
        return label

    def render_unit(self, record):
        return record.unit.display_name

    def render_host(self, value):
        return value.name

    def render_attendance(self, record):
        if record.status != MeetingStatus.HELD:
            return format_html('<span class="text-muted">{}</span>', record.n_invited)
        if record.n_expected < record.n_invited:
            return format_html('<span class="text-warning" title="{}">{} / {} *</span>',
                               _("Attendance not fully recorded"), record.n_present, record.n_invited)
        return f"{record.n_present} / {record.n_invited}"

    def render_status(self, record):
        return status_badge(record)
