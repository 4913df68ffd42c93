from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .. import selectors
from ..permissions import VIEW
from ..scope import has_perm


class DashboardView(LoginRequiredMixin, TemplateView):
    """工作台: counts for the user's scope, structural warnings (most urgent first), appointments, inbox.

    It is the page after login, so a user without any appointment gets a page that says so (not a 403).
    """

    template_name = "branches/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Dashboard")
        ctx["has_scope"] = has_perm(self.request.user, VIEW, None)
        if ctx["has_scope"]:
            ctx.update(selectors.dashboard(self.request.user))
        return ctx
