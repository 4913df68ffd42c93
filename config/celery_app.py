"""The Celery application. Beat schedule lives here, in code."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("branch_admin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "term-expiry-reminders": {
        "task": "branches.tasks.send_term_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "development-reminders": {
        "task": "members.tasks.send_development_reminders",
        "schedule": crontab(hour=7, minute=10),
    },
    "dues-charges-generate": {
        "task": "dues.tasks.dues_charges_generate",
        "schedule": crontab(hour=6, minute=30),
    },
    "dues-lapse-check": {
        "task": "dues.tasks.dues_lapse_check",
        "schedule": crontab(day_of_month=1, hour=7, minute=20),
    },
    "meeting-reminders": {
        "task": "meetings.tasks.send_meeting_reminders",
        "schedule": crontab(hour=7, minute=20),
    },
    "discipline-effects": {
        "task": "discipline.tasks.apply_discipline_effects",
        "schedule": crontab(hour=0, minute=30),
    },
    "discipline-reminders": {
        "task": "discipline.tasks.send_discipline_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
}
