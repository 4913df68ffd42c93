"""URLs of the committee reviewers' queue (members/views_review.py); included in members.urls."""
from django.urls import path

from . import views_review

urlpatterns = [
    path("review/", views_review.ReviewQueueView.as_view(), name="review_queue"),
    path("review/<int:pk>/", views_review.ReviewDetailView.as_view(), name="review_detail"),
    path("<int:person_pk>/development/submit/", views_review.ReviewSubmitView.as_view(), name="review_submit"),
]
