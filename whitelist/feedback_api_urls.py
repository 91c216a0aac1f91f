"""The banks' feedback on whitelist entries and their recommendations (/api/v1/whitelist/)."""

from django.urls import path

from whitelist import feedback_apis

urlpatterns = [
    path("entries/<int:entry_id>/feedback/", feedback_apis.EntryFeedbackApi.as_view(), name="entry_feedback"),
    path("recommendations/", feedback_apis.RecommendationListCreateApi.as_view(), name="recommendations"),
]
