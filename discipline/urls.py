from django.urls import path

from . import views, views_rules

app_name = "discipline"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="case_list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/step/<slug:kind>/", views.CaseStepView.as_view(), name="case_step"),
    path("cases/<int:pk>/apply/", views.CaseApplyEffectView.as_view(), name="case_apply"),
    path("cases/<int:pk>/decision.pdf", views.CaseDecisionPdfView.as_view(), name="case_decision_pdf"),
    path("lapse/", views.LapseSourcesView.as_view(), name="lapse_sources"),
    path("lapse/dues/<int:pk>/open/", views.OpenFromDuesView.as_view(), name="lapse_open_dues"),
    path("lapse/absence/<int:pk>/open/", views.OpenFromAbsenceView.as_view(), name="lapse_open_absence"),
    path("letters/", views.LetterListView.as_view(), name="letter_list"),
    path("letters/new/", views.LetterCreateView.as_view(), name="letter_create"),
    path("letters/<int:pk>/", views.LetterDetailView.as_view(), name="letter_detail"),
    path("letters/<int:pk>/<slug:kind>/", views.LetterEventView.as_view(), name="letter_event"),
    path("letters/<int:pk>/letter.pdf", views.LetterPdfView.as_view(), name="letter_pdf"),
    path("appraisals/", views.AppraisalListView.as_view(), name="appraisal_list"),
    path("appraisals/new/", views.AppraisalCreateView.as_view(), name="appraisal_create"),
    path("appraisals/<int:pk>/", views.AppraisalDetailView.as_view(), name="appraisal_detail"),
    path("appraisals/<int:pk>/entry/<int:entry_pk>/", views.AppraisalEntryView.as_view(), name="appraisal_entry"),
    path("appraisals/<int:pk>/report/", views.AppraisalReportView.as_view(), name="appraisal_report"),
    path("appraisals/<int:pk>/results.pdf", views.AppraisalPdfView.as_view(), name="appraisal_pdf"),
    path("rules/", views_rules.RuleListView.as_view(), name="rule_list"),
    path("people/<int:pk>/file.pdf", views.PersonFilePdfView.as_view(), name="person_file"),
]
