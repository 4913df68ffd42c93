from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("Dues")

    def ready(self):
        # The dashboard's to-do lines and the person page's dues panel (branches never imports dues).
        from branches import registry

        from . import hooks

        registry.dashboard_tasks.register(hooks.dashboard_tasks)
        registry.person_panels.register(hooks.person_panels)
