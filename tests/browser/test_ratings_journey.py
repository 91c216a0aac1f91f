"""In Chromium, a satisfaction rating's whole loop (issue 9): the enterprise rates its closed registration
1 star with a comment; the service commissioner reads it in the follow-up queue, records the callback and
then the rectification; the enterprise is invited again and rates 4 stars; the promotion centre's report
shows the case as satisfied (only the latest rating counts)."""

import pytest

from ratings.models import FollowUp, FollowUpKind, Invitation, InvitationStatus
from tests.browser.conftest import sign_in
from tests.browser.journey_steps import answer_rating
from tests.conftest import PASSWORD
from tests.ratings.factories import invite, registered_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_bad_rating_is_called_back_rectified_and_re_rated(
    browse, enterprise, enterprise_user, bank_a_branch, commissioner, promotion_officer
):
    case = registered_case(
        pledgor=enterprise, pledgee=bank_a_branch, commissioner=commissioner, actor=commissioner
    )
    invitation = invite(case)

    def enterprise_rates_one_star(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/ratings/")
        page.click(f"[data-testid=rate-{invitation.pk}]")
        answer_rating(page, 1)
        page.click("[data-testid=rating-submit]")
        # A dissatisfied rating needs a comment: the form comes back with the answers kept.
        page.wait_for_selector(".error")
        assert page.is_checked("[data-testid=scale-score] input[value='1']")
        page.fill("textarea[name=comment]", "补正清单前后不一致，来回跑了三次")
        page.click("[data-testid=rating-submit]")
        page.wait_for_selector("[data-testid=following-up]")

    def commissioner_calls_back_and_rectifies(page):
        sign_in(page, commissioner.username, PASSWORD)
        page.goto("/ratings/follow-ups/")
        callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
        rectification = FollowUp.objects.get(kind=FollowUpKind.RECTIFICATION)
        page.click(f"[data-testid=record-{callback.pk}]")
        page.wait_for_selector("[data-testid=rating-comment]:has-text('来回跑了三次')")
        page.fill("textarea[name=note]", "已电话回访：企业反映补正要求分三次告知")
        page.click("[data-testid=follow-up-submit]")
        page.click(f"[data-testid=record-{rectification.pk}]")
        page.fill("textarea[name=note]", "统一一次性告知补正清单，已培训窗口人员")
        page.click("[data-testid=follow-up-submit]")
        page.wait_for_selector("[data-testid=empty]")

    def enterprise_rates_again(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/ratings/")
        page.click(f"[data-testid=rate-{invitation.pk}]")
        answer_rating(page, 4)
        page.click("[data-testid=rating-submit]")
        page.wait_for_selector("[data-testid=invitation-status]")
        assert page.locator("[data-testid=rating-row]").count() == 2

    def promotion_centre_reads_the_report(page):
        sign_in(page, promotion_officer.username, PASSWORD)
        page.goto("/ratings/report/?date_from=2020-01-01&date_to=2030-12-31&cut=commissioner")
        row = page.locator("[data-testid=report-row]")
        assert row.locator("[data-testid=responses]").inner_text() == "1"
        assert row.locator("[data-testid=satisfaction]").inner_text() == "100.0%"
        assert row.locator("[data-testid=bad]").inner_text() == "1"

    browse(enterprise_rates_one_star)
    assert Invitation.objects.get().status == InvitationStatus.CALLBACK_DUE
    browse(commissioner_calls_back_and_rectifies)
    assert Invitation.objects.get().status == InvitationStatus.REINVITED
    browse(enterprise_rates_again)
    assert Invitation.objects.get().status == InvitationStatus.RERATED
    browse(promotion_centre_reads_the_report)
