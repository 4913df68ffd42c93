from django.urls import path

from . import views, views_compliance, views_print

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("export.xlsx", views.MeetingExportView.as_view(), name="meeting_export"),
    path("new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path("<int:pk>/attendance/", views.MeetingAttendanceView.as_view(), name="meeting_attendance"),
    path("<int:pk>/held/", views.MeetingCompleteView.as_view(), name="meeting_complete"),
    path("<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("<int:pk>/notify/", views.MeetingNotifyView.as_view(), name="meeting_notify"),
    path("<int:pk>/calendar.ics", views.meeting_calendar, name="meeting_calendar"),
    path("<int:pk>/minutes.pdf", views_print.meeting_minutes_pdf, name="meeting_minutes_pdf"),
    path("<int:pk>/resolutions/new/", views.ResolutionCreateView.as_view(), name="resolution_create"),
    path("resolutions/<int:pk>/delete/", views.ResolutionDeleteView.as_view(), name="resolution_delete"),
    path("<int:pk>/attachments/new/", views.AttachmentCreateView.as_view(), name="attachment_create"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.AttachmentDeleteView.as_view(), name="attachment_delete"),
    path("compliance/", views_compliance.ComplianceView.as_view(), name="compliance"),
    path("compliance/export.xlsx", views_compliance.ComplianceExportView.as_view(), name="compliance_export"),
    path("compliance/matrix.pdf", views_compliance.CompliancePdfView.as_view(), name="compliance_pdf"),
    path("register/<int:unit_pk>/<int:year>.pdf", views_print.unit_register_pdf, name="unit_register_pdf"),
    path("attendance/", views_compliance.AttendanceReportView.as_view(), name="attendance_report"),
    path("attendance/export.xlsx", views_compliance.AttendanceExportView.as_view(), name="attendance_export"),
    path("rules/", views_compliance.PolicyView.as_view(), name="policy"),
]
