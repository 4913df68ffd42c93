from django.urls import path

from . import views_committee

app_name = "committee"

urlpatterns = [
    path("terms/<int:term_pk>/positions/new/", views_committee.PositionAddView.as_view(), name="position_add"),
    path("positions/<int:pk>/end/", views_committee.PositionEndView.as_view(), name="position_end"),
]
