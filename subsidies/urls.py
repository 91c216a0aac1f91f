from django.urls import include, path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    # The enterprise's applications and the banks' confirmations (application_urls), the IP bureau's
    # batches, review, publicity and the finance bureau's payment lists (staff_urls), the public notice.
    path("", include("subsidies.application_urls")),
    path("", include("subsidies.staff_urls")),
]
