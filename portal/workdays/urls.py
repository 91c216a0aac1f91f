from django.urls import path

from portal.workdays import views

app_name = "workdays"

urlpatterns = [
    path("due-date/", views.calculator, name="calculator"),
]
