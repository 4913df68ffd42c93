from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("Organization")

    def ready(self):
        from . import tables_perf

        tables_perf.install()
