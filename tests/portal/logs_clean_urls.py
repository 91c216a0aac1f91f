"""The portal's routes plus one view that fails, for the error path of tests/portal/test_logs_clean.py
(imported when the first request resolves, not when the tests are collected)."""

from django.urls import include, path

PHONE = "13912345678"
ID_NUMBER = "11010119900307123X"
FORGED_NAME = "a\r\nFAKE ENTRY"


def _boom(request):
    raise ValueError(f"cannot handle {FORGED_NAME} {PHONE} {ID_NUMBER}")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom), path("", include("portal.urls"))]
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
