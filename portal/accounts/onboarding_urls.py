from django.urls import path

from portal.accounts import onboarding_views as views

app_name = "onboarding"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("verification/", views.verification_queue, name="verification_queue"),
    path("verification/<int:pk>/", views.verification_detail, name="verification_detail"),
    path("organisation/members/", views.members, name="members"),
    path("organisation/invitations/", views.invitation_create, name="invitation_create"),
    path("organisation/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("organisation/members/<int:pk>/", views.member_update, name="member_update"),
    path("organisation/branches/new/", views.branch_create, name="branch_create"),
]
