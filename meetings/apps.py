from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        # The dashboard's to-do card (missing / overdue meetings) and the person page's attendance panel.
        from . import hooks

        hooks.register()
