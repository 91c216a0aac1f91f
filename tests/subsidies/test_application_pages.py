"""The enterprise's subsidy application pages (issue 6): the list with the open batches, applying, the
application page with its calculation sheet, checklist and history, every editing button (the state
changes and an event row is written), the live recalculation, the entered-loan preview, submit and
withdraw, the oversight roles' read-only view, the downloads, and the refusals (404 outside the scope,
403 for the wrong role, 400 with the input kept)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies import applications as apps
from subsidies import review
from subsidies.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Confirmation,
    FeeLine,
    LoanLine,
    Material,
    Verdict,
)
from tests.subsidies.factories import (
    complete_details,
    entered_values,
    fee_values,
    make_batch,
    make_settled_loan,
    pdf,
    proposed_application,
    refreshed,
    submitted_application,
    upload_required,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus
D = Decimal
EN = {"accept-language": "en"}


def url(name: str, *args) -> str:
    return reverse(f"subsidies:{name}", args=args)


@pytest.fixture
def draft(batch, enterprise_user):
    return apps.application_open(batch=batch, actor=enterprise_user)


@pytest.fixture
def enterprise_client(client, enterprise_user):
    client.force_login(enterprise_user)
    return client


def entered_post(bank, **overrides) -> dict:
    data = {**entered_values(bank), "bank": bank.pk, "evidence": pdf("借款合同.pdf")}
    data.update(overrides)
    return data


def actions(application) -> list[str]:
    return list(application.events.values_list("action", flat=True))


# ---------------------------------------------------------------------------------------------------
# The list and applying


def test_enterprise_sees_the_open_batch_and_applies(enterprise_client, batch, enterprise_user):
    response = enterprise_client.get(url("application-list"), headers=EN)
    assert response.status_code == 200
    assert batch.title in response.content.decode()
    assert f'data-testid="apply-{batch.pk}"' in response.content.decode()
    response = enterprise_client.post(url("application-open", batch.pk))
    application = Application.objects.get(enterprise=enterprise_user.organisation)
    assert response.status_code == 302 and response["Location"] == url("application-detail", application.pk)
    assert application.status == S.DRAFT and actions(application) == ["opened"]
    listed = enterprise_client.get(url("application-list"), headers=EN).content.decode()
    assert application.reference in listed and "Continue application" in listed


def test_applying_twice_shows_the_refusal_naming_the_live_application(enterprise_client, draft, batch):
    response = enterprise_client.post(url("application-open", batch.pk), headers=EN)
    assert response.status_code == 400
    content = response.content.decode()
    assert draft.reference in content and 'data-testid="open-error-link"' in content
    assert url("application-detail", draft.pk) in content
    assert Application.objects.count() == 1


def test_an_enterprise_lists_only_its_own_applications(client, draft, outsider, batch):
    client.force_login(outsider)
    response = client.get(url("application-list"))
    assert response.status_code == 200 and draft.reference not in response.content.decode()


def test_a_bank_cannot_open_the_application_list_or_apply(client, bank_a_officer, batch):
    client.force_login(bank_a_officer)
    assert client.get(url("application-list")).status_code == 403
    assert client.post(url("application-open", batch.pk)).status_code == 403


def test_oversight_sees_every_application_filtered_by_batch_and_status(
    client, draft, reviewer, joint_office_viewer, finance_officer, other_enterprise, make_user, batch
):
    other_user = make_user("other_ent", other_enterprise, "enterprise_user")
    other = apps.application_open(batch=batch, actor=other_user)
    apps.application_withdraw(application=other, actor=other_user, reason="x")
    for user in (reviewer, joint_office_viewer, finance_officer):
        client.force_login(user)
        content = client.get(url("application-list")).content.decode()
        assert draft.reference in content and other.reference in content
        assert 'data-testid="apply-' not in content
    filtered = client.get(url("application-list"), {"status": S.WITHDRAWN, "batch": batch.pk})
    assert other.reference in filtered.content.decode()
    assert draft.reference not in filtered.content.decode()
    assert client.get(url("application-list"), {"status": "nonsense"}).status_code == 400


# ---------------------------------------------------------------------------------------------------
# The application page


def test_the_detail_page_shows_status_next_step_sheet_checklist_and_history(enterprise_client, draft):
    response = enterprise_client.get(url("application-detail", draft.pk), headers=EN)
    assert response.status_code == 200
    content = response.content.decode()
    for testid in ("application-state", "calculation-sheet", "materials", "application-history", "add-loans"):
        assert f'data-testid="{testid}"' in content
    assert "Your enterprise" in content and "Application opened" in content
    assert "version 1" in content


def test_an_enterprise_opening_another_enterprises_application_gets_404(client, draft, outsider):
    client.force_login(outsider)
    assert client.get(url("application-detail", draft.pk)).status_code == 404
    assert client.post(url("application-submit", draft.pk)).status_code == 404
    assert client.post(url("application-details", draft.pk), {"contact_name": "x"}).status_code == 404


def test_wrong_roles_get_403(client, draft, bank_a_officer, reviewer, commissioner):
    client.force_login(bank_a_officer)
    assert client.get(url("application-detail", draft.pk)).status_code == 403
    client.force_login(commissioner)
    assert client.get(url("application-detail", draft.pk)).status_code == 403
    client.force_login(reviewer)  # oversight reads, never edits
    assert client.post(url("application-submit", draft.pk)).status_code == 403
    assert client.post(url("application-withdraw", draft.pk), {"reason": "x"}).status_code == 403
    assert refreshed(draft).status == S.DRAFT


def test_oversight_sees_the_same_page_read_only(client, batch, settled_loan, enterprise_user, reviewer):
    application = submitted_application(batch, enterprise_user, settled_loan)
    client.force_login(reviewer)
    response = client.get(url("application-detail", application.pk), headers=EN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "87,500.00" in content and "read-only" in content
    assert 'data-testid="add-loans"' not in content and 'data-testid="details-form"' not in content
    assert 'data-testid="submit"' not in content


def test_adding_a_portal_loan_recomputes_the_sheet_at_once(enterprise_client, draft, settled_loan):
    page = enterprise_client.get(url("application-detail", draft.pk)).content.decode()
    assert f'data-testid="add-portal-{settled_loan.pk}"' in page
    response = enterprise_client.post(
        url("application-loan-portal", draft.pk), {"loan": settled_loan.pk, "district_programme": "on"}
    )
    assert response.status_code == 302
    line = LoanLine.objects.get(application=draft)
    assert line.loan == settled_loan and line.district_programme
    assert refreshed(draft).calculated == D("87500.00") and "loan_added" in actions(draft)
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert "87,500.00" in page and "175,000.00" in page and "4.34%" in page and "3.10%" in page


def test_a_loan_of_another_enterprise_cannot_be_added(
    enterprise_client, draft, bank_a_branch, other_enterprise, bank_a_officer
):
    foreign = make_settled_loan(
        bank=bank_a_branch, enterprise=other_enterprise, actor=bank_a_officer, contract="HT-X"
    )
    response = enterprise_client.post(url("application-loan-portal", draft.pk), {"loan": foreign.pk})
    assert response.status_code == 400 and not LoanLine.objects.exists()


def test_a_loan_claimed_elsewhere_is_refused_naming_the_first_application(
    enterprise_client, reviewer, enterprise_user, settled_loan
):
    first = apps.application_open(batch=make_batch(reviewer), actor=enterprise_user)
    apps.loan_line_add_from_portal(application=first, loan=settled_loan, actor=enterprise_user)
    second = apps.application_open(batch=make_batch(reviewer, title="second"), actor=enterprise_user)
    response = enterprise_client.post(url("application-loan-portal", second.pk), {"loan": settled_loan.pk})
    assert response.status_code == 400 and first.reference in response.content.decode()


def test_entering_a_loan_saves_it_for_the_bank_and_recomputes(enterprise_client, draft, bank_a_branch):
    response = enterprise_client.post(url("application-loan-entered", draft.pk), entered_post(bank_a_branch))
    assert response.status_code == 302
    line = LoanLine.objects.get(application=draft)
    assert line.confirmation == Confirmation.PENDING and line.evidence_name == "借款合同.pdf"
    assert line.subsidy == D("210000.00") and refreshed(draft).calculated == D("210000.00")
    assert "loan_entered" in actions(draft)
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert "210,000.00" in page and url("application-file", "evidence", line.pk) in page


def test_bad_entered_figures_answer_400_with_the_input_kept(enterprise_client, draft, bank_a_branch):
    data = entered_post(bank_a_branch, interest_paid="abc", contract_number="JK-KEEP-ME")
    response = enterprise_client.post(url("application-loan-entered", draft.pk), data, headers=EN)
    assert response.status_code == 400
    content = response.content.decode()
    assert "JK-KEEP-ME" in content and "Enter a number." in content
    assert not LoanLine.objects.exists()


def test_an_entered_loan_without_a_real_pdf_is_refused_by_the_service(
    enterprise_client, draft, bank_a_branch
):
    fake = SimpleUploadedFile("合同.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = enterprise_client.post(
        url("application-loan-entered", draft.pk), entered_post(bank_a_branch, evidence=fake), headers=EN
    )
    assert response.status_code == 400 and "only PDF, JPEG and PNG" in response.content.decode()
    assert not LoanLine.objects.exists()


def test_an_ineligible_loan_says_why_in_words(enterprise_client, draft, bank_a_branch):
    data = entered_post(bank_a_branch, settled_on="2026-02-01", ip_share="0.2")
    assert enterprise_client.post(url("application-loan-entered", draft.pk), data).status_code == 302
    line = LoanLine.objects.get(application=draft)
    assert set(line.reasons) == {"settled_outside_window", "ip_share_too_low"}
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert "Settled on 2026-02-01" in page and "below the minimum" in page


def test_the_cap_is_shown_when_it_applies(enterprise_client, draft, bank_a_branch, enterprise_user):
    for contract, interest in (("A", "800000"), ("B", "600000")):
        apps.loan_line_add_entered(
            application=draft,
            actor=enterprise_user,
            values=entered_values(bank_a_branch, contract_number=contract, interest_paid=interest),
            evidence=pdf(),
        )
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert 'data-testid="interest-capped"' in page and "cap applied" in page


def test_correcting_an_entered_loan(enterprise_client, draft, bank_a_branch, enterprise_user):
    line = apps.loan_line_add_entered(
        application=draft, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    page = enterprise_client.get(url("application-loan-correct", draft.pk, line.pk))
    assert page.status_code == 200 and "JK-2025-0610" in page.content.decode()
    data = {**entered_values(bank_a_branch), "interest_paid": "480000.00"}
    data.pop("bank")
    response = enterprise_client.post(url("application-loan-correct", draft.pk, line.pk), data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.interest_paid == D("480000.00") and line.subsidy == D("201600.00")
    assert "loan_corrected" in actions(draft)
    bad = enterprise_client.post(
        url("application-loan-correct", draft.pk, line.pk), {**data, "ip_share": "2"}, headers=EN
    )
    assert bad.status_code == 400 and "JK-2025-0610" in bad.content.decode()


def test_removing_a_loan_recomputes(enterprise_client, draft, settled_loan, enterprise_user):
    line = apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    response = enterprise_client.post(url("application-loan-remove", draft.pk, line.pk))
    assert response.status_code == 302 and not LoanLine.objects.exists()
    assert refreshed(draft).calculated == D("0.00") and "loan_removed" in actions(draft)


def test_a_line_of_another_application_is_404(enterprise_client, draft, reviewer, outsider, bank_a_branch):
    other = apps.application_open(batch=draft.batch, actor=outsider)
    line = apps.loan_line_add_entered(
        application=other, actor=outsider, values=entered_values(bank_a_branch), evidence=pdf()
    )
    assert enterprise_client.post(url("application-loan-remove", draft.pk, line.pk)).status_code == 404
    assert enterprise_client.get(url("application-loan-correct", draft.pk, line.pk)).status_code == 404
    assert LoanLine.objects.filter(pk=line.pk).exists()


def test_adding_and_removing_a_fee(enterprise_client, draft, settled_loan, enterprise_user):
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    data = {**fee_values(), "invoice": pdf("发票.pdf")}
    response = enterprise_client.post(url("application-fee-add", draft.pk), data)
    assert response.status_code == 302
    fee = FeeLine.objects.get(application=draft)
    application = refreshed(draft)
    assert fee.counted and application.fee_amount > 0
    assert application.calculated == D("87500.00") + application.fee_amount
    assert "fee_added" in actions(draft)
    response = enterprise_client.post(url("application-fee-remove", draft.pk, fee.pk))
    assert response.status_code == 302 and not FeeLine.objects.exists()
    assert refreshed(draft).fee_amount == D("0.00") and "fee_removed" in actions(draft)


def test_a_fee_for_a_loan_not_in_the_application_is_400(
    enterprise_client, draft, settled_loan, enterprise_user
):
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    data = {**fee_values(loan_contract="NOT-MINE", payee="评估公司甲"), "invoice": pdf()}
    response = enterprise_client.post(url("application-fee-add", draft.pk), data)
    assert response.status_code == 400 and "评估公司甲" in response.content.decode()
    assert not FeeLine.objects.exists()


def test_saving_the_details_and_a_bad_account_number(enterprise_client, draft):
    data = {
        "contact_name": "张经理",
        "contact_phone": "13800138000",
        "bank_account_name": "北京智芯科技有限公司",
        "bank_account_bank": "中国银行北京海淀支行",
        "bank_account_number": "ABC-123",
    }
    response = enterprise_client.post(url("application-details", draft.pk), data, headers=EN)
    assert response.status_code == 400
    assert "Digits only" in response.content.decode() and "ABC-123" in response.content.decode()
    data["bank_account_number"] = "6216 6100 0001 2345 678"
    assert enterprise_client.post(url("application-details", draft.pk), data).status_code == 302
    assert refreshed(draft).bank_account_bank == "中国银行北京海淀支行"


def test_uploading_a_material_per_checklist_item(enterprise_client, draft):
    item = apps.required_items(draft)[0]
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert f'data-testid="upload-{item.pk}"' in page and "sealed" in page
    response = enterprise_client.post(
        url("application-material-upload", draft.pk, item.pk), {"file": pdf("申请表.pdf")}
    )
    assert response.status_code == 302
    material = Material.objects.get(application=draft, item=item)
    assert material.file_name == "申请表.pdf" and "material_uploaded" in actions(draft)
    bad = SimpleUploadedFile("申请表.pdf", b"MZ\x90\x00 executable", content_type="application/pdf")
    response = enterprise_client.post(url("application-material-upload", draft.pk, item.pk), {"file": bad})
    assert response.status_code == 400


def test_submitting_shows_every_problem(enterprise_client, draft, settled_loan, enterprise_user):
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    response = enterprise_client.post(url("application-submit", draft.pk), headers=EN)
    assert response.status_code == 400
    content = response.content.decode()
    assert 'data-testid="submit-problems"' in content
    assert "Upload:" in content and "Account bank" in content
    assert refreshed(draft).status == S.DRAFT


def test_submitting_a_complete_application(enterprise_client, draft, settled_loan, enterprise_user):
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    complete_details(draft, enterprise_user)
    upload_required(draft, enterprise_user)
    response = enterprise_client.post(url("application-submit", draft.pk))
    assert response.status_code == 302
    application = refreshed(draft)
    assert application.status == S.SUBMITTED
    assert application.events.filter(from_status=S.DRAFT, to_status=S.SUBMITTED).exists()
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert "The IP bureau" in page and 'data-testid="add-loans"' not in page


def test_editing_after_submission_is_refused(enterprise_client, batch, settled_loan, enterprise_user):
    application = submitted_application(batch, enterprise_user, settled_loan)
    item = apps.required_items(application)[0]
    response = enterprise_client.post(
        url("application-material-upload", application.pk, item.pk), {"file": pdf()}, headers=EN
    )
    assert response.status_code == 400
    line = application.loan_lines.get()
    assert enterprise_client.post(url("application-loan-remove", application.pk, line.pk)).status_code == 400
    assert LoanLine.objects.filter(pk=line.pk).exists()


def test_withdrawing_asks_for_confirmation_and_a_reason(enterprise_client, draft):
    page = enterprise_client.get(url("application-withdraw", draft.pk))
    assert page.status_code == 200 and 'data-testid="withdraw-form"' in page.content.decode()
    assert refreshed(draft).status == S.DRAFT
    assert enterprise_client.post(url("application-withdraw", draft.pk), {"reason": ""}).status_code == 400
    response = enterprise_client.post(url("application-withdraw", draft.pk), {"reason": "填错批次"})
    assert response.status_code == 302
    event = ApplicationEvent.objects.get(application=draft, to_status=S.WITHDRAWN)
    assert event.reason == "填错批次" and refreshed(draft).status == S.WITHDRAWN


def test_an_application_cannot_be_withdrawn_once_proposed(
    enterprise_client, batch, settled_loan, enterprise_user, reviewer
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    page = enterprise_client.get(url("application-withdraw", application.pk))
    assert 'data-testid="withdraw-not-allowed"' in page.content.decode()
    response = enterprise_client.post(url("application-withdraw", application.pk), {"reason": "x"})
    assert response.status_code == 400 and refreshed(application).status == S.PROPOSED


def test_the_history_lists_the_failing_items_of_a_correction_request(
    enterprise_client, batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    material = application.materials.select_related("item").first()
    review.material_check(material=material, actor=reviewer, verdict=Verdict.FAILING, note_text="未盖章")
    review.correction_request(application=application, actor=reviewer, message="请补充盖章")
    page = enterprise_client.get(url("application-detail", application.pk), headers=EN).content.decode()
    assert 'data-testid="failing-item"' in page and "未盖章" in page and "请补充盖章" in page
    assert "Correction requested" in page and 'data-testid="submit"' in page
    assert "Needs correcting" in page


# ---------------------------------------------------------------------------------------------------
# The preview of an entered loan


def _figures(**overrides) -> dict:
    values = entered_values(None)
    values.pop("bank")
    values.update(overrides)
    return values


def test_the_preview_fragment_computes_without_saving(enterprise_client, draft):
    response = enterprise_client.post(
        url("application-preview", draft.pk), _figures(), headers={**EN, "HX-Request": "true"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content and "210,000.00" in content and "4.20%" in content
    assert not LoanLine.objects.exists() and refreshed(draft).calculated == D("0.00")


def test_the_preview_says_what_is_missing_and_why_a_loan_is_ineligible(enterprise_client, draft):
    hx = {**EN, "HX-Request": "true"}
    partial = enterprise_client.post(
        url("application-preview", draft.pk), {"interest_paid": "1000"}, headers=hx
    )
    assert partial.status_code == 200 and 'data-testid="preview-missing"' in partial.content.decode()
    late = enterprise_client.post(
        url("application-preview", draft.pk), _figures(settled_on="2026-03-01"), headers=hx
    )
    assert "Settled on 2026-03-01" in late.content.decode()


def test_the_preview_works_without_javascript(enterprise_client, draft, bank_a_branch):
    data = {**_figures(contract_number="JK-KEPT"), "bank": bank_a_branch.pk}
    response = enterprise_client.post(url("application-preview", draft.pk), data, headers=EN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" in content and "210,000.00" in content and "JK-KEPT" in content
    assert not LoanLine.objects.exists()
    bad = enterprise_client.post(url("application-preview", draft.pk), {**data, "ip_share": "x"}, headers=EN)
    assert bad.status_code == 400
    assert "JK-KEPT" in bad.content.decode() and "Enter a number." in bad.content.decode()


def test_the_preview_is_the_enterprises_only(client, draft, outsider, reviewer):
    client.force_login(outsider)
    assert client.post(url("application-preview", draft.pk), _figures()).status_code == 404
    client.force_login(reviewer)
    assert client.post(url("application-preview", draft.pk), _figures()).status_code == 403


# ---------------------------------------------------------------------------------------------------
# Downloads for the enterprise and oversight


def test_materials_and_invoices_download_in_scope_only(
    client, draft, settled_loan, enterprise_user, outsider, reviewer, bank_a_officer
):
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    fee = apps.fee_line_add(
        application=draft, actor=enterprise_user, values=fee_values(), invoice=pdf("发票.pdf")
    )
    item = apps.required_items(draft)[0]
    material = apps.material_upload(
        application=draft, item=item, actor=enterprise_user, upload=pdf("申请表.pdf")
    )
    for user in (enterprise_user, reviewer):
        client.force_login(user)
        response = client.get(url("application-file", "material", material.pk))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert client.get(url("application-file", "invoice", fee.pk)).status_code == 200
    for user in (outsider, bank_a_officer):
        client.force_login(user)
        assert client.get(url("application-file", "material", material.pk)).status_code == 404
        assert client.get(url("application-file", "invoice", fee.pk)).status_code == 404
    client.force_login(enterprise_user)
    assert client.get(url("application-file", "other", material.pk)).status_code == 404


def test_a_checklist_template_links_to_its_scoped_download_never_to_media(enterprise_client, draft):
    from django.core.files.base import ContentFile
    from django.urls import NoReverseMatch

    item = apps.required_items(draft)[0]
    item.template.save("template.pdf", ContentFile(b"%PDF-1.7 template"), save=False)
    item.template_name = "申请表模板.pdf"
    item.save()
    page = enterprise_client.get(url("application-detail", draft.pk), headers=EN).content.decode()
    assert item.template.url not in page
    try:
        link = reverse("subsidies:checklist-template", args=[draft.batch_id, item.pk])
    except NoReverseMatch:
        return  # the template download view is another page set's
    assert link in page and "Download the template" in page
