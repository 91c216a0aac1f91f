from django.urls import path

from portal.workdays.apis import DueDateApi

app_name = "workdays-api"

urlpatterns = [
    path("due-date/", DueDateApi.as_view(), name="due-date"),
]
