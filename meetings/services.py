"""Writes of the meetings app: every one is atomic, validated with full_clean() and audited.

Status moves of a meeting follow TRANSITIONS (planned -> held, planned -> cancelled); a held meeting is corrected by
audited edits, never deleted.
"""
from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import audit_record, snapshot
from branches.choices import AuditAction, Role
from branches.notifications import notification_send
from members.choices import MemberStatus
from members.models import DevelopmentStep, DevelopmentStepKind as K, DevelopmentVote, Person

from .choices import AttendanceStatus as A, MeetingStatus as S, MeetingType
from .ics import meeting_ics
from .models import ALLOWED_ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, Attendance, Meeting, MeetingAttachment, Resolution
from .selectors import expected_at, roll_filter, roll_on

TRANSITIONS = {S.PLANNED: {S.HELD, S.CANCELLED}, S.HELD: set(), S.CANCELLED: set()}
MEETING_FIELDS = {"meeting_type", "status", "date", "start_time", "end_time", "place", "host", "recorder", "topic",
                  "agenda", "lecturer", "lecturer_name", "lecture_title", "partner", "minutes", "also_theme_day"}
EDITABLE_FIELDS = MEETING_FIELDS - {"status"}
VOTE_STEP_KINDS = (K.BRANCH_VOTE, K.FULL_VOTE)


class MeetingError(ValidationError):
    """A refused meeting write; the message says what to fix."""


def _status_label(status: str) -> str:
    return str(A(status).label)


