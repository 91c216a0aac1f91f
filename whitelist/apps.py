from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class WhitelistConfig(AppConfig):
    name = "whitelist"
    verbose_name = _("Enterprise whitelist")

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from whitelist.search import search

        return search(user, query)

    def seed_demo(self) -> int:
        """Called by `manage.py seed_demo` after the organisations, logins and loans exist."""
        from whitelist.demo import seed_demo

        return seed_demo()

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from whitelist.home import home_work

        return home_work(user)

    def home_links(self, user) -> list[dict]:
        from portal.accounts.models import OrgKind
        from whitelist.permissions import (
            can_give_consent,
            can_report_feedback,
            can_set_webhook,
            is_report_viewer,
            is_whitelist_staff,
        )

        links = [(_("How enterprises are screened for the whitelist"), reverse("whitelist:rules_current"))]
        organisation = user.organisation
        if organisation is not None and organisation.kind in {
            OrgKind.ENTERPRISE,
            OrgKind.BANK,
            OrgKind.IP_BUREAU,
            OrgKind.JOINT_OFFICE,
        }:
            label = (
                _("Our IP profile")
                if organisation.kind == OrgKind.ENTERPRISE
                else _("Enterprise IP profiles")
            )
            links.append((label, reverse("whitelist:profile_lookup")))
        if can_give_consent(user)[0]:
            links.insert(
                0, (_("Our consent to sharing whitelist data with banks"), reverse("whitelist:consent"))
            )
        if organisation is not None and (
            organisation.kind in {OrgKind.BANK, OrgKind.JOINT_OFFICE} or is_whitelist_staff(user)
        ):
            links.append((_("Whitelist deliveries to banks"), reverse("whitelist:delivery_list")))
        if can_report_feedback(user)[0]:
            links.append((_("Whitelist feedback awaited from us"), reverse("whitelist:feedback_overdue")))
            links.append((_("Our recommendations of enterprises"), reverse("whitelist:recommendation_list")))
        if can_set_webhook(user)[0]:
            links.append((_("Webhook for whitelist deliveries"), reverse("whitelist:webhook_settings")))
        if is_report_viewer(user):
            links.append((_("Whitelist conversion funnel"), reverse("whitelist:funnel_report")))
        if is_whitelist_staff(user):
            links.append((_("Overdue bank feedback"), reverse("whitelist:feedback_overdue")))
            links.append((_("Banks' recommendations"), reverse("whitelist:recommendation_list")))
            links.append((_("Screening rules"), reverse("whitelist:rule_list")))
            links.append((_("Indicator uploads from partner departments"), reverse("whitelist:import_list")))
            links.append((_("Screening runs and candidates"), reverse("whitelist:run_list")))
            links.append((_("Review and publish whitelist batches"), reverse("whitelist:batch_list")))
        return [{"title": _("Enterprise whitelist"), "testid": "home-whitelist", "links": links}]
