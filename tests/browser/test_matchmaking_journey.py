"""In Chromium, the demand pool and a park event (issue 9): an enterprise posts a need, bank A claims it, logs
a contact and records credit granted, and the enterprise sees the outcome; a park administrator publishes an
event, an enterprise user registers, the organiser checks them in and records a match with bank A, and bank A
finds the follow-up in its claims."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matchmaking.models import Demand, DemandStatus, Event, Registration
from portal.accounts.models import District, OrgKind, Role
from portal.accounts.services import organisation_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_need_claimed_contacted_and_credit_granted(browse, enterprise_user, bank_a_officer):
    def enterprise_posts(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/matchmaking/needs/new/")
        page.fill("input[name=amount]", "2000000")
        page.fill("input[name=term_months]", "12")
        page.fill("textarea[name=purpose]", "扩大芯片封测产能")
        page.check("input[name=consent]")
        page.click("[data-testid=need-submit]")
        page.wait_for_selector("[data-testid=need-facts]")

    def bank_claims_contacts_and_grants(page):
        demand = Demand.objects.get()
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/matchmaking/pool/")
        page.click(f"[data-testid=pool-row] a:has-text('{demand.reference}')")
        page.click("[data-testid=claim-submit]")
        page.wait_for_selector("[data-testid=contact-submit]")
        page.select_option("select[name=channel]", "visit")
        page.fill("textarea[name=summary]", "实地走访，核实专利")
        page.click("[data-testid=contact-submit]")
        page.wait_for_selector("[data-testid=contact-row]")
        page.select_option("select[name=outcome]", "credit_granted")
        page.fill("input[name=credit_amount]", "1800000")
        page.click("[data-testid=outcome-submit]")
        page.wait_for_selector("[data-testid=credit-amount]:has-text('1,800,000.00')")

    def enterprise_sees_the_outcome(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/matchmaking/needs/")
        page.click("[data-testid=need-row] a")
        page.wait_for_selector("[data-testid=credit-amount]:has-text('1,800,000.00')")
        return page.inner_text("[data-testid=need-status]")

    browse(enterprise_posts)
    browse(bank_claims_contacts_and_grants)
    status = browse(enterprise_sees_the_outcome, locale="en")
    assert Demand.objects.get().status == DemandStatus.CREDIT_GRANTED
    assert status


def test_event_registration_check_in_and_match_to_a_claim(
    browse, make_user, enterprise_user, bank_a, bank_a_manager
):
    office = organisation_create(
        name="中关村科学城管理委员会", kind=OrgKind.PARK_ADMIN, district=District.HAIDIAN
    )
    park_admin = make_user("park_admin_b", office, Role.PARK_ADMIN)
    # The event starts within the hour so that check-in ("on the day") works in the same test.
    start = timezone.localtime() + timedelta(minutes=50)
    if start.date() != timezone.localdate():
        pytest.skip("the event would start tomorrow (the test runs just before midnight)")

    def organiser_publishes(page):
        sign_in(page, park_admin.username, PASSWORD)
        page.goto("/matchmaking/events/new/")
        page.select_option("select[name=kind]", "matchmaking")
        page.fill("input[name=title]", "银企对接会")
        page.fill("input[name=place]", "海淀园会议中心")
        page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=ends_at]", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("input[name=capacity]", "20")
        page.fill(
            "input[name=registration_deadline]", (start - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
        )
        page.select_option("select[name=banks]", str(bank_a.pk))
        page.click("[data-testid=event-save]")
        page.click("[data-testid=move-published]")
        page.wait_for_selector("[data-testid=register], [data-testid=registration-refusal]")

    def enterprise_registers(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/matchmaking/events/")
        page.click("[data-testid=event-row] a")
        page.click("[data-testid=register]")
        page.wait_for_selector("[data-testid=registered]")

    def organiser_checks_in_and_matches(page):
        registration = Registration.objects.get()
        sign_in(page, park_admin.username, PASSWORD)
        page.goto(f"/matchmaking/events/{Event.objects.get().pk}/check-in/")
        page.click(f"[data-testid=checkin-{registration.pk}]")
        page.wait_for_selector(f"[data-testid=checkin-{registration.pk}]", state="detached")
        page.select_option("select[name=enterprise]", str(enterprise_user.organisation.pk))
        page.select_option("select[name=bank]", str(bank_a.pk))
        page.fill("input[name=amount]", "3000000")
        page.fill("input[name=term_months]", "12")
        page.click("[data-testid=match-submit]")
        page.wait_for_selector("[data-testid=match-row]")

    def bank_sees_the_follow_up(page):
        sign_in(page, bank_a_manager.username, PASSWORD)
        page.goto("/matchmaking/claims/")
        return page.inner_text("[data-testid=live-claims]")

    browse(organiser_publishes)
    browse(enterprise_registers)
    browse(organiser_checks_in_and_matches)
    claims = browse(bank_sees_the_follow_up)
    demand = Demand.objects.get()
    assert demand.reference in claims and demand.status == DemandStatus.CLAIMED and demand.bank == bank_a
