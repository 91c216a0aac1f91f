"""The whitelist's API for banks (/api/v1/whitelist/): deliveries and their entries, acknowledgement,
feedback and recommendations."""

from whitelist import delivery_api_urls, feedback_api_urls

app_name = "whitelist-api"
urlpatterns = [*delivery_api_urls.urlpatterns, *feedback_api_urls.urlpatterns]
