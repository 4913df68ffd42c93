"""URLs of the holiday calendar (members/views_holidays.py); included in members.urls."""
from django.urls import path

from . import views_holidays

urlpatterns = [
    path("holidays/", views_holidays.HolidayListView.as_view(), name="holiday_list"),
    path("holidays/new/", views_holidays.HolidayCreateView.as_view(), name="holiday_create"),
    path("holidays/<int:pk>/delete/", views_holidays.HolidayDeleteView.as_view(), name="holiday_delete"),
]
