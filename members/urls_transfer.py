"""URLs of transfers of organizational relation (members/views_transfer.py); included in members.urls."""
from django.urls import path

from . import views_transfer as v

urlpatterns = [
    path("transfers/", v.TransferListView.as_view(), name="transfer_list"),
    path("transfers/incoming/", v.TransferIncomingCreateView.as_view(), name="transfer_incoming_create"),
    path("transfers/<int:pk>/", v.TransferDetailView.as_view(), name="transfer_detail"),
    path("transfers/<int:pk>/accept/", v.TransferAcceptView.as_view(), name="transfer_accept"),
    path("transfers/<int:pk>/return/", v.TransferReturnView.as_view(), name="transfer_return"),
    path("transfers/<int:pk>/cancel/", v.TransferCancelView.as_view(), name="transfer_cancel"),
    path("transfers/<int:pk>/receipt/", v.TransferReceiptView.as_view(), name="transfer_receipt"),
    path("transfers/<int:pk>/letter.pdf", v.transfer_letter_pdf, name="transfer_letter_pdf"),
    path("<int:person_pk>/transfer/", v.PersonTransferCreateView.as_view(), name="person_transfer_create"),
]
