"""The whitelist's pages: the rules and their explanation, screening runs, consent (``pages_urls``),
indicator uploads (``import_urls``), and review and publication of batches (``batch_urls``)."""

from whitelist import batch_urls, import_urls, page_urls

app_name = "whitelist"
urlpatterns = [*page_urls.urlpatterns, *import_urls.urlpatterns, *batch_urls.urlpatterns]
