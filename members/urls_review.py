"""URLs of the committee reviewers' queue (members/views_review.py); included in members.urls."""
urlpatterns = []
