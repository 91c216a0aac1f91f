from django.urls import path

from portal.identifiers import views

app_name = "identifiers"

urlpatterns = [
    path("check/", views.check, name="check"),
]
