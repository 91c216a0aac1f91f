from django.urls import path

from whitelist import profile_views

urlpatterns = [
    path("profile/", profile_views.profile_lookup, name="profile_lookup"),
    path("profile/<str:uscc>/", profile_views.profile_detail, name="profile_detail"),
]
