from django.urls import path

from portal.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("explainer/", views.explainer, name="explainer"),
]
