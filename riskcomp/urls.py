from django.urls import include, path

app_name = "riskcomp"
urlpatterns = [
    # The banks' and participants' pages (claim_urls); the IP bureau's review, finance and reports (staff_urls).
    path("", include("riskcomp.claim_urls")),
    path("", include("riskcomp.staff_urls")),
]
