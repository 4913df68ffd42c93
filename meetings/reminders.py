"""Meeting-frequency reminders: once per unit, meeting type, period and phase, however often the job runs.

The daily job (Celery beat ``meetings.tasks.send_meeting_reminders``, management command ``send_meeting_reminders``)
computes the compliance of every active unit (meetings.compliance, a constant number of queries) and notifies the
unit's secretaries (in-app and email; a unit without its own secretary, e.g. a party group: the secretaries of the
nearest unit above that has any):

``due``      the current period ends within ``REMINDER_LEAD_DAYS`` (7) days and the required meetings are not held;
``overdue``  the last period has ended without them (应开未开; sent on the first run after the end).

A ``Reminder`` row (unit, kind ``meeting_frequency``, key ``"<type>:<period>:<phase>"``) is created in the same
transaction as the notification, so a second run (or a concurrent one) sends nothing.
"""
from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Reminder, Unit
from branches.notifications import notification_send, secretaries_by_unit
from members.policy import add_months

from .compliance import DUE, OVERDUE, compliance
from .policy import REMINDER_LEAD_DAYS

logger = logging.getLogger(__name__)
REMINDER_KIND = "meeting_frequency"


def reminder_key(meeting_type: str, period_key: str, phase: str) -> str:
    return f"{meeting_type}:{period_key}:{phase}"


def due_reminders(today: datetime.date, lead_days: int = REMINDER_LEAD_DAYS, units=None):
    """[(unit, PeriodResult, phase)] due on ``today``: constant queries whatever the number of units."""
    units = list(units if units is not None else Unit.objects.active().order_by("path"))
    data = compliance(units, add_months(today, -12), today, today)
    out = []
    for unit in units:
        current_or_last: dict[str, list] = {}
        for p in data[unit.pk].periods:
            current_or_last.setdefault(p.meeting_type, []).append(p)
        for mtype, periods in current_or_last.items():
            ended = [p for p in periods if p.span.end < today]
            if ended and ended[-1].state == OVERDUE:
                out.append((unit, ended[-1], "overdue"))
            for p in periods:
                if p.state == DUE and (p.span.end - today).days < lead_days:
                    out.append((unit, p, "due"))
    return out


def meeting_reminders_send(today: datetime.date | None = None, lead_days: int = REMINDER_LEAD_DAYS) -> int:
    """Send the meeting reminders due on ``today`` (default: today). Returns how many were sent."""
    today = today or timezone.localdate()
    due = due_reminders(today, lead_days)
    if not due:
        return 0
    sent_keys = set(Reminder.objects.filter(kind=REMINDER_KIND).values_list("unit_id", "key"))
    todo = [(u, p, ph) for u, p, ph in due if (u.pk, reminder_key(p.meeting_type, p.span.key, ph)) not in sent_keys]
    recipients = secretaries_by_unit(u for u, _p, _ph in todo)
    sent = 0
    for unit, period, phase in todo:
        users = recipients.get(unit.pk)
        if not users:
            logger.warning("Meeting reminder for %s (%s): nobody to notify", unit, period.span.key)
            continue
        key = reminder_key(period.meeting_type, period.span.key, phase)
        url = reverse("meetings:compliance") + f"?unit={unit.pk}&year={period.span.start.year}"
        if phase == "overdue":
            title = _("%(u)s: %(type)s overdue for %(p)s") % {"u": unit.display_name, "type": period.type_label,
                                                              "p": period.span.label}
        else:
            title = _("%(u)s: %(type)s still to hold by %(d)s") % {"u": unit.display_name, "type": period.type_label,
                                                                   "d": period.span.end.isoformat()}
        body = f"{period.advice(today)}\n{period.rule.text}（{period.rule.source}）"
        try:
            with transaction.atomic():
                _row, created = Reminder.objects.get_or_create(unit=unit, kind=REMINDER_KIND, key=key)
                if not created:
                    continue
                notification_send(recipients=users, title=title, body=body, url=url, unit=unit)
        except IntegrityError:      # a concurrent run inserted the same row first
            continue
        sent += 1
    return sent
