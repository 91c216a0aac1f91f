"""URLs of the whitelist's rules, screening and consent pages, included by whitelist/urls.py under the
"whitelist" namespace (mounted at /whitelist/)."""

from django.urls import path

from whitelist import views

urlpatterns: list = [
    path("rules/current/", views.rules_current_view, name="rules_current"),
    path("rules/", views.rule_list_view, name="rule_list"),
    path("rules/new/", views.rule_new_view, name="rule_new"),
    path("rules/<int:pk>/", views.rule_detail_view, name="rule_detail"),
    path("rules/<int:pk>/edit/", views.rule_edit_view, name="rule_edit"),
    path("rules/<int:pk>/activate/", views.rule_activate_view, name="rule_activate"),
    path("screening/", views.run_list_view, name="run_list"),
    path("screening/new/", views.run_create_view, name="run_create"),
    path("screening/<int:pk>/", views.run_detail_view, name="run_detail"),
    path("screening/<int:pk>/progress/", views.run_progress_view, name="run_progress"),
    path("consent/", views.consent_view, name="consent"),
]
