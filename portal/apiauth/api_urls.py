from django.urls import path

from portal.apiauth.api import TokenApi

app_name = "apiauth"
urlpatterns = [path("token/", TokenApi.as_view(), name="token")]
