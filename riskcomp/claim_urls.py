from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("claims/<int:pk>/", RedirectView.as_view(url="/"), name="claim-detail"),
]
