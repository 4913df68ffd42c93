"""The discipline rules page (纪律工作规定): the periods in force for a unit (answer deadlines, probation lengths,
impact periods, reminder lead times) and, for a committee's administrators, a new value for its subtree from a
date on. Reading needs DISCIPLINE_VIEW; adding a value needs UNIT_MANAGE on the committee. The page is
``branches.views.rules`` (as the development rules page)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.permissions import DISCIPLINE_VIEW
from branches.views.rules import RuleListViewBase

from .policy import DisciplinePolicySet
from .views import _Tabs


class RuleListView(_Tabs, RuleListViewBase):
    book = DisciplinePolicySet
    read_action = DISCIPLINE_VIEW
    url_name = "discipline:rule_list"
    title = gettext_lazy("Discipline rules")
    template_name = "discipline/rule_list.html"

    def crumbs(self):
        return [(reverse("discipline:case_list"), _("Discipline")), (None, _("Discipline rules"))]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tabs"] = self.tabs()
        return ctx
