from django.urls import path

from pledges import apis

app_name = "registrations-api"

urlpatterns = [
    path("", apis.RegistrationListCreateApi.as_view(), name="list"),
    path("<int:pk>/", apis.RegistrationDetailApi.as_view(), name="detail"),
    path("<int:pk>/confirm/", apis.RegistrationConfirmApi.as_view(), name="confirm"),
    path("<int:pk>/send-back/", apis.RegistrationSendBackApi.as_view(), name="send-back"),
]
