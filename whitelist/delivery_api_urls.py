"""The deliveries API (whitelist.delivery_apis), included by whitelist/api_urls.py under the
"whitelist-api" namespace at /api/v1/whitelist/."""

from django.urls import path

from whitelist import delivery_apis

urlpatterns: list = [
    path("deliveries/", delivery_apis.DeliveryListApi.as_view(), name="delivery_list"),
    path("deliveries/<int:pk>/", delivery_apis.DeliveryDetailApi.as_view(), name="delivery_detail"),
    path("deliveries/<int:pk>/entries/", delivery_apis.DeliveryEntriesApi.as_view(), name="delivery_entries"),
    path("deliveries/<int:pk>/ack/", delivery_apis.DeliveryAcknowledgeApi.as_view(), name="delivery_ack"),
]
