from django.urls import path

from ratings import views

app_name = "ratings"

urlpatterns: list = [
    path("", views.to_give, name="to-give"),
    path("mine/", views.given, name="given"),
    path("<int:pk>/", views.invitation_detail, name="invitation-detail"),
    path("<int:pk>/rate/", views.invitation_rate, name="invitation-rate"),
    path("<int:pk>/decline/", views.invitation_decline, name="invitation-decline"),
    path("follow-ups/", views.follow_ups, name="follow-ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow-up-detail"),
    path("report/", views.report, name="report"),
]
