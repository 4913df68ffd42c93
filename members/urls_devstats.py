"""URLs of development statistics and yearly plans (members/views_devstats.py); included in members.urls."""
from django.urls import path

from . import views_devstats

urlpatterns = [
    path("development/statistics/", views_devstats.DevStatsView.as_view(), name="dev_stats"),
    path("development/statistics.pdf", views_devstats.dev_stats_pdf, name="dev_stats_pdf"),
    path("development/plans/", views_devstats.PlanListView.as_view(), name="plan_list"),
    path("development/plans/new/", views_devstats.PlanCreateView.as_view(), name="plan_create"),
    path("development/plans/<int:pk>/", views_devstats.PlanEditView.as_view(), name="plan_edit"),
]
