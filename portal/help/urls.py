from django.urls import path

from portal.help import views

app_name = "help"

urlpatterns = [
    path("", views.index, name="index"),
    path("faq/", views.faq, name="faq"),
    path("guides/<slug:role>/", views.guide, name="guide"),
]
