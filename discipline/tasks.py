"""Celery tasks: thin wrappers around services (each also has a management command of the same name)."""
from celery import shared_task

from .effects import discipline_effects_apply, discipline_reminders_send


@shared_task
def apply_discipline_effects():
    """Daily: apply the decisions whose effect date has come (each once). Returns how many were applied."""
    return discipline_effects_apply()


@shared_task
def send_discipline_reminders():
    """Daily: answers due / overdue, probation within the party ending (each once). Returns how many were sent."""
    return discipline_reminders_send()
