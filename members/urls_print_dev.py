"""URLs of the development printables (members/views_print_dev.py); included in members.urls."""
from django.urls import path

from . import views_print_dev

urlpatterns = [
    path("<int:pk>/dossier.pdf", views_print_dev.person_dossier_pdf, name="person_dossier_pdf"),
    path("<int:pk>/activist-form.pdf", views_print_dev.person_activist_form_pdf, name="person_activist_form_pdf"),
    path("<int:pk>/public-notice.pdf", views_print_dev.person_public_notice_pdf, name="person_public_notice_pdf"),
    path("public-notice/<int:unit_pk>.pdf", views_print_dev.unit_public_notice_pdf, name="unit_public_notice_pdf"),
]
