"""Committee-term reminders: one notification per unit and threshold, ever.

For each current term (not replaced, unit not dissolved) that has reached a threshold (the first notice
6 months before expiry, the election request due 4 months before, 1 month before, expired), the unit's
secretaries are notified; when the unit has none, the administrators of its superior unit (the nearest
one up the tree that has any). A ``Reminder`` row (unit, kind, key) is created in the same transaction
as the notification, so the job acts once however often, and however concurrently, it runs. The key
carries the term id and the threshold: a newly elected term starts its reminders afresh. When a run
finds several thresholds passed at once (a late first run), only the most advanced one is sent.
"""
from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Role
from .models import Appointment, CommitteeTerm, Reminder, Unit
from .notifications import notification_send, unit_secretaries
from .warnings import POLICY, term_threshold, term_warning

logger = logging.getLogger(__name__)

REMINDER_KIND = "term_expiry"


def reminder_key(term: CommitteeTerm, threshold: str) -> str:
    return f"term:{term.pk}:{threshold}"


def term_reminder_recipients(unit: Unit) -> list:
    """The unit's secretaries; otherwise the admins of the nearest superior unit that has any."""
    recipients = unit_secretaries(unit)
    if recipients or unit.depth <= 1:
        return recipients
    step = Unit.steplen
    ancestor_paths = [unit.path[:i] for i in range(step, len(unit.path), step)]
    appts = list(Appointment.objects.filter(unit__path__in=ancestor_paths, role=Role.ADMIN, ended_at__isnull=True,
                                            unit__dissolved_on__isnull=True, user__is_active=True)
                 .select_related("user", "unit"))
    if not appts:
        return []
    nearest = max(a.unit.depth for a in appts)
    return list({a.user.pk: a.user for a in appts if a.unit.depth == nearest}.values())


def _send_one(term: CommitteeTerm, threshold: str, today: datetime.date) -> bool:
    """Record and send the reminder for ``term`` at ``threshold``; False when it was sent before."""
    unit = term.unit
    recipients = term_reminder_recipients(unit)
    if not recipients:
        logger.warning("Term reminder for %s (%s): nobody to notify", unit, threshold)
        return False
    warning = term_warning(unit, term.end_date, today, POLICY)
    try:
        with transaction.atomic():
            _row, created = Reminder.objects.get_or_create(unit=unit, kind=REMINDER_KIND,
                                                           key=reminder_key(term, threshold))
            if not created:
                return False
            notification_send(
                recipients=recipients,
                title=_("%(u)s: %(m)s") % {"u": unit.display_name, "m": warning.message},
                body=f"{warning.message}\n\n{warning.rule}",
                url=unit.get_absolute_url() + "#committee",
                unit=unit,
            )
    except IntegrityError:  # a concurrent run inserted the same row first
        return False
    return True


def term_reminders_send(today: datetime.date | None = None) -> int:
    """Send the term-expiry reminders due on ``today`` (default: today). Returns how many were sent."""
    today = today or timezone.localdate()
    terms = (CommitteeTerm.objects.filter(ended_on__isnull=True, unit__dissolved_on__isnull=True)
             .select_related("unit").order_by("end_date", "pk"))
    sent_keys = set(Reminder.objects.filter(kind=REMINDER_KIND).values_list("key", flat=True))
    sent = 0
    for term in terms:
        threshold = term_threshold(term.end_date, today, POLICY)
        if threshold is None or reminder_key(term, threshold) in sent_keys:
            continue
        if _send_one(term, threshold, today):
            sent += 1
    return sent
