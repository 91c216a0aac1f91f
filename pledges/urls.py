from django.urls import path

from pledges import register_views, views

app_name = "pledges"

urlpatterns = [
    path("assets/", register_views.asset_list_view, name="asset_list"),
    path("assets/new/", register_views.asset_create_view, name="asset_create"),
    path("assets/<int:pk>/", register_views.asset_detail_view, name="asset_detail"),
    path("legal-status/import/", register_views.legal_status_import_view, name="legal_status_import"),
    # Filing: the enterprise's filings, the pledgee's confirmations, the office's workbench, the case page.
    path("filings/", views.my_filings, name="my_filings"),
    path("filings/new/", views.filing_new, name="filing_new"),
    path("window/new/", views.window_filing_new, name="window_filing_new"),
    path("to-confirm/", views.to_confirm, name="to_confirm"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/reassign/", views.workbench_reassign, name="workbench_reassign"),
    path("on-time/", views.on_time_stats_view, name="on_time_stats"),
    path("cases/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("cases/<int:pk>/edit/", views.filing_edit, name="filing_edit"),
    path("cases/<int:pk>/materials/", views.material_upload_view, name="material_upload"),
    path("cases/<int:pk>/submit/", views.submit_view, name="submit"),
    path("cases/<int:pk>/confirm/", views.confirm_view, name="confirm"),
    path("cases/<int:pk>/send-back/", views.send_back_view, name="send_back"),
    path("cases/<int:pk>/party-move/", views.party_move_view, name="party_move"),
    path("cases/<int:pk>/waive/", views.waiver_view, name="waive"),
    path("cases/<int:pk>/cure/", views.cure_view, name="cure"),
    path("cases/<int:pk>/correction/", views.correction_view, name="correction"),
    path("cases/<int:pk>/contacts/", views.contact_view, name="contact"),
    path("cases/<int:pk>/move/", views.move_view, name="move"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
    path("materials/<int:pk>/tick/", views.material_tick_view, name="material_tick"),
]
