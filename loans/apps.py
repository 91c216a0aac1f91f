from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "loans"
    verbose_name = _("IP-pledge loans")

    def case_links(self, user) -> list:
        """This app's scoped rows and their path to the financing case (portal.case_file)."""
        from loans.cases import case_links

        return case_links(user)

    def case_items(self, case, user) -> list:
        """This app's rows of a financing case that the user may see (portal.case_file)."""
        from loans.cases import case_items

        return case_items(case, user)

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from loans.search import search

        return search(user, query)

    def seed_demo(self) -> int:
        """Called by `manage.py seed_demo` after the organisations and logins exist."""
        from loans.demo import seed_demo

        return seed_demo()

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from loans.home import home_work

        return home_work(user)

    def timeline(self, organisation, user) -> list:
        """The enterprise's entries and next steps in this app, for its home page (portal/timeline.py)."""
        from loans.home import timeline

        return timeline(organisation, user)

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
        cards = [{"title": _("Loan products"), "testid": "home-loan-products", "links": links}]
        cards.extend(self._coaching_cards(user))
        cards.extend(self._application_cards(user))
        cards.extend(self._loan_cards(user))
        return cards

    def _coaching_cards(self, user) -> list[dict]:
        """Coaching before the loan: the enterprise asks, the promotion centre assigns, the coach works."""
        from loans.permissions import can_request_coaching, can_view_coaching_cases, can_view_coaching_queue

        links = []
        if can_request_coaching(user)[0]:
            links.append((_("Ask for coaching before the loan"), reverse("loans:coaching_new")))
            links.append((_("My coaching"), reverse("loans:coaching_mine")))
            links.append((_("Our financing timeline"), reverse("loans:coaching_timeline")))
        if can_view_coaching_queue(user)[0]:
            links.append((_("Coaching requests to assign"), reverse("loans:coaching_queue")))
        if can_view_coaching_cases(user)[0]:
            links.append((_("My coaching cases"), reverse("loans:coaching_cases")))
        if not links:
            return []
        return [{"title": _("Coaching"), "testid": "home-coaching", "links": links}]

    def _loan_cards(self, user) -> list[dict]:
        """The loans the user follows: a bank its book (and uploads), a borrower its own, oversight all."""
        from loans.permissions import can_import_loan_facts, can_view_loan_list

        links = []
        if can_view_loan_list(user)[0]:
            links.append((_("Loans and their facts"), reverse("loans:loan_list")))
        if can_import_loan_facts(user)[0]:
            links.append((_("Upload loan facts (CSV or Excel)"), reverse("loans:import_list")))
        if not links:
            return []
        return [{"title": _("Loans"), "testid": "home-loans", "links": links}]

    def _application_cards(self, user) -> list[dict]:
        """Loan requests for the enterprise, the review queue for bank staff and the promotion centre."""
        from loans.permissions import can_create_loan_request, can_view_application_queue

        links = []
        if can_create_loan_request(user)[0]:
            links.append((_("Apply for a loan to one or more banks"), reverse("loans:application_apply")))
            links.append((_("My loan requests"), reverse("loans:request_list")))
        if can_view_application_queue(user)[0]:
            links.append((_("Loan applications to review"), reverse("loans:application_queue")))
        if not links:
            return []
        return [{"title": _("Loan applications"), "testid": "home-loan-applications", "links": links}]
