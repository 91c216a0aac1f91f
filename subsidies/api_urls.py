from django.urls import path

from subsidies.apis import FeeQuoteApi, InterestQuoteApi

app_name = "subsidies-public-api"

urlpatterns = [
    path("interest/quote/", InterestQuoteApi.as_view(), name="interest-quote"),
    path("fee/quote/", FeeQuoteApi.as_view(), name="fee-quote"),
]
