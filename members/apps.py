from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        # Feed member-based data into the org-tree pages (branches never imports members).
        from . import committee_services, dashboard, unit_stats, warnings

        unit_stats.register()
        warnings.register()
        committee_services.register()
        dashboard.register()

        # The citizen ID in audit before/after data is masked for users without the permission.
        from branches.audit import register_sensitive_field
        from branches.permissions import MEMBER_VIEW_SENSITIVE

        from .idcard import mask

        register_sensitive_field("citizen_id", action=MEMBER_VIEW_SENSITIVE, mask=mask)
