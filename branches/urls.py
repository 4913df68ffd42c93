from django.urls import path

from .views import dashboard, tree

app_name = "branches"

urlpatterns = [
    path("", dashboard.DashboardView.as_view(), name="dashboard"),
    path("units/", tree.UnitTreeView.as_view(), name="unit_tree"),
    path("units/new/", tree.UnitCreateView.as_view(), name="unit_create"),
    path("units/<int:pk>/", tree.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", tree.UnitEditView.as_view(), name="unit_edit"),
    path("units/<int:pk>/move/", tree.UnitMoveView.as_view(), name="unit_move"),
    path("units/<int:pk>/merge/", tree.UnitMergeView.as_view(), name="unit_merge"),
    path("units/<int:pk>/dissolve/", tree.UnitDissolveView.as_view(), name="unit_dissolve"),
    path("units/<int:pk>/terms/new/", tree.TermCreateView.as_view(), name="term_create"),
]
