"""The banks' confirmation page (issue 6): a bank sees only the entered loans asked of it (its branch's,
or its group's at head office), pending first, and confirms or disputes them; the loan evidence
downloads for the bank asked and for whoever sees the application, and for nobody else."""

import pytest
from django.urls import reverse

from subsidies import applications as apps
from subsidies.models import ApplicationStatus, Confirmation, LoanLine
from tests.subsidies.factories import complete_details, entered_values, pdf, refreshed, upload_required

pytestmark = pytest.mark.django_db
S = ApplicationStatus
EN = {"accept-language": "en"}


def url(name: str, *args) -> str:
    return reverse(f"subsidies:{name}", args=args)


def _entered(batch, enterprise_user, bank, *, submit: bool = True) -> LoanLine:
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_entered(
        application=application, actor=enterprise_user, values=entered_values(bank), evidence=pdf("合同.pdf")
    )
    if submit:
        complete_details(application, enterprise_user)
        upload_required(application, enterprise_user)
        apps.application_submit(application=application, actor=enterprise_user)
    return line


@pytest.fixture
def asked(batch, enterprise_user, bank_a_branch) -> LoanLine:
    """An entered loan of bank A's branch, submitted: waiting for the bank."""
    return _entered(batch, enterprise_user, bank_a_branch)


def test_the_branch_and_its_head_office_see_the_line_asked_of_them(
    client, asked, bank_a_officer, bank_a_manager
):
    for user in (bank_a_officer, bank_a_manager):
        client.force_login(user)
        response = client.get(url("confirmation-list"), headers=EN)
        assert response.status_code == 200
        content = response.content.decode()
        assert f'data-testid="confirm-form-{asked.pk}"' in content
        assert asked.contract_number in content and "北京智芯科技有限公司" in content
        assert "500,000.00" in content and url("application-file", "evidence", asked.pk) in content
        assert "1 loan waits" in content


def test_another_bank_sees_nothing_and_cannot_decide(client, asked, bank_b_officer):
    client.force_login(bank_b_officer)
    content = client.get(url("confirmation-list")).content.decode()
    assert asked.contract_number not in content
    response = client.post(url("confirmation-decide", asked.pk), {"decision": "confirm"})
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.confirmation == Confirmation.PENDING


def test_a_draft_line_is_not_asked_yet(client, batch, enterprise_user, bank_a_branch, bank_a_officer):
    line = _entered(batch, enterprise_user, bank_a_branch, submit=False)
    client.force_login(bank_a_officer)
    assert line.contract_number not in client.get(url("confirmation-list")).content.decode()
    assert client.post(url("confirmation-decide", line.pk), {"decision": "confirm"}).status_code == 404
    assert client.get(url("application-file", "evidence", line.pk)).status_code == 404


def test_wrong_roles_get_403(client, asked, enterprise_user, reviewer):
    for user in (enterprise_user, reviewer):
        client.force_login(user)
        assert client.get(url("confirmation-list")).status_code == 403
        assert client.post(url("confirmation-decide", asked.pk), {"decision": "confirm"}).status_code == 403


def test_confirming_sends_the_application_to_review(client, asked, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(url("confirmation-decide", asked.pk), {"decision": "confirm"})
    assert response.status_code == 302 and response["Location"] == url("confirmation-list")
    asked.refresh_from_db()
    assert asked.confirmation == Confirmation.CONFIRMED and asked.confirmed_by == bank_a_officer
    application = refreshed(asked.application)
    assert application.status == S.SUBMITTED
    assert application.events.filter(action="loan_confirmed", actor=bank_a_officer).exists()
    content = client.get(url("confirmation-list"), headers=EN).content.decode()
    assert f'data-testid="confirm-form-{asked.pk}"' not in content and "Confirmed by the bank" in content


def test_a_dispute_needs_a_note_and_then_goes_back_to_the_enterprise(
    client, asked, bank_a_officer, enterprise_user
):
    client.force_login(bank_a_officer)
    response = client.post(
        url("confirmation-decide", asked.pk), {"decision": "dispute", "note": ""}, headers=EN
    )
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    asked.refresh_from_db()
    assert asked.confirmation == Confirmation.PENDING
    response = client.post(
        url("confirmation-decide", asked.pk), {"decision": "dispute", "note": "利息实付 480,000.00"}
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    application = refreshed(asked.application)
    assert asked.confirmation == Confirmation.DISPUTED and application.status == S.CORRECTION
    assert application.events.filter(to_status=S.CORRECTION, reason="利息实付 480,000.00").exists()
    # The enterprise sees the bank's note on its sheet and the correction page.
    client.force_login(enterprise_user)
    page = client.get(url("application-detail", application.pk), headers=EN).content.decode()
    assert "利息实付 480,000.00" in page and "Disputed by the bank" in page
    page = client.get(url("application-loan-correct", application.pk, asked.pk)).content.decode()
    assert 'data-testid="bank-note"' in page


def test_a_bad_decision_is_400(client, asked, bank_a_officer):
    client.force_login(bank_a_officer)
    assert client.post(url("confirmation-decide", asked.pk), {"decision": "maybe"}).status_code == 400


def test_the_evidence_downloads_for_the_bank_asked_and_the_enterprise_only(
    client, asked, bank_a_officer, bank_a_manager, enterprise_user, reviewer, bank_b_officer, outsider
):
    for user in (bank_a_officer, bank_a_manager, enterprise_user, reviewer):
        client.force_login(user)
        response = client.get(url("application-file", "evidence", asked.pk))
        assert response.status_code == 200, user
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]
        assert response["Content-Disposition"].startswith("attachment;")
    for user in (bank_b_officer, outsider):
        client.force_login(user)
        assert client.get(url("application-file", "evidence", asked.pk)).status_code == 404


def test_a_bank_cannot_download_the_enterprises_other_files(client, asked, bank_a_officer):
    material = asked.application.materials.first()
    client.force_login(bank_a_officer)
    assert client.get(url("application-file", "material", material.pk)).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, asked):
    response = client.get(url("application-file", "evidence", asked.pk))
    assert response.status_code == 302 and "login" in response["Location"]
