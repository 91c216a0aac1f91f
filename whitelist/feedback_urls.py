"""Pages of the banks' feedback, overdue feedback, recommendations and the funnel report."""

from django.urls import path

from whitelist import feedback_views

urlpatterns = [
    path("feedback/overdue/", feedback_views.feedback_overdue, name="feedback_overdue"),
    path("feedback/<int:entry_pk>/", feedback_views.feedback_entry, name="feedback_entry"),
    path("recommendations/", feedback_views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/", feedback_views.recommendation_detail, name="recommendation_detail"),
    path("reports/funnel/", feedback_views.funnel_report_view, name="funnel_report"),
    path("reports/funnel.xlsx", feedback_views.funnel_excel, name="funnel_excel"),
]
