from django.urls import path

from portal.notifications import apis

app_name = "notifications-api"

urlpatterns = [
    path("", apis.NotificationListApi.as_view(), name="list"),
    path("<int:pk>/read/", apis.NotificationMarkReadApi.as_view(), name="mark-read"),
    path("read-all/", apis.NotificationMarkAllReadApi.as_view(), name="mark-all-read"),
]
