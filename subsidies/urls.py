from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [path("calculator/", views.calculator, name="calculator")]
