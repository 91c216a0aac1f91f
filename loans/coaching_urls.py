"""URLs of the coaching pages, included by loans/urls.py under the "loans" namespace."""

from django.urls import path

from loans import coaching_views

urlpatterns: list = [
    path("", coaching_views.coaching_mine_view, name="coaching_mine"),
    path("new/", coaching_views.coaching_new_view, name="coaching_new"),
    path("queue/", coaching_views.coaching_queue_view, name="coaching_queue"),
    path("cases/", coaching_views.coaching_cases_view, name="coaching_cases"),
    path("timeline/", coaching_views.coaching_timeline_view, name="coaching_timeline"),
    path("<int:pk>/", coaching_views.coaching_detail_view, name="coaching_detail"),
    path("<int:pk>/assign/", coaching_views.coaching_assign_view, name="coaching_assign"),
    path("<int:pk>/transition/", coaching_views.coaching_transition_view, name="coaching_transition"),
    path("<int:pk>/sessions/", coaching_views.coaching_session_view, name="coaching_session"),
]
