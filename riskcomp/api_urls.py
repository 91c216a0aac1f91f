from django.urls import path

from riskcomp.apis import QuoteApi

app_name = "riskcomp-public-api"

urlpatterns = [path("quote/", QuoteApi.as_view(), name="quote")]
