"""URLs of development statistics and yearly plans (members/views_devstats.py); included in members.urls."""
urlpatterns = []
