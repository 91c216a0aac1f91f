"""URLs of the application pages, included by loans/urls.py under the "loans" namespace."""

from django.urls import path

from loans import application_views as views

urlpatterns: list = [
    # The enterprise: its requests, applying, one request with every bank's answer side by side.
    path("", views.request_list_view, name="request_list"),
    path("apply/", views.apply_view, name="application_apply"),
    path("requests/<int:pk>/", views.request_detail_view, name="request_detail"),
    # The bank: the review queue and one application (the enterprise opens it too).
    path("queue/", views.queue_view, name="application_queue"),
    path("<int:pk>/", views.application_detail_view, name="application_detail"),
    path("<int:pk>/assign/", views.assign_view, name="application_assign"),
    path("<int:pk>/request-info/", views.request_info_view, name="application_request_info"),
    path("<int:pk>/respond/", views.respond_view, name="application_respond"),
    path("<int:pk>/approve/", views.approve_view, name="application_approve"),
    path("<int:pk>/second-approve/", views.second_approve_view, name="application_second_approve"),
    path("<int:pk>/send-back/", views.send_back_view, name="application_send_back"),
    path("<int:pk>/decline/", views.decline_view, name="application_decline"),
    path("<int:pk>/withdraw/", views.withdraw_view, name="application_withdraw"),
    path("<int:pk>/accept/", views.accept_view, name="application_accept"),
    path("documents/<int:pk>/", views.document_download_view, name="application_document"),
]
