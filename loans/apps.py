from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = _("IP-pledge loans")

    def seed_demo(self) -> int:
        """Called by `manage.py seed_demo` after the organisations and logins exist."""
        from loans.demo import seed_demo

        return seed_demo()

    def home_links(self, user) -> list[dict]:
        """The loans card on the user's home page: the catalogue for all, each role's own work."""
        from portal.accounts.models import OrgKind, Role

        organisation, role = user.organisation, user.role
        links = [
            (_("Browse and compare the banks' IP-pledge loan products"), reverse("loans:product_catalogue"))
        ]
        if organisation is not None and organisation.kind == OrgKind.ENTERPRISE:
            links.insert(
                0,
                (
                    _("Check before you start: can we get an IP-pledge loan?"),
                    reverse("loans:eligibility_check"),
                ),
            )
        if (
            organisation is not None
            and organisation.kind == OrgKind.BANK
            and role
            in {
                Role.BANK_OFFICER,
                Role.BANK_MANAGER,
            }
        ):
            links.append((_("Our loan products"), reverse("loans:bank_product_list")))
        return [{"title": _("Loan products"), "testid": "home-loan-products", "links": links}]
