"""URLs of the development rules page (members/views_rules.py); included in members.urls."""
from django.urls import path

from . import views_rules

urlpatterns = [
    path("development/rules/", views_rules.RuleListView.as_view(), name="rule_list"),
]
