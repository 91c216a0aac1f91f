from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

api_v1 = [
    # Public, stable API (api-contract.md): no login, throttled per client IP.
    # Authenticated API: the rest of /api/v1/.
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("portal.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("livez", views.livez, name="livez"),
    path("healthz", views.healthz, name="healthz"),
]
