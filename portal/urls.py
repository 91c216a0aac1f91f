from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import search, views

api_v1 = [
    # Public, stable API (api-contract.md): no login, throttled per client IP.
    path("public/identifiers/", include("portal.identifiers.api_urls")),
    path("public/calendar/", include("portal.workdays.api_urls")),
    path("public/subsidies/", include("subsidies.api_urls")),
    path("public/riskcomp/", include("riskcomp.api_urls")),
    # Partner systems trade their client id and secret for an hour's bearer token here.
    path("oauth/", include("portal.apiauth.api_urls")),
    # Authenticated API: the rest of /api/v1/ (a bearer token, or the browser's session).
    path("notifications/", include("portal.notifications.api_urls")),
    path("registrations/", include("pledges.api_urls")),
    path("loans/", include("loans.api_urls")),
    path("whitelist/", include("whitelist.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search.search_view, name="search"),
    path("accounts/", include("portal.accounts.urls")),
    path("policy/", include("portal.policy.urls")),
    path("help/", include("portal.help.urls")),
    path("identifiers/", include("portal.identifiers.urls")),
    path("calendar/", include("portal.workdays.urls")),
    path("notifications/", include("portal.notifications.urls")),
    path("pledges/", include("pledges.urls")),
    path("loans/", include("loans.urls")),
    path("whitelist/", include("whitelist.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("riskcomp/", include("riskcomp.urls")),
    path("matchmaking/", include("matchmaking.urls")),
    path("ratings/", include("ratings.urls")),
    path("disposal/", include("disposal.urls")),
    path("training/", include("training.urls")),
    path("stats/", include("stats.urls")),
    # Showing a masked phone or ID number in full: permission, reason, audit row (security.md check 37).
    path("privacy/", include("portal.privacy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP runs no inline script (portal/security.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("livez", views.livez, name="livez"),
    path("healthz", views.healthz, name="healthz"),
]

# --- JSON 404 under /api/ (helper F, schema fuzzing; security.md check 22) ---
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
