from django.urls import path

from portal.identifiers import apis

urlpatterns = [
    path("uscc/", apis.UsccCheckApi.as_view(), name="public-identifier-uscc"),
    path("patent/", apis.PatentCheckApi.as_view(), name="public-identifier-patent"),
]
