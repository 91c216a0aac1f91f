"""The whitelist's pages: the rules and their explanation, screening runs, consent (``page_urls``),
indicator uploads (``import_urls``), review and publication of batches (``batch_urls``), the banks'
deliveries (``delivery_urls``), feedback and recommendations (``feedback_urls``), and the enterprise IP profile (``profile_urls``)."""

from whitelist import batch_urls, delivery_urls, feedback_urls, import_urls, page_urls, profile_urls

app_name = "whitelist"
urlpatterns = [
    *page_urls.urlpatterns,
    *import_urls.urlpatterns,
    *batch_urls.urlpatterns,
    *delivery_urls.urlpatterns,
    *feedback_urls.urlpatterns,
    *profile_urls.urlpatterns,
]