def _sync_invitees(meeting: Meeting) -> int:
    """Add the people on the roll on the meeting's date who have no attendance row yet (as invited)."""
    have = set(meeting.attendances.values_list("person_id", flat=True))
    new = [Attendance(meeting=meeting, person=p) for p in roll_on(meeting.unit, meeting.date, meeting.meeting_type)
           if p.pk not in have]
    Attendance.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def meeting_create(*, actor, unit, notify: bool = True, **fields) -> Meeting:
    """Record a meeting (planned or held); the attendees are taken from the unit's roll on its date. A planned meeting
    notifies its attendees (in-app and email, with the .ics) unless ``notify`` is False."""
    unknown = set(fields) - MEETING_FIELDS
    if unknown:
        raise ValueError(f"meeting_create: unknown fields {sorted(unknown)}")
    if unit.is_dissolved:
        raise MeetingError(_("%(u)s is dissolved; it cannot record new meetings.") % {"u": unit.name})
    meeting = Meeting(unit=unit, created_by=actor if getattr(actor, "pk", None) else None, **fields)
    meeting.full_clean()
    meeting.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=meeting, after=snapshot(meeting))
    _sync_invitees(meeting)
    if notify and meeting.status == S.PLANNED and meeting.date >= timezone.localdate():
        meeting_notify(actor=actor, meeting=meeting)
        meeting.refresh_from_db(fields=["notified_at"])
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, **fields) -> Meeting:
    """Correct a meeting's record (audited). A changed date adds the roll of the new date to the attendees."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"meeting_update: unknown fields {sorted(unknown)}")
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    if meeting.status == S.CANCELLED:
        raise MeetingError(_("A cancelled meeting cannot be edited; record a new one."))
    before = snapshot(meeting)
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.full_clean()
    meeting.save()
    after = snapshot(meeting)
    if after != before:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, before=before, after=after)
    if before["date"] != after["date"] or before["meeting_type"] != after["meeting_type"]:
        _sync_invitees(meeting)
    return meeting


def _move(*, actor, meeting: Meeting, to: str, note: str = "") -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    if to not in TRANSITIONS.get(meeting.status, set()):
        raise MeetingError(_("This meeting is %(s)s; it cannot be marked %(t)s.") % {
            "s": meeting.get_status_display(), "t": S(to).label})
    before = snapshot(meeting)
    meeting.status = to
    meeting.full_clean()
    meeting.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditAction.STATUS, obj=meeting, before=before, after=snapshot(meeting), note=note)
    return meeting


@transaction.atomic
def meeting_complete(*, actor, meeting: Meeting) -> Meeting:
    """A planned meeting took place: it becomes a held meeting whose record (attendance, minutes) is completed next."""
    if meeting.date > timezone.localdate():
        raise MeetingError(_("The meeting is dated %(d)s, in the future: it can be marked held on or after that day.")
                           % {"d": meeting.date.isoformat()})
    return _move(actor=actor, meeting=meeting, to=S.HELD)


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError({"reason": _("Say why the meeting is cancelled.")})
    meeting = _move(actor=actor, meeting=meeting, to=S.CANCELLED, note=reason)
    recipients = _notice_users(meeting)
    if recipients:
        notification_send(recipients=recipients, title=_("Meeting cancelled: %(t)s") % {"t": meeting.topic},
                          body=_("%(m)s was cancelled: %(r)s") % {"m": str(meeting), "r": reason},
                          url=meeting.get_absolute_url(), unit=meeting.unit)
    return meeting


@transaction.atomic
def meeting_attendance_set(*, actor, meeting: Meeting, entries: dict[int, tuple[str, str]]) -> int:
    """Record who was present, on leave (with the reason) or absent: ``entries`` maps person id to (status, reason).
    Only the people expected (the roll on the date, or already listed) can be recorded. Returns how many changed."""
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    if meeting.status == S.CANCELLED:
        raise MeetingError(_("The meeting was cancelled; there is no attendance to record."))
    rows, people = expected_at(meeting)
    problems, before, after = [], {}, {}
    new_rows, changed_rows = [], []
    for pid, (status, reason) in entries.items():
        if pid not in people:
            problems.append(_("Person #%(id)s is not on the roll of %(u)s on %(d)s.") % {
                "id": pid, "u": meeting.unit.name, "d": meeting.date.isoformat()})
            continue
        if status not in A.values:
            problems.append(_("Choose present, on leave or absent for %(n)s.") % {"n": people[pid].name})
            continue
        if meeting.status == S.PLANNED and status in (A.PRESENT, A.ABSENT):
            problems.append(_("The meeting has not been held yet: only leave can be recorded for %(n)s.")
                            % {"n": people[pid].name})
            continue
        reason = (reason or "").strip() if status == A.LEAVE else ""
        row = rows.get(pid) or Attendance(meeting=meeting, person=people[pid])
        if row.pk and row.status == status and row.reason == reason:
            continue
        old = _status_label(row.status) if row.pk else None
        row.status, row.reason = status, reason
        try:
            row.full_clean(exclude=["meeting", "person"])
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        (changed_rows if row.pk else new_rows).append(row)
        before[people[pid].name] = old
        after[people[pid].name] = _status_label(status) + (f"（{reason}）" if reason else "")
    if problems:
        raise MeetingError(problems)
    Attendance.objects.bulk_create(new_rows)
    Attendance.objects.bulk_update(changed_rows, ["status", "reason"])
    changed = len(new_rows) + len(changed_rows)
    if changed:
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, before=before, after=after,
                     note=_("Attendance recorded"))
    return changed


def _attendee_emails(meeting: Meeting) -> list[str]:
    return list(meeting.attendances.exclude(person__email="").values_list("person__email", flat=True))


def _notice_users(meeting: Meeting, emails: list[str] | None = None) -> list:
    """Users to notify in-app: those whose email is an attendee's (``emails``, read when not given; any case), and
    the unit's secretaries and organizers."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if emails is None:
        emails = _attendee_emails(meeting)
    lowered = {e.lower() for e in emails}
    by_email = list(User.objects.alias(email_lower=Lower("email")).filter(is_active=True, email_lower__in=lowered)
                    ) if lowered else []
    officers = list(User.objects.filter(is_active=True, appointments__unit=meeting.unit, appointments__ended_at__isnull=True,
                                        appointments__role__in=[Role.SECRETARY, Role.ORGANIZER]).distinct())
    return list({u.pk: u for u in by_email + officers}.values())


