"""URLs of the loan pages, included by loans/urls.py under the "loans" namespace."""

from django.urls import path

from loans import case_views, import_views, loan_views

urlpatterns: list = [
    path("", loan_views.loan_list_view, name="loan_list"),
    path("<int:pk>/", loan_views.loan_detail_view, name="loan_detail"),
    path("<int:pk>/contract/", loan_views.loan_contract_view, name="loan_contract"),
    path("<int:pk>/participants/", loan_views.loan_participants_view, name="loan_participants"),
    path("<int:pk>/facts/", loan_views.loan_fact_view, name="loan_fact"),
    path("<int:pk>/cancel/", loan_views.loan_cancel_view, name="loan_cancel"),
]

# Batch uploads of loan facts (CSV / Excel).
urlpatterns += [
    path("imports/", import_views.import_list_view, name="import_list"),
    path("imports/new/", import_views.import_create_view, name="import_create"),
    path("imports/sample.csv", import_views.import_sample_view, {"kind": "csv"}, name="import_sample_csv"),
    path("imports/sample.xlsx", import_views.import_sample_view, {"kind": "xlsx"}, name="import_sample_xlsx"),
    path("imports/<int:pk>/", import_views.import_detail_view, name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.import_progress_view, name="import_progress"),
    path("imports/<int:pk>/errors.csv", import_views.import_errors_view, name="import_errors"),
]

# Financing cases: one number from the first coaching question to the last recovery.
urlpatterns += [
    path("cases/", case_views.case_list_view, name="case_list"),
    path("cases/<int:pk>/", case_views.case_detail_view, name="case_detail"),
]
