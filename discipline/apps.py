from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "discipline"
    verbose_name = _("Discipline")

    def ready(self):
        # Feed the dashboard, the person page, the vote rule and the post rule (branches and members never import discipline).
        from branches import registry
        from members.committee_services import register_post_bar
        from members.pipeline import register_vote_suspension

        from . import hooks
        from .effects import post_bar, suspended_person_ids

        registry.dashboard_tasks.register(hooks.discipline_tasks)
        registry.person_panels.register(hooks.case_panels)
        register_vote_suspension(suspended_person_ids)
        register_post_bar(post_bar)
