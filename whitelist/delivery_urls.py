"""The deliveries pages (whitelist.delivery_views), included by whitelist/urls.py under the "whitelist"
namespace at /whitelist/."""

from django.urls import path

from whitelist import delivery_views

urlpatterns: list = [
    path("deliveries/", delivery_views.delivery_list_view, name="delivery_list"),
    path("deliveries/webhook/", delivery_views.webhook_settings, name="webhook_settings"),
    path("deliveries/<int:pk>/", delivery_views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/excel/", delivery_views.delivery_excel, name="delivery_excel"),
    path("deliveries/<int:pk>/ack/", delivery_views.delivery_ack, name="delivery_ack"),
    path("deliveries/<int:pk>/resend/", delivery_views.delivery_resend_view, name="delivery_resend"),
]
