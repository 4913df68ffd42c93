"""django-tables2 tables of the branches pages. Rows come from scoped, select_related querysets; no
column runs a query per row."""
from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .audit import mask_entry
from .choices import AuditAction
from .models import Appointment, AuditEntry


class FastBodyMixin:
    """Render the rows of a django-tables2 table in Python (``templates/tables/fast_body.html``).

    The cells are the table's own (``render_<column>`` methods, accessors, linkify, empty values); only the
    loop is moved out of the template engine, and each column's ``<td>`` attributes are built once per page
    instead of once per cell. For tables whose columns do not vary their attributes by row.
    """

    fast_template_name = "tables/fast_body.html"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template_name", self.fast_template_name)
        super().__init__(*args, **kwargs)

    def body_html(self):
        columns = [(column, column.attrs["td"].as_html()) for column in self.columns]
        rows = self.paginated_rows if self.page else self.rows
        out = []
        for row in rows:
            cells = "".join(f"<td {attrs}>{conditional_escape(row.get_cell(column.name))}</td>"
                            for column, attrs in columns)
            out.append(f"<tr {row.attrs.as_html()}>{cells}</tr>")
        if not out and self.empty_text:
            out.append(f'<tr><td colspan="{len(columns)}">{conditional_escape(self.empty_text)}</td></tr>')
        return mark_safe("".join(out))


# Columns that step aside on narrow screens (Bootstrap display utilities on th and td).
WIDE_ONLY = {"th": {"class": "d-none d-lg-table-cell"}, "td": {"class": "d-none d-lg-table-cell"}}
MEDIUM_UP = {"th": {"class": "d-none d-md-table-cell"}, "td": {"class": "d-none d-md-table-cell"}}
UNIT_CELL = {"td": {"style": "min-width: 9em"}}


class AppointmentTable(tables.Table):
    user = tables.Column(verbose_name=_("User"), order_by=("user__username",),
                         linkify=lambda record: reverse("access:user_detail", args=[record.user_id]))
    full_name = tables.Column(verbose_name=_("Full name"), accessor="user__first_name",
                              order_by=("user__first_name", "user__last_name"), attrs=MEDIUM_UP)
    unit = tables.Column(verbose_name=_("Unit"), order_by=("unit__path",), linkify=True, attrs=UNIT_CELL)
    role = tables.Column(verbose_name=_("Role"))
    created_at = tables.DateTimeColumn(verbose_name=_("Appointed at"), format="Y-m-d", attrs=WIDE_ONLY)
    created_by = tables.Column(verbose_name=_("Appointed by"), order_by=("created_by__username",),
                               default="—", attrs=WIDE_ONLY)
    ended_at = tables.DateTimeColumn(verbose_name=_("Ended at"), format="Y-m-d", default="", attrs=WIDE_ONLY)
    actions = tables.Column(verbose_name="", accessor="pk", orderable=False, empty_values=(),
                            attrs={"td": {"class": "text-end text-nowrap"}})

    class Meta:
        model = Appointment
        fields = ("user", "full_name", "unit", "role", "created_at", "created_by", "ended_at", "actions")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "appointment-table"}
        row_attrs = {"class": lambda record: "text-muted" if record.ended_at else ""}
        empty_text = _("No appointments match.")

    def render_user(self, value):
        return value.get_username()

    def render_created_by(self, value):
        return value.get_full_name() or value.get_username()

    def render_full_name(self, record):
        return record.user.get_full_name() or "—"

    def render_actions(self, record):
        if record.ended_at:
            return ""
        url = reverse("access:appointment_end", args=[record.pk])
        request = getattr(self, "request", None)
        if request is not None:
            url = "{}?{}".format(url, urlencode({"next": request.get_full_path()}))
        return format_html(
            '<a class="btn btn-sm btn-outline-danger" href="{}" title="{}"><i class="bi bi-person-dash"></i>'
            '<span class="d-none d-xl-inline"> {}</span></a>', url, _("End appointment"), _("End"))


class UserAppointmentTable(AppointmentTable):
    """A user's appointments on their page: the user columns are implied."""

    class Meta(AppointmentTable.Meta):
        exclude = ("user", "full_name")
        orderable = False


def audit_object_url(entry: AuditEntry) -> str:
    """Link for an audit row's object without touching the database: the row's model must have a page
    (``get_absolute_url``, or an appointment's user page) and the object must not have been deleted.
    The link goes through ``access:audit_object``, which looks the object up once it is clicked."""
    if entry.action == AuditAction.DELETE:
        return ""
    model = entry.content_type.model_class()
    if model is None:
        return ""
    if model is Appointment or hasattr(model, "get_absolute_url") or model._meta.label_lower == "auth.user":
        return reverse("access:audit_object", args=[entry.pk])
    return ""


class AuditEntryTable(tables.Table):
    time = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    actor = tables.Column(verbose_name=_("By"), default=_("System (automatic)"), orderable=False, attrs=MEDIUM_UP)
    action = tables.Column(verbose_name=_("Action"), orderable=False,
                           attrs={"th": {"class": "text-nowrap"}, "td": {"class": "text-nowrap"}})
    object = tables.Column(verbose_name=_("Object"), accessor="object_repr", orderable=False, attrs=UNIT_CELL)
    unit = tables.Column(verbose_name=_("Unit"), orderable=False, default="—", attrs=MEDIUM_UP)
    request_id = tables.Column(verbose_name=_("Request"), orderable=False, default="",
                               attrs={"th": {"class": "d-none d-xl-table-cell"}, "td": {"class": "d-none d-xl-table-cell small"}})
    changes = tables.Column(verbose_name=_("Changes"), accessor="pk", orderable=False, empty_values=())

    class Meta:
        model = AuditEntry
        fields = ("time", "actor", "action", "object", "unit", "request_id", "changes")
        attrs = {"class": "table table-sm align-top audit-table", "data-testid": "audit-table"}
        empty_text = _("No entries match.")

    def render_actor(self, value):
        return value.get_full_name() or value.get_username()

    def render_action(self, record):
        return record.get_action_display()

    def render_object(self, record):
        model = record.content_type.model_class()
        type_label = model._meta.verbose_name if model else record.content_type.model
        url = audit_object_url(record)
        if url:
            return format_html('<a href="{}">{}</a> <span class="badge text-bg-light border">{}</span>',
                               url, record.object_repr, type_label)
        return format_html('{} <span class="badge text-bg-light border">{}</span>', record.object_repr, type_label)

    def render_unit(self, value):
        return value.name

    def render_changes(self, record):
        # render_to_string without the request: a TemplateColumn would run every context processor
        # (and their queries) once per row.
        user = getattr(getattr(self, "request", None), "user", None)
        if user is not None:
            mask_entry(record, user)
        return render_to_string("access/_audit_changes.html", {"record": record})

    def render_request_id(self, value):
        url = "{}?{}".format(reverse("access:audit_list"), urlencode({"request_id": value}))
        return format_html('<a href="{}" class="font-monospace small" title="{}">{}</a>', url, value, value[:8])


def paginate_leniently(table, request, per_page: int) -> None:
    """Paginate a table by ``?page=``: a bad or past-the-end page shows the first or last page (never an error)."""
    table.paginate(per_page=per_page, page=1)
    table.page = table.paginator.get_page(request.GET.get(table.prefixed_page_field))
