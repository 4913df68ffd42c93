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
}
