"""URLs of the enterprise's subsidy applications, the banks' confirmations and the scoped file downloads,
included by subsidies/urls.py under /subsidies/ in the "subsidies" namespace."""

from django.urls import path

from subsidies import application_views as views
from subsidies import confirmation_views

urlpatterns: list = [
    # The enterprise's applications and the open batches (every application, read-only, for oversight).
    path("applications/", views.application_list, name="application-list"),
    path("batches/<int:batch_pk>/apply/", views.application_open, name="application-open"),
    # One application: the page notifications link to, for the enterprise and the oversight roles.
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/details/", views.application_details, name="application-details"),
    path("applications/<int:pk>/loans/portal/", views.loan_add_from_portal, name="application-loan-portal"),
    path("applications/<int:pk>/loans/entered/", views.loan_add_entered, name="application-loan-entered"),
    path(
        "applications/<int:pk>/loans/<int:line_pk>/correct/",
        views.loan_correct,
        name="application-loan-correct",
    ),
    path(
        "applications/<int:pk>/loans/<int:line_pk>/remove/",
        views.loan_remove,
        name="application-loan-remove",
    ),
    path("applications/<int:pk>/fees/", views.fee_add, name="application-fee-add"),
    path("applications/<int:pk>/fees/<int:fee_pk>/remove/", views.fee_remove, name="application-fee-remove"),
    path(
        "applications/<int:pk>/materials/<int:item_pk>/",
        views.material_upload,
        name="application-material-upload",
    ),
    path("applications/<int:pk>/preview/", views.application_preview, name="application-preview"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"),
    # The lending banks: entered loan figures to confirm or dispute.
    path("confirmations/", confirmation_views.confirmation_list, name="confirmation-list"),
    path("confirmations/<int:pk>/", confirmation_views.confirmation_decide, name="confirmation-decide"),
    # Loan evidence, fee invoices and materials, through the scope checks only.
    path("files/<str:kind>/<int:pk>/", confirmation_views.application_file, name="application-file"),
]
