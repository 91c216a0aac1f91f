"""Partner departments' indicator files (whitelist staff); mounted under the "whitelist" namespace."""

from django.urls import path

from whitelist import import_views

urlpatterns: list = [
    path("indicators/", import_views.import_list_view, name="import_list"),
    path("indicators/sample.csv", import_views.import_sample_view, name="import_sample"),
    path("indicators/<int:pk>/", import_views.import_detail_view, name="import_detail"),
    path("indicators/<int:pk>/errors.csv", import_views.import_errors_csv_view, name="import_errors_csv"),
]
