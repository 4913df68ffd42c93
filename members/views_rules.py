"""The development rules page (发展党员工作规则): the periods and defaults in force for a unit, and, for a
committee's administrators, a new value for the committee's whole subtree from a date on.

Everyone may read the rules of the units they see (a secretary wants to know why a date is what it is);
adding a value needs UNIT_MANAGE on the committee. The page is ``branches.views.rules``; routes in
``urls_rules`` (included in members.urls).
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.permissions import VIEW
from branches.views.rules import RuleListViewBase

from .policy import PolicySet


class RuleListView(RuleListViewBase):
    book = PolicySet
    read_action = VIEW
    url_name = "members:rule_list"
    title = gettext_lazy("Development rules")
    template_name = "members/rules/rule_list.html"

    def crumbs(self):
        return [(reverse("members:dev_stats"), _("Membership development")), (None, _("Development rules"))]
