"""The whitelist's API for banks (/api/v1/whitelist/): deliveries and their entries, acknowledgement,
feedback and recommendations, and the enterprise IP profile."""

from django.urls import path

from whitelist import delivery_api_urls, feedback_api_urls
from whitelist.profile_apis import ProfileApi

app_name = "whitelist-api"
urlpatterns = [
    *delivery_api_urls.urlpatterns,
    *feedback_api_urls.urlpatterns,
    path("enterprises/<str:uscc>/profile/", ProfileApi.as_view(), name="profile"),
]
