"""Pages of the IP bureau (review), the finance bureau (payments and clawbacks), the banks' overall NPL
ratios and the reports, included by riskcomp/urls.py under /riskcomp/ in the "riskcomp" namespace."""

from django.urls import path

from riskcomp import finance_views, report_views, review_views

urlpatterns = [
    # Review (four eyes)
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/<int:pk>/", review_views.review_detail, name="review-detail"),
    path("review/<int:pk>/start/", review_views.review_start, name="review-start"),
    path("review/<int:pk>/correction/", review_views.review_correction, name="review-correction"),
    path("review/<int:pk>/propose/", review_views.review_propose, name="review-propose"),
    path("review/<int:pk>/decide/", review_views.review_decide, name="review-decide"),
    # Finance: payments and clawbacks
    path("payments/", finance_views.payment_queue, name="payment-queue"),
    path("payments/claims/<int:pk>/paid/", finance_views.claim_mark_paid, name="claim-mark-paid"),
    path("payments/recoveries/<int:pk>/settle/", finance_views.clawback_settle, name="clawback-settle"),
    # The banks' overall NPL ratios
    path("npl-ratios/", report_views.npl_ratio_page, name="npl-ratios"),
    # Reports
    path("reports/", report_views.report, name="report"),
    path("reports/excel/", report_views.report_excel, name="report-excel"),
]
