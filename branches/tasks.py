"""Celery tasks: thin wrappers around services (each also has a management command of the same name)."""
from celery import shared_task

from .reminders import term_reminders_send


@shared_task
def send_term_reminders():
    """Daily: committee-term expiry reminders (once per unit and threshold). Returns how many were sent."""
    return term_reminders_send()
