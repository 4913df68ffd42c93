"""URLs of the development printables (members/views_print_dev.py); included in members.urls."""
urlpatterns = []
