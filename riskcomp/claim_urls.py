"""URLs of the banks' and participant institutions' risk compensation pages and the public calculator,
included by riskcomp/urls.py under /riskcomp/ in the "riskcomp" namespace."""

from django.urls import path

from riskcomp import calculator_views
from riskcomp import claim_views as views

urlpatterns: list = [
    # The claims the user sees (every claim for oversight), and the bank's non-performing loans to claim for.
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/open/<int:loan_pk>/", views.claim_open, name="claim-open"),
    # One claim: the page notifications link to, for the bank, the participants and the oversight roles.
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/figures/", views.claim_figures, name="claim-figures"),
    path("claims/<int:pk>/participants/", views.claim_participants, name="claim-participants"),
    path("claims/<int:pk>/evidence/<str:item>/", views.claim_evidence, name="claim-evidence"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim-submit"),
    path("claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("claims/<int:pk>/recoveries/", views.claim_recovery, name="claim-recovery"),
    # The participant institutions: their shares and their clawback parts to confirm.
    path("confirmations/", views.confirmation_list, name="confirmation-list"),
    path("confirmations/<int:pk>/", views.confirmation_decide, name="confirmation-decide"),
    path("clawbacks/<int:pk>/confirm/", views.clawback_confirm, name="clawback-confirm"),
    # Evidence, through the scope checks only.
    path("files/<int:pk>/", views.claim_file, name="claim-file"),
    # The public calculator (no login).
    path("calculator/", calculator_views.calculator, name="calculator"),
]