@transaction.atomic
def meeting_notify(*, actor, meeting: Meeting) -> int:
    """Send the notice of a planned meeting with its topics: in-app to the attendees who have a login (and the unit's
    officers), by email to every attendee with an address, with the .ics calendar file. Returns the emails sent."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("unit", "host").get(pk=meeting.pk)
    if meeting.status != S.PLANNED:
        raise MeetingError(_("Only a planned meeting is announced."))
    when = meeting.date.isoformat() + (f" {meeting.start_time:%H:%M}" if meeting.start_time else "")
    lines = [_("%(type)s of %(unit)s") % {"type": meeting.get_meeting_type_display(), "unit": meeting.unit.name},
             _("When: %(w)s") % {"w": when}]
    if meeting.place:
        lines.append(_("Where: %(p)s") % {"p": meeting.place})
    lines.append(_("Topic: %(t)s") % {"t": meeting.topic})
    if meeting.agenda_items:
        lines.append(_("Agenda:"))
        lines += [f"{i}. {item}" for i, item in enumerate(meeting.agenda_items, 1)]
    body = "\n".join(lines)
    title = _("Meeting notice: %(t)s, %(w)s") % {"t": meeting.topic, "w": when}
    emails = _attendee_emails(meeting)
    users = _notice_users(meeting, emails)
    notification_send(recipients=users, title=title, body=body, url=meeting.get_absolute_url(), unit=meeting.unit,
                      email=False)
    unique: dict[str, str] = {}         # one address per mailbox whatever the case (the attendee's spelling first)
    for e in [*emails, *(u.email for u in users if u.email)]:
        unique.setdefault(e.lower(), e)
    addresses = sorted(unique.values())
    ics = meeting_ics(meeting)
    if addresses:
        def send():
            msg = EmailMessage(subject=f"[{settings.PRODUCT_NAME}] {title}", body=body,
                               from_email=settings.DEFAULT_FROM_EMAIL, bcc=addresses)
            msg.attach(f"meeting-{meeting.pk}.ics", ics, "text/calendar")
            msg.send(fail_silently=True)
        transaction.on_commit(send)
    before = snapshot(meeting, ["notified_at"])
    meeting.notified_at = timezone.now()
    meeting.save(update_fields=["notified_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, before=before,
                 after=snapshot(meeting, ["notified_at"]), note=_("Notice sent to %(n)d people") % {
                     "n": len(addresses) + len(users)})
    return len(addresses)


# -- resolutions -------------------------------------------------------------------------------------------------

def entitled_on(meeting: Meeting) -> int:
    """Who may vote: at a branch general meeting, the full members on the roll that day [Dev2014]; otherwise the
    people expected at the meeting (a committee decides with more than half of its members present)."""
    if meeting.meeting_type == MeetingType.GENERAL:
        return Person.objects.filter(roll_filter(meeting.unit, meeting.date), status=MemberStatus.FULL,
                                     full_member_date__lte=meeting.date).count()
    return meeting.attendances.count()


@transaction.atomic
def resolution_add(*, actor, meeting: Meeting, text: str, development_step: DevelopmentStep | None = None,
                   decision=None, present: int | None = None, yes: int | None = None, no: int | None = None,
                   abstain: int | None = None) -> Resolution:
    """Add a resolution. Linked to a development step (the admission or full-membership vote taken at this general
    meeting), it shows that step's vote; otherwise optional counts are checked by the general meeting's rule."""
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    if meeting.status != S.HELD:
        raise MeetingError(_("Resolutions are recorded for a held meeting."))
    text = (text or "").strip()
    res = Resolution(meeting=meeting, text=text)
    if development_step is not None:
        problems = []
        if meeting.meeting_type != MeetingType.GENERAL:
            problems.append(_("A development vote is taken at a branch general meeting."))
        if development_step.kind not in VOTE_STEP_KINDS:
            problems.append(_("Only an admission or full-membership vote can be linked."))
        if development_step.date != meeting.date:
            problems.append(_("The vote is dated %(v)s but the meeting %(m)s.") % {
                "v": development_step.date.isoformat(), "m": meeting.date.isoformat()})
        if not development_step.person.unit.path.startswith(meeting.unit.path):
            problems.append(_("%(n)s is not a member of %(u)s.") % {"n": development_step.person.name,
                                                                    "u": meeting.unit.name})
        if Resolution.objects.filter(development_step=development_step).exists():
            problems.append(_("This vote is already linked to a meeting."))
        if any(v is not None for v in (present, yes, no, abstain)):
            problems.append(_("A linked vote keeps its own counts; leave the counts empty."))
        if problems:
            raise MeetingError(problems)
        res.development_step = development_step
        if not text:
            res.text = f"{development_step.get_kind_display()}：{development_step.person.name}"
    elif decision is not None:
        from django.contrib.contenttypes.models import ContentType

        from .selectors import decision_vote_candidates

        if decision not in decision_vote_candidates(meeting):
            raise MeetingError(_("This decision was not voted on at this meeting (same unit and date) or is already "
                                 "linked."))
        if any(v is not None for v in (present, yes, no, abstain)):
            raise MeetingError(_("A linked vote keeps its own counts; leave the counts empty."))
        res.decision_type = ContentType.objects.get_for_model(decision)
        res.decision_id = str(decision.pk)
        if not text:
            res.text = str(decision)
    elif any(v is not None for v in (present, yes, no, abstain)):
        counts = {"present": present or 0, "yes": yes or 0, "no": no or 0, "abstain": abstain or 0}
        entitled = entitled_on(meeting)
        try:
            DevelopmentVote(entitled=entitled, **counts).clean()    # the branch general meeting's vote rule
        except ValidationError as exc:
            raise MeetingError(exc.messages) from exc
        res.entitled = entitled
        for k, v in counts.items():
            setattr(res, k, v)
    if not res.text:
        raise MeetingError({"text": _("Enter the text of the resolution.")})
    res.full_clean()
    res.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=res, after=snapshot(res), unit=meeting.unit)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, note=_("Resolution added: %(t)s") % {
        "t": res.text[:120]})
    return res


@transaction.atomic
def resolution_delete(*, actor, resolution: Resolution) -> None:
    meeting = resolution.meeting
    before = snapshot(resolution)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=resolution, before=before, unit=meeting.unit)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, note=_("Resolution removed: %(t)s") % {
        "t": resolution.text[:120]})
    resolution.delete()


# -- attachments -------------------------------------------------------------------------------------------------

def _sniff(head: bytes) -> str | None:
    from branches.pdf import _sniff_image

    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return _sniff_image(head)


@transaction.atomic
def attachment_add(*, actor, meeting: Meeting, file, kind: str) -> MeetingAttachment:
    """Attach a photo (JPEG, PNG, GIF, WebP) or a PDF of at most 10 MB; the type is checked from the content."""
    name = os.path.basename(getattr(file, "name", "") or "")
    ext = os.path.splitext(name)[1].lower()
    size = getattr(file, "size", 0) or 0
    if ext not in ALLOWED_ATTACHMENT_TYPES:
        raise MeetingError({"file": _("%(n)s: only images (JPG, PNG, GIF, WebP) and PDF files can be attached.")
                            % {"n": name or "?"}})
    if size > MAX_ATTACHMENT_BYTES:
        raise MeetingError({"file": _("%(n)s is %(s).1f MB; the limit is %(m)d MB.") % {
            "n": name, "s": size / 1024 / 1024, "m": MAX_ATTACHMENT_BYTES // 1024 // 1024}})
    if size == 0:
        raise MeetingError({"file": _("%(n)s is empty.") % {"n": name}})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    sniffed = _sniff(head)
    if sniffed is None or sniffed != ALLOWED_ATTACHMENT_TYPES[ext] and not (
            sniffed.startswith("image/") and ALLOWED_ATTACHMENT_TYPES[ext].startswith("image/")):
        raise MeetingError({"file": _("%(n)s is not really a %(e)s file.") % {"n": name, "e": ext.lstrip(".").upper()}})
    att = MeetingAttachment(meeting=meeting, kind=kind, name=name[:200], content_type=sniffed, size=size,
                            uploaded_by=actor if getattr(actor, "pk", None) else None)
    att.file.save(name, file, save=False)
    att.full_clean()
    att.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=att, after=snapshot(att), unit=meeting.unit)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting, note=_("Attachment added: %(n)s") % {"n": name})
    return att


@transaction.atomic
def attachment_delete(*, actor, attachment: MeetingAttachment) -> None:
    meeting = attachment.meeting
    audit_record(actor=actor, action=AuditAction.DELETE, obj=attachment, before=snapshot(attachment), unit=meeting.unit)
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=meeting,
                 note=_("Attachment removed: %(n)s") % {"n": attachment.name})
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
