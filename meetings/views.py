"""Pages of the meeting records: list (with export), record a meeting, the meeting page, corrections, attendance,
status actions, resolutions, attachments and the calendar file. Each write calls one service."""
from __future__ import annotations

import copy
import datetime
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from branches.audit import history_for
from branches.context_processors import CURRENT_UNIT_SESSION_KEY, get_current_unit
from branches.forms import add_service_errors
from branches.models import Unit
from branches.pdf import content_disposition
from branches.permissions import DISCIPLINE_VIEW, MEETING_CHANGE, VIEW
from branches.scope import get_scoped_or_404, has_perm
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin
from members.exporters import xlsx_response
from members.selectors import unit_breadcrumbs

from . import services
from .choices import AttendanceStatus as A, MeetingStatus, MeetingType
from .exporters import export_meetings
from .filters import MeetingFilter
from .forms import AttachmentForm, CancelForm, MeetingForm, ResolutionForm, UnitPickForm
from .ics import meeting_ics
from .models import Meeting, MeetingAttachment, Resolution
from .selectors import MEETING_UNIT_KINDS, attach_attendance_counts, expected_at, meeting_list
from .tables import MeetingTable, status_badge

logger = logging.getLogger(__name__)
PER_PAGE = 25


def get_meeting(request, pk, action: str = VIEW) -> Meeting:
    """The meeting within the user's scope (404 otherwise), ``action`` checked on its unit (403)."""
    qs = Meeting.objects.select_related("unit", "host", "recorder", "lecturer", "partner", "created_by")
    return get_scoped_or_404(qs, request.user, action, pk=pk)


def meeting_crumbs(user, meeting: Meeting, *tail) -> list:
    return [*unit_breadcrumbs(user, meeting.unit), (reverse("meetings:meeting_list") + f"?unit={meeting.unit_id}",
                                                    _("Meetings")), *tail]


class MeetingChangeMixin(LoginRequiredMixin):
    """For signed-in users (others go to the login page): ``self.meeting`` is the meeting of the URL, in the user's
    scope (404) with MEETING_CHANGE on its unit (403). A view whose URL ``pk`` is another object (a resolution, an attachment)
    overrides ``meeting_pk`` to load that object and answer its meeting's id. With ``cancelled_message``, a cancelled
    meeting goes back to its page with that error."""

    cancelled_message = None

    def meeting_pk(self):
        return self.kwargs["pk"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.meeting = get_meeting(request, self.meeting_pk(), MEETING_CHANGE)
        if self.cancelled_message is not None and self.meeting.status == MeetingStatus.CANCELLED:
            messages.error(request, self.cancelled_message)
            return redirect(self.meeting)
        return super().dispatch(request, *args, **kwargs)


NO_ATTENDANCE_WHEN_CANCELLED = gettext_lazy("The meeting was cancelled; there is no attendance to record.")


# ---------------------------------------------------------------------------------------------------------------
# List and export
# ---------------------------------------------------------------------------------------------------------------

class MeetingTableMixin:
    def get_filter(self) -> MeetingFilter:
        data = self.request.GET or None
        if data is None and self.request.session.get(CURRENT_UNIT_SESSION_KEY):
            current = get_current_unit(self.request)
            if current is not None:
                data = {"unit": str(current.pk)}
        return MeetingFilter(data, queryset=meeting_list(self.request.user), request=self.request)

    def get_table(self, meeting_filter: MeetingFilter, paginate: bool) -> MeetingTable:
        ok = not meeting_filter.is_bound or meeting_filter.is_valid()
        qs = meeting_filter.qs if ok else Meeting.objects.none()
        table = MeetingTable(qs)
        RequestConfig(self.request, paginate=False).configure(table)
        if paginate:
            paginate_leniently(table, self.request, per_page=PER_PAGE)
        return table


class MeetingListView(MeetingTableMixin, ActionRequiredMixin, TemplateView):
    """三会一课 records: search, filters, sort, 25 per page; a fixed number of queries whatever the rows."""

    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meeting_filter = self.get_filter()
        table = self.get_table(meeting_filter, paginate=True)
        attach_attendance_counts(getattr(row, "record", row) for row in table.page.object_list)
        actions = []
        if has_perm(self.request.user, MEETING_CHANGE, None):
            actions.append((reverse("meetings:meeting_create"), _("Record a meeting"), "plus-lg"))
        actions.append((reverse("meetings:compliance"), _("Compliance"), "grid-3x3"))
        actions.append((reverse("meetings:attendance_report"), _("Attendance"), "person-check"))
        query = self.request.GET.copy()
        query.pop(table.prefixed_page_field, None)
        export_url = reverse("meetings:meeting_export") + (f"?{query.urlencode()}" if query else "")
        ctx.update(title=_("Meetings (three meetings and one lesson)"), table=table, filter=meeting_filter,
                   result_count=table.paginator.count, actions=actions, export_url=export_url,
                   can_add=has_perm(self.request.user, MEETING_CHANGE, None))
        return ctx


class MeetingExportView(MeetingTableMixin, ActionRequiredMixin, View):
    def get(self, request):
        table = self.get_table(self.get_filter(), paginate=False)
        meetings = table.data.data
        rows = (m for start in range(0, meetings.count(), 2000)
                for m in attach_attendance_counts(meetings[start:start + 2000]))
        return xlsx_response(export_meetings(rows), f"会议记录-{timezone.localdate():%Y%m%d}.xlsx")


# ---------------------------------------------------------------------------------------------------------------
# Record and correct
# ---------------------------------------------------------------------------------------------------------------

def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _form_fields(form: MeetingForm) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k in services.MEETING_FIELDS}


