"""URLs of transfers of organizational relation (members/views_transfer.py); included in members.urls."""
urlpatterns = []
