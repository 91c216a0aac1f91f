from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("excel/", views.overview_excel, name="overview-excel"),
    path("definitions/", views.definitions, name="definitions"),
    path("cases/", views.cases, name="cases"),
    path("cases/export/", views.cases_export, name="cases-export"),
    path("exports/<int:pk>/", views.export_detail, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("refresh/", views.refresh, name="refresh"),
    path("refresh/status/", views.refresh_status, name="refresh-status"),
]
