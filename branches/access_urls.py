from django.urls import path

from .views import access

app_name = "access"

urlpatterns = [
    path("appointments/", access.AppointmentListView.as_view(), name="appointment_list"),
    path("appointments/new/", access.AppointmentCreateView.as_view(), name="appointment_create"),
    path("appointments/<int:pk>/end/", access.AppointmentEndView.as_view(), name="appointment_end"),
    path("users/<int:pk>/", access.UserDetailView.as_view(), name="user_detail"),
    path("audit/", access.AuditListView.as_view(), name="audit_list"),
    path("audit/<int:pk>/object/", access.AuditObjectView.as_view(), name="audit_object"),
    path("notifications/", access.NotificationListView.as_view(), name="notification_list"),
    path("notifications/read-all/", access.notification_mark_all_read, name="notification_mark_all_read"),
    path("notifications/<int:pk>/open/", access.notification_open_view, name="notification_open"),
    path("unit/switch/", access.unit_switch, name="unit_switch"),
]
