"""Access management (appointments, users), the audit log, the notifications inbox, the unit switcher.

Scope as everywhere: an object outside what the user may view is 404; in view but without the role
(``appointment.manage``, ``audit.view``) is 403.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from ..choices import Role
from ..context_processors import CURRENT_UNIT_SESSION_KEY
from ..filters import AppointmentFilter, AuditEntryFilter
from ..forms_access import ACCOUNT_NEW, AppointmentCreateForm
from ..audit import attach_fk_labels
from ..models import Appointment, AuditEntry, Notification, Unit
from ..notifications import notification_mark_read, notification_open, notifications_for
from ..permissions import APPOINTMENT_MANAGE, AUDIT_VIEW, VIEW
from ..scope import get_scoped_or_404, has_perm
from ..selectors import unit_choices
from ..services_access import appointment_grant, appointment_revoke
from ..tables import AppointmentTable, AuditEntryTable, UserAppointmentTable, paginate_leniently
from .mixins import ActionRequiredMixin


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default


class _TableListMixin(SingleTableMixin):
    """generic/list.html context: title, result_count (from the paginator: no second COUNT), breadcrumbs."""

    title = ""
    per_page = 25

    def get_table_pagination(self, table):
        # Only the table paginates: a paginate_by on the view would make ListView page (and COUNT) again.
        return {"per_page": self.per_page}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        table = ctx["table"]
        ctx["title"] = self.title
        ctx["result_count"] = table.paginator.count if getattr(table, "paginator", None) else len(table.rows)
        ctx.setdefault("breadcrumbs", [(reverse("branches:dashboard"), _("Dashboard")), ("", self.title)])
        return ctx


# --- Appointments -----------------------------------------------------------------------------------

class AppointmentListView(ActionRequiredMixin, _TableListMixin, FilterView):
    permission_action = APPOINTMENT_MANAGE
    template_name = "access/appointment_list.html"
    table_class = AppointmentTable
    filterset_class = AppointmentFilter
    title = gettext_lazy("Appointments")

    def get_queryset(self):
        return (Appointment.objects.restrict(self.request.user, APPOINTMENT_MANAGE)
                .select_related("user", "unit", "created_by"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["actions"] = [(reverse("access:appointment_create"), _("New appointment"), "person-plus")]
        return ctx


class AppointmentCreateView(ActionRequiredMixin, FormView):
    permission_action = APPOINTMENT_MANAGE
    form_class = AppointmentCreateForm
    template_name = "access/appointment_form.html"

    def get_initial(self):
        initial = super().get_initial()
        unit_pk = self.request.GET.get("unit")
        if unit_pk:
            # Only a unit where the actor may appoint: anything else does not exist for them.
            if not unit_pk.isdigit():
                raise Http404
            initial["unit"] = get_object_or_404(unit_choices(self.request.user, APPOINTMENT_MANAGE), pk=unit_pk)
        if self.request.GET.get("username"):
            initial["username"] = self.request.GET["username"][:150]
        if self.request.GET.get("role") in Role.values:
            initial["role"] = self.request.GET["role"]
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("New appointment")
        ctx["cancel_url"] = reverse("access:appointment_list")
        ctx["submit_label"] = _("Appoint")
        ctx["breadcrumbs"] = [(reverse("access:appointment_list"), _("Appointments")), ("", ctx["title"])]
        # Suggestions for the username box: people already appointed somewhere in the actor's units.
        ctx["known_usernames"] = list(
            get_user_model().objects.filter(
                is_active=True,
                pk__in=Appointment.objects.restrict(self.request.user, APPOINTMENT_MANAGE)
                .filter(ended_at__isnull=True).values("user_id"),
            ).order_by("username").values_list("username", flat=True)[:500]
        )
        return ctx

    _service_field_map = {"username": "new_username", "password": "password1", "first_name": "full_name",
                          "email": "email"}

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            appt = appointment_grant(actor=self.request.user, unit=d["unit"], role=d["role"],
                                     user=None if d["account"] == ACCOUNT_NEW else d["user"],
                                     new_user=form.new_user_fields())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = field if field in ("unit", "role") else (
                        self._service_field_map.get(field) if d["account"] == ACCOUNT_NEW else None)
                    form.add_error(target, errors)
            else:
                form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(user)s is now %(role)s of %(unit)s.") % {
            "user": appt.user.get_full_name() or appt.user.get_username(), "role": appt.get_role_display(),
            "unit": appt.unit})
        return redirect("access:user_detail", pk=appt.user_id)


class AppointmentEndView(LoginRequiredMixin, View):
    """GET: the confirmation page; POST: end the appointment."""

    def get_object(self) -> Appointment:
        return get_scoped_or_404(Appointment.objects.select_related("user", "unit"), self.request.user,
                                 APPOINTMENT_MANAGE, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        appt = self.get_object()
        if appt.ended_at:
            messages.info(request, _("This appointment has already ended."))
            return redirect("access:user_detail", pk=appt.user_id)
        return render(request, "generic/confirm.html", {
            "title": _("End appointment"),
            "message": _("%(user)s will no longer be %(role)s of %(unit)s and loses the access that came with it. "
                         "The appointment stays in the history.") % {
                "user": appt.user.get_full_name() or appt.user.get_username(),
                "role": appt.get_role_display(), "unit": appt.unit},
            "submit_label": _("End appointment"),
            "danger": True,
            "cancel_url": _next_url(request, reverse("access:user_detail", args=[appt.user_id])),
            "breadcrumbs": [(reverse("access:appointment_list"), _("Appointments")),
                            (reverse("access:user_detail", args=[appt.user_id]), appt.user.get_username()),
                            ("", _("End appointment"))],
        })

    def post(self, request, *args, **kwargs):
        appt = self.get_object()
        try:
            appointment_revoke(actor=request.user, appointment=appt)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, _("The appointment has ended."))
        return redirect(_next_url(request, reverse("access:user_detail", args=[appt.user_id])))


class UserDetailView(LoginRequiredMixin, TemplateView):
    """A user's appointments within the viewer's scope. Yourself: all of your own appointments."""

    template_name = "access/user_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        viewer = self.request.user
        person = get_object_or_404(get_user_model(), pk=self.kwargs["pk"])
        base = Appointment.objects.filter(user=person).select_related("user", "unit", "created_by")
        may_manage = False
        if person.pk == viewer.pk:
            appointments = base
            may_manage = has_perm(viewer, APPOINTMENT_MANAGE, None)
        else:
            if not base.restrict(viewer, VIEW).exists():
                raise Http404
            appointments = base.restrict(viewer, APPOINTMENT_MANAGE)
            if not appointments.exists():
                raise PermissionDenied
            may_manage = True
        table = UserAppointmentTable(appointments.order_by("ended_at", "unit__path", "role"),
                                     request=self.request)
        paginate_leniently(table, self.request, per_page=50)
        if not may_manage:
            table.columns.hide("actions")
        ctx.update({
            "person": person,
            "table": table,
            "may_manage": may_manage,
            "title": person.get_full_name() or person.get_username(),
            "breadcrumbs": [(reverse("access:appointment_list") if may_manage else "", _("Appointments")),
                            ("", person.get_username())],
        })
        return ctx


# --- Audit ------------------------------------------------------------------------------------------

class AuditListView(ActionRequiredMixin, _TableListMixin, FilterView):
    permission_action = AUDIT_VIEW
    template_name = "access/audit_list.html"
    table_class = AuditEntryTable
    filterset_class = AuditEntryFilter
    title = gettext_lazy("Audit log")
    per_page = 50

    def get_queryset(self):
        # Rows with unit=None (user accounts, global settings) only reach superusers: restrict() is a
        # path prefix match, and a missing unit matches no prefix.
        return (AuditEntry.objects.restrict(self.request.user, AUDIT_VIEW)
                .select_related("actor", "unit", "content_type").order_by("-time", "-pk"))

    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        if getattr(table, "page", None) is not None:
            # Evaluate the page once (the table renders these same cached rows) and name its foreign keys.
            attach_fk_labels([row.record for row in table.page.object_list])
        return table


class AuditObjectView(ActionRequiredMixin, View):
    """Follow an audit row to its object's page (looked up only when clicked)."""

    permission_action = AUDIT_VIEW

    def get(self, request, pk):
        entry = AuditEntry.objects.restrict(request.user, AUDIT_VIEW).select_related("content_type").filter(
            pk=pk).first()
        if entry is None:
            raise Http404
        model = entry.content_type.model_class()
        obj = model._default_manager.filter(pk=entry.object_id).first() if model is not None else None
        url = ""
        if isinstance(obj, Appointment):
            url = reverse("access:user_detail", args=[obj.user_id])
        elif obj is not None and model._meta.label_lower == "auth.user":
            url = reverse("access:user_detail", args=[obj.pk])
        elif obj is not None and hasattr(obj, "get_absolute_url"):
            url = obj.get_absolute_url()
        if not url:
            messages.info(request, _("“%(obj)s” no longer exists or has no page of its own.") % {
                "obj": entry.object_repr})
            return redirect("access:audit_list")
        return HttpResponseRedirect(url)


# --- Notifications ----------------------------------------------------------------------------------

class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "access/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 20

    def get_queryset(self):
        return notifications_for(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Notifications")
        ctx["breadcrumbs"] = [(reverse("branches:dashboard"), _("Dashboard")), ("", ctx["title"])]
        return ctx


@login_required
@require_POST
def notification_mark_all_read(request):
    n = notification_mark_read(user=request.user)
    if n:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("access:notification_list")


@login_required
def notification_open_view(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    url = notification_open(user=request.user, notification=notification)
    return HttpResponseRedirect(url or reverse("access:notification_list"))


# --- Current unit -----------------------------------------------------------------------------------

@login_required
@require_POST
def unit_switch(request):
    pk = request.POST.get("unit", "")
    if not pk.isdigit():
        raise Http404
    unit = get_object_or_404(Unit.objects.restrict(request.user, VIEW).active(), pk=pk)
    request.session[CURRENT_UNIT_SESSION_KEY] = unit.pk
    messages.success(request, _("You are now working in %(unit)s.") % {"unit": unit})
    return redirect(_next_url(request, unit.get_absolute_url()))
