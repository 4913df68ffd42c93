"""Celery tasks: thin wrappers around services (each also has a management command of the same name)."""
from celery import shared_task

from .lapse import dues_lapse_check as _lapse_check
from .services import dues_charges_generate as _charges_generate


@shared_task
def dues_charges_generate():
    """Daily: the missing monthly charges up to this month (idempotent). Returns how many were created."""
    return _charges_generate()


@shared_task
def dues_lapse_check():
    """Monthly: the six-month lapse check (warnings at 3 and 5 months, a case at 6; once each)."""
    return str(_lapse_check())
