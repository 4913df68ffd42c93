"""Celery tasks: thin wrappers around services (each also has a management command of the same name)."""
from celery import shared_task

from .reminders import development_reminders_send


@shared_task
def send_development_reminders():
    """Daily: membership-development reminders (once per person, item and period). Returns how many were sent."""
    return development_reminders_send()
