from django.urls import path

from . import views

app_name = "dues"

urlpatterns = [
    path("", views.DuesHomeView.as_view(), name="home"),
    path("unit/<int:unit_pk>/sheet/", views.MonthSheetView.as_view(), name="month_sheet"),
    path("unit/<int:unit_pk>/sheet/pay/", views.BulkPayView.as_view(), name="month_sheet_pay"),
    path("unit/<int:unit_pk>/sheet.pdf", views.MonthSheetPdfView.as_view(), name="month_sheet_pdf"),
    path("unit/<int:unit_pk>/sheet.xlsx", views.MonthSheetXlsxView.as_view(), name="month_sheet_xlsx"),
    path("unit/<int:unit_pk>/notice.pdf", views.NoticePdfView.as_view(), name="notice_pdf"),
    path("unit/<int:unit_pk>/register.pdf", views.UnitRegisterPdfView.as_view(), name="unit_register_pdf"),
    path("unit/<int:unit_pk>/arrears/", views.ArrearsView.as_view(), name="arrears"),
    path("unit/<int:unit_pk>/arrears.xlsx", views.ArrearsXlsxView.as_view(), name="arrears_xlsx"),
    path("unit/<int:unit_pk>/bases/", views.BaseListView.as_view(), name="base_list"),
    path("unit/<int:unit_pk>/bases/import/", views.BaseImportView.as_view(), name="base_import"),
    path("bases/template.xlsx", views.BaseImportTemplateView.as_view(), name="base_import_template"),
    path("unit/<int:unit_pk>/remittances/", views.RemittanceListView.as_view(), name="remittance_list"),
    path("unit/<int:unit_pk>/remittances/new/", views.RemittanceCreateView.as_view(), name="remittance_create"),
    path("remittance/<int:pk>.pdf", views.RemittancePdfView.as_view(), name="remittance_pdf"),
    path("member/<int:person_pk>/", views.MemberLedgerView.as_view(), name="member_ledger"),
    path("member/<int:person_pk>/register.pdf", views.MemberRegisterPdfView.as_view(), name="member_register_pdf"),
    path("member/<int:person_pk>/base/", views.BaseDeclareView.as_view(), name="base_declare"),
    path("member/<int:person_pk>/pay/", views.PaymentCreateView.as_view(), name="payment_create"),
    path("member/<int:person_pk>/relief/", views.ReliefCreateView.as_view(), name="relief_create"),
    path("payment/<int:pk>/", views.PaymentDetailView.as_view(), name="payment_detail"),
    path("payment/<int:pk>/reverse/", views.PaymentReverseView.as_view(), name="payment_reverse"),
    path("payment/<int:pk>/receipt.pdf", views.ReceiptPdfView.as_view(), name="receipt_pdf"),
    path("entry/<int:pk>/reverse/", views.ChargeReverseView.as_view(), name="charge_reverse"),
    path("cases/", views.LapseCaseListView.as_view(), name="lapsecase_list"),
    path("cases/<int:pk>/", views.LapseCaseDetailView.as_view(), name="lapsecase_detail"),
    path("rates/", views.RateTableListView.as_view(), name="ratetable_list"),
    path("rates/<int:pk>/", views.RateTableDetailView.as_view(), name="ratetable_detail"),
    path("unit/<int:unit_pk>/rates/new/", views.RateTableCreateView.as_view(), name="ratetable_create"),
    path("unit/<int:unit_pk>/rules/new/", views.PolicyCreateView.as_view(), name="policy_create"),
]
