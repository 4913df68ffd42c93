from django.urls import path

from . import (urls_devstats, urls_holidays, urls_print_dev, urls_review, urls_rules, urls_transfer, views, views_pipeline,
               views_print)

app_name = "members"

urlpatterns = [
    path("", views.PersonListView.as_view(), name="person_list"),
    path("export.xlsx", views.PersonExportView.as_view(), name="person_export"),
    path("new/", views.PersonCreateView.as_view(), name="person_create"),
    path("import/", views.PersonImportView.as_view(), name="person_import"),
    path("import/template.xlsx", views.PersonImportTemplateView.as_view(), name="person_import_template"),
    path("<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("<int:pk>/edit/", views.PersonEditView.as_view(), name="person_edit"),
    path("<int:pk>/development/", views_pipeline.PersonPipelineView.as_view(), name="person_pipeline"),
    # Printables (owned by members/views_print.py)
    path("roll/<int:unit_pk>.pdf", views_print.unit_roll_pdf, name="unit_roll_pdf"),
    path("<int:pk>/card.pdf", views_print.person_card_pdf, name="person_card_pdf"),
    # Each module below owns its own pages.
    *urls_review.urlpatterns,
    *urls_devstats.urlpatterns,
    *urls_rules.urlpatterns,
    *urls_holidays.urlpatterns,
    *urls_transfer.urlpatterns,
    *urls_print_dev.urlpatterns,
]
