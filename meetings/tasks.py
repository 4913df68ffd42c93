"""Celery tasks: thin wrappers around services (each also has a management command of the same name)."""
from celery import shared_task

from .reminders import meeting_reminders_send


@shared_task
def send_meeting_reminders():
    """Daily: required meetings due within 7 days or overdue (once per unit, type, period and phase)."""
    return meeting_reminders_send()
