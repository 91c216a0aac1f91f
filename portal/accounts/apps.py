from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Users and organisations")

    def ready(self):
        from django.contrib import admin

        from portal.accounts import sessions  # noqa: F401 (connects the sign-in receivers)
        from portal.accounts.views import admin_login

        # The admin signs in through the portal's own page, so lockout, rate limits and the second factor
        # apply there too (the admin's own form would bypass them).
        admin.site.login = admin_login

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from portal.accounts import onboarding

        sections = []
        if onboarding.can_verify_organisations(user)[0]:
            pending = onboarding.verification_list(user=user).count()
            sections.append(
                {
                    "title": _("Enterprise verification"),
                    "testid": "home-verification",
                    "links": [
                        (
                            _("Verification queue (%(count)d pending)") % {"count": pending},
                            reverse("onboarding:verification_queue"),
                        )
                    ],
                }
            )
        if onboarding.can_administer_members(user)[0]:
            links = [(_("Members and invitations"), reverse("onboarding:members"))]
            if onboarding.can_create_branch(user)[0]:
                links.append((_("Open a branch"), reverse("onboarding:branch_create")))
            sections.append(
                {
                    "title": _("Organisation administration"),
                    "testid": "home-organisation-admin",
                    "links": links,
                }
            )
        return sections

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the organisations and logins exist."""
        from portal.accounts.onboarding_demo import seed_demo

        return seed_demo()