class MeetingCreateView(ActionRequiredMixin, View):
    """Record a meeting: first the unit (``?unit=``), then the form; the attendees come from the roll on its date."""

    permission_action = MEETING_CHANGE
    template_name = "meetings/meeting_form.html"

    def _unit(self, request):
        pk = request.GET.get("unit") or request.POST.get("unit_pk") or ""
        if not str(pk).isdigit():
            return None
        return (Unit.objects.restrict(request.user, MEETING_CHANGE).active()
                .filter(pk=pk, kind__in=MEETING_UNIT_KINDS).first())

    def _context(self, request, unit, form):
        return {"form": form, "unit": unit, "title": _("Record a meeting"),
                "breadcrumbs": [*unit_breadcrumbs(request.user, unit), (None, _("Record a meeting"))],
                "cancel_url": reverse("meetings:meeting_list") + f"?unit={unit.pk}",
                "submit_label": _("Save the meeting")}

    def get(self, request):
        unit = self._unit(request)
        if unit is None:
            pick = UnitPickForm(request.GET or None, user=request.user)
            if request.GET.get("unit"):
                pick.is_valid()
            return render(request, "meetings/meeting_unit_pick.html", {
                "form": pick, "title": _("Record a meeting"), "breadcrumbs": [
                    (reverse("meetings:meeting_list"), _("Meetings")), (None, _("Record a meeting"))]})
        day = _parse_date(request.GET.get("date")) or timezone.localdate()
        initial = {"date": day, "status": MeetingStatus.PLANNED if day > timezone.localdate() else MeetingStatus.HELD}
        if request.GET.get("type") in MeetingType.values:
            initial["meeting_type"] = request.GET["type"]
        return render(request, self.template_name, self._context(request, unit, MeetingForm(unit=unit, initial=initial)))

    def post(self, request):
        unit = self._unit(request)
        if unit is None:
            raise Http404
        form = MeetingForm(request.POST, unit=unit, instance=Meeting(unit=unit))
        if form.is_valid():
            try:
                meeting = services.meeting_create(actor=request.user, unit=unit, **_form_fields(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if meeting.status == MeetingStatus.HELD:
                    messages.success(request, _("Meeting recorded. Now mark who was present, on leave or absent."))
                    return redirect("meetings:meeting_attendance", pk=meeting.pk)
                messages.success(request, _("Meeting planned; the attendees have been notified."))
                return redirect(meeting)
        return render(request, self.template_name, self._context(request, unit, form))


class MeetingEditView(MeetingChangeMixin, View):
    """Correct a meeting's record; every change is audited and shown in its history."""

    template_name = "meetings/meeting_form.html"
    cancelled_message = gettext_lazy("A cancelled meeting cannot be edited; record a new one.")

    def _render(self, request, form):
        m = self.meeting
        return render(request, self.template_name, {
            "form": form, "unit": m.unit, "meeting": m, "title": _("Edit meeting record"),
            "breadcrumbs": meeting_crumbs(request.user, m, (m.get_absolute_url(), m.topic), (None, _("Edit"))),
            "cancel_url": m.get_absolute_url(),
            "help_text": _("Corrections are recorded in the history with who changed what and when.")})

    def get(self, request, pk):
        return self._render(request, MeetingForm(unit=self.meeting.unit, instance=self.meeting))

    def post(self, request, pk):
        # A copy: the form writes the posted values on its instance, the page keeps showing the saved record.
        form = MeetingForm(request.POST, unit=self.meeting.unit, instance=copy.copy(self.meeting))
        if form.is_valid():
            fields = {k: v for k, v in _form_fields(form).items() if k in services.EDITABLE_FIELDS}
            try:
                services.meeting_update(actor=request.user, meeting=self.meeting, **fields)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Meeting record saved."))
                return redirect("meetings:meeting_detail", pk=pk)
        return self._render(request, form)


# ---------------------------------------------------------------------------------------------------------------
# The meeting page
# ---------------------------------------------------------------------------------------------------------------

def _talk_kind_label(meeting) -> str:
    from .choices import TalkKind
    from .compliance import talk_kind_of

    kind = talk_kind_of(meeting)
    return str(TalkKind(kind).label) if kind else ""


class MeetingDetailView(ActionRequiredMixin, TemplateView):
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        m = get_meeting(self.request, kwargs["pk"])
        attendances = list(m.attendances.select_related("person", "person__party_group").order_by("person__name", "pk"))
        counts = {s: 0 for s in A.values}
        for a in attendances:
            counts[a.status] += 1
        resolutions = list(m.resolutions.select_related("development_step__person", "development_step__vote"))
        can_change = has_perm(user, MEETING_CHANGE, m.unit)
        ctx.update(
            meeting=m, title=m.topic, status_badge=status_badge(m),
            breadcrumbs=meeting_crumbs(user, m, (None, m.topic)),
            attendances=attendances, counts=counts, expected=len(attendances),
            unrecorded=counts[A.INVITED] if m.is_held else 0,
            resolutions=resolutions, attachments=list(m.attachments.all()),
            can_change=can_change and m.status != MeetingStatus.CANCELLED,
            can_see_discipline=has_perm(user, DISCIPLINE_VIEW, m.unit),
            history=history_for(m),
            is_past=m.date <= timezone.localdate(),
            talk_kind=_talk_kind_label(m),
        )
        return ctx


class MeetingAttendanceView(MeetingChangeMixin, View):
    """Mark each expected person present, on leave (with the reason) or absent; pre-filled with 'present'."""

    template_name = "meetings/meeting_attendance.html"
    cancelled_message = NO_ATTENDANCE_WHEN_CANCELLED

    def _rows(self):
        m = self.meeting
        existing, people = expected_at(m)
        rows = []
        for p in sorted(people.values(), key=lambda p: (p.name, p.pk)):
            a = existing.get(p.pk)
            status = a.status if a else A.INVITED
            if status == A.INVITED and m.is_held:
                status = A.PRESENT
            rows.append({"person": p, "status": status, "reason": a.reason if a else "", "new": a is None})
        return rows

    def _render(self, request, rows, errors=()):
        m = self.meeting
        choices = [(A.PRESENT, A.PRESENT.label), (A.LEAVE, A.LEAVE.label), (A.ABSENT, A.ABSENT.label)]
        if m.is_planned:
            choices = [(A.INVITED, _("Invited")), (A.LEAVE, A.LEAVE.label)]
        return render(request, self.template_name, {
            "meeting": m, "rows": rows, "choices": choices, "errors": errors,
            "title": _("Attendance: %(t)s") % {"t": m.topic},
            "breadcrumbs": meeting_crumbs(request.user, m, (m.get_absolute_url(), m.topic), (None, _("Attendance")))})

    def get(self, request, pk):
        return self._render(request, self._rows())

    def post(self, request, pk):
        rows = self._rows()
        entries = {}
        for row in rows:
            pid = row["person"].pk
            status = request.POST.get(f"status_{pid}", row["status"])
            reason = request.POST.get(f"reason_{pid}", "")[:200]
            row["status"], row["reason"] = status, reason
            if status == A.INVITED:
                continue
            entries[pid] = (status, reason)
        try:
            changed = services.meeting_attendance_set(actor=request.user, meeting=self.meeting, entries=entries)
        except ValidationError as exc:
            return self._render(request, rows, exc.messages)
        messages.success(request, _("Attendance saved (%(n)d changed).") % {"n": changed})
        return redirect(self.meeting)


class _ConfirmView(MeetingChangeMixin, View):
    """GET: the confirmation page saying what will happen; POST: the service, a message, back to the meeting."""

    form_class = None
    danger = False

    def message(self):
        raise NotImplementedError

    def act(self, form):
        raise NotImplementedError

    def _render(self, request, form):
        m = self.meeting
        return render(request, "generic/confirm.html", {
            "title": self.title, "message": self.message(), "form": form, "danger": self.danger,
            "cancel_url": m.get_absolute_url(), "submit_label": self.submit_label,
            "breadcrumbs": meeting_crumbs(request.user, m, (m.get_absolute_url(), m.topic), (None, self.title))})

    def get(self, request, pk):
        return self._render(request, self.form_class() if self.form_class else None)

    def post(self, request, pk):
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self._render(request, form)
        try:
            target = self.act(form)
        except ValidationError as exc:
            if form is not None:
                add_service_errors(form, exc)
                return self._render(request, form)
            for msg in exc.messages:
                messages.error(request, msg)
            return redirect(self.meeting)
        return target


class MeetingCompleteView(_ConfirmView):
    title = property(lambda self: _("Mark the meeting as held"))
    submit_label = property(lambda self: _("Mark as held"))

    def message(self):
        return _("%(m)s will be recorded as held. Next you mark the attendance and complete the minutes.") % {
            "m": str(self.meeting)}

    def act(self, form):
        services.meeting_complete(actor=self.request.user, meeting=self.meeting)
        messages.success(self.request, _("The meeting is recorded as held; now record the attendance."))
        return redirect("meetings:meeting_attendance", pk=self.meeting.pk)


class MeetingCancelView(_ConfirmView):
    form_class = CancelForm
    danger = True
    title = property(lambda self: _("Cancel the meeting"))
    submit_label = property(lambda self: _("Cancel the meeting"))

    def message(self):
        return _("%(m)s will be cancelled and its attendees told. This cannot be undone; a new meeting has to be "
                 "recorded instead.") % {"m": str(self.meeting)}

    def act(self, form):
        services.meeting_cancel(actor=self.request.user, meeting=self.meeting, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("The meeting was cancelled."))
        return redirect(self.meeting)


class MeetingNotifyView(_ConfirmView):
    title = property(lambda self: _("Send the meeting notice again"))
    submit_label = property(lambda self: _("Send notice"))

    def message(self):
        return _("The attendees of %(m)s will get the notice with the topics again (in-app and by email, with the "
                 "calendar file).") % {"m": str(self.meeting)}

    def act(self, form):
        n = services.meeting_notify(actor=self.request.user, meeting=self.meeting)
        messages.success(self.request, _("Notice sent (%(n)d emails).") % {"n": n})
        return redirect(self.meeting)


@login_required
def meeting_calendar(request, pk):
    m = get_meeting(request, pk)
    response = HttpResponse(meeting_ics(m), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition(f"meeting-{m.pk}.ics", inline=False)
    return response


# ---------------------------------------------------------------------------------------------------------------
# Resolutions and attachments
# ---------------------------------------------------------------------------------------------------------------

class ResolutionCreateView(MeetingChangeMixin, View):
    template_name = "generic/form.html"
    cancelled_message = NO_ATTENDANCE_WHEN_CANCELLED

    def _form_render(self, request, form):
        m = self.meeting
        return render(request, self.template_name, {
            "form": form, "title": _("Add a resolution"), "cancel_url": m.get_absolute_url(),
            "help_text": _("At a branch general meeting a vote passes when more than half of the full members attend "
                           "and more than half of the full members entitled vote yes."),
            "breadcrumbs": meeting_crumbs(request.user, m, (m.get_absolute_url(), m.topic), (None, _("Resolution")))})

    def get(self, request, pk):
        if not self.meeting.is_held:
            messages.error(request, _("Resolutions are recorded for a held meeting."))
            return redirect(self.meeting)
        return self._form_render(request, ResolutionForm(meeting=self.meeting, can_see_discipline=self._discipline()))

    def _discipline(self) -> bool:
        return has_perm(self.request.user, DISCIPLINE_VIEW, self.meeting.unit)

    def post(self, request, pk):
        form = ResolutionForm(request.POST, meeting=self.meeting, can_see_discipline=self._discipline())
        if form.is_valid():
            try:
                services.resolution_add(actor=request.user, meeting=self.meeting, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Resolution added."))
                return redirect(self.meeting)
        return self._form_render(request, form)


class ResolutionDeleteView(_ConfirmView):
    danger = True
    title = property(lambda self: _("Remove the resolution"))
    submit_label = property(lambda self: _("Remove"))

    def meeting_pk(self):
        self.resolution = get_scoped_or_404(Resolution.objects.select_related("meeting__unit"), self.request.user,
                                            MEETING_CHANGE, pk=self.kwargs["pk"])
        return self.resolution.meeting_id

    def message(self):
        return _("The resolution “%(t)s” will be removed from the record (the removal stays in the history).") % {
            "t": self.resolution.text[:80]}

    def act(self, form):
        services.resolution_delete(actor=self.request.user, resolution=self.resolution)
        messages.success(self.request, _("Resolution removed."))
        return redirect(self.meeting)


class AttachmentCreateView(MeetingChangeMixin, View):
    template_name = "generic/form.html"
    cancelled_message = NO_ATTENDANCE_WHEN_CANCELLED

    def _form_render(self, request, form):
        m = self.meeting
        return render(request, self.template_name, {
            "form": form, "title": _("Attach a file"), "cancel_url": m.get_absolute_url(),
            "submit_label": _("Upload"),
            "breadcrumbs": meeting_crumbs(request.user, m, (m.get_absolute_url(), m.topic), (None, _("Attach a file")))})

    def get(self, request, pk):
        return self._form_render(request, AttachmentForm())

    def post(self, request, pk):
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(actor=request.user, meeting=self.meeting, file=form.cleaned_data["file"],
                                        kind=form.cleaned_data["kind"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("File attached."))
                return redirect(self.meeting)
        return self._form_render(request, form)


@login_required
def attachment_download(request, pk):
    att = get_scoped_or_404(MeetingAttachment.objects.select_related("meeting__unit"), request.user, VIEW, pk=pk)
    try:
        fh = att.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(fh, content_type=att.content_type)
    response["Content-Disposition"] = content_disposition(att.name, inline=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AttachmentDeleteView(ResolutionDeleteView):
    title = property(lambda self: _("Remove the attachment"))

    def meeting_pk(self):
        self.attachment = get_scoped_or_404(MeetingAttachment.objects.select_related("meeting__unit"),
                                            self.request.user, MEETING_CHANGE, pk=self.kwargs["pk"])
        return self.attachment.meeting_id

    def message(self):
        return _("The file %(n)s will be removed from the record (the removal stays in the history).") % {
            "n": self.attachment.name}

    def act(self, form):
        services.attachment_delete(actor=self.request.user, attachment=self.attachment)
        messages.success(self.request, _("Attachment removed."))
        return redirect(self.meeting)
