"""Pages of the IP bureau and the finance bureau for subsidies, and the public notice (no login)."""

from django.urls import path

from subsidies import batch_views, notice_views, payment_views, review_views

urlpatterns = [
    # Batches
    path("batches/", batch_views.batch_list, name="batch-list"),
    path("batches/new/", batch_views.batch_create_view, name="batch-create"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/edit/", batch_views.batch_edit, name="batch-edit"),
    path("batches/<int:pk>/budget/", batch_views.batch_budget, name="batch-budget"),
    path("batches/<int:pk>/status/", batch_views.batch_transition_view, name="batch-transition"),
    path("batches/<int:pk>/clone/", batch_views.batch_clone_view, name="batch-clone"),
    path("batches/<int:pk>/diff/", batch_views.batch_diff_view, name="batch-diff"),
    path("batches/<int:pk>/parameters/", batch_views.batch_correct, name="batch-correct"),
    path("batches/<int:pk>/parameters/adopt/", batch_views.batch_adopt_year, name="batch-adopt-year"),
    path(
        "batches/<int:pk>/recompute/", batch_views.batch_recompute_progress, name="batch-recompute-progress"
    ),
    path(
        "batches/<int:pk>/recompute/restart/",
        batch_views.batch_recompute_restart_view,
        name="batch-recompute-restart",
    ),
    # The checklist of a draft batch
    path("batches/<int:pk>/checklist/new/", batch_views.checklist_add, name="checklist-add"),
    path("batches/<int:pk>/checklist/<int:item_pk>/edit/", batch_views.checklist_edit, name="checklist-edit"),
    path(
        "batches/<int:pk>/checklist/<int:item_pk>/delete/",
        batch_views.checklist_delete,
        name="checklist-delete",
    ),
    path("batches/<int:pk>/checklist/<int:item_pk>/move/", batch_views.checklist_move, name="checklist-move"),
    path(
        "batches/<int:pk>/checklist/<int:item_pk>/template/",
        batch_views.checklist_template,
        name="checklist-template",
    ),
    # Publicity and objections
    path("batches/<int:pk>/publicity/", notice_views.publicity_start, name="publicity-start"),
    path(
        "batches/<int:pk>/publicity/close-due/", notice_views.publicity_close_due, name="publicity-close-due"
    ),
    path("batches/<int:pk>/objections/", notice_views.objection_list, name="objection-list"),
    path("objections/<int:pk>/resolve/", notice_views.objection_resolve, name="objection-resolve"),
    # Payment lists
    path(
        "batches/<int:pk>/payment-lists/new/", payment_views.payment_list_create, name="payment-list-create"
    ),
    path("payment-lists/", payment_views.payment_list_list, name="payment-list-list"),
    path("payment-lists/<int:pk>/", payment_views.payment_list_detail, name="payment-list-detail"),
    path("payment-lists/<int:pk>/excel/", payment_views.payment_list_excel, name="payment-list-excel"),
    path("payment-lists/<int:pk>/paid/", payment_views.payment_list_paid, name="payment-list-paid"),
    # Reports
    path("batches/<int:pk>/report/", payment_views.batch_report, name="batch-report"),
    path("batches/<int:pk>/report/excel/", payment_views.batch_report_excel, name="batch-report-excel"),
    # Review
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/<int:pk>/", review_views.review_detail, name="review-detail"),
    path("review/<int:pk>/start/", review_views.review_start, name="review-start"),
    path(
        "review/<int:pk>/materials/<int:material_pk>/",
        review_views.material_check,
        name="review-material-check",
    ),
    path("review/<int:pk>/correction/", review_views.review_correction, name="review-correction"),
    path("review/<int:pk>/propose/", review_views.review_propose, name="review-propose"),
    path("review/<int:pk>/decide/", review_views.review_decide, name="review-decide"),
    # The public notice (公示): no login
    path("notice/", notice_views.public_notice, name="public-notice"),
    path("notice/<int:pk>/objections/", notice_views.objection_lodge, name="objection-lodge"),
]
