from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.mfa_verify, name="mfa_verify"),
    path("login/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PortalPasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("security/", views.security, name="account_security"),
    path("security/mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("security/mfa/disable/", views.mfa_disable, name="mfa_disable"),
    path("security/mfa/recovery-codes/", views.mfa_recovery_regenerate, name="mfa_recovery_regenerate"),
    path("acting/", views.switch_acting_membership, name="switch_acting"),
    # Registration, verification, invitations and members (issue 11).
    path("", include("portal.accounts.onboarding_urls")),
]
