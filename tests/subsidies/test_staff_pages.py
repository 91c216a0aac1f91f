"""The IP bureau's and the finance bureau's subsidy pages: batches, the checklist, review, publicity and
payment lists, with each persona: the happy path changes the state and writes its event; the wrong role
gets 403, another organisation's object 404, a bad form 400 with the input kept."""

import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.policy.models import PolicyParameterSet
from subsidies import payments, review
from subsidies.batches import batch_create, current_parameters
from subsidies.models import (
    ApplicationEvent,
    ApplicationStatus,
    Batch,
    BatchEvent,
    BatchStatus,
    ChecklistItem,
    ObjectionStatus,
    PaymentList,
    Verdict,
)
from tests.subsidies.factories import (
    PDF,
    batch_values,
    pdf,
    proposed_application,
    refreshed,
    submitted_application,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def draft(reviewer):
    return batch_create(actor=reviewer, values=batch_values(title="2026 draft batch"))


def url(name, *args):
    return reverse(f"subsidies:{name}", args=args)


def docx_bytes() -> bytes:
    """The same bytes on every call: ``writestr`` with a bare name stamps the current time, so two calls
    either side of a (two-second) tick differed and the download test failed now and then."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<document/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def approved(batch, enterprise_user, loan, reviewer, second_reviewer):
    application = proposed_application(batch, enterprise_user, loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    return refreshed(application)


def publicised(batch, enterprise_user, loan, reviewer, second_reviewer):
    application = approved(batch, enterprise_user, loan, reviewer, second_reviewer)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    payments.publicity_close_due(publicity.ends_on + timedelta(days=1))
    return refreshed(application)


# --- Batches -------------------------------------------------------------------------------------------


def test_the_batch_list_shows_budget_figures_to_oversight_roles(
    client, batch, reviewer, finance_officer, joint_office_viewer, promotion_officer
):
    for user in (reviewer, finance_officer, joint_office_viewer, promotion_officer):
        client.force_login(user)
        response = client.get(url("batch-list"))
        assert response.status_code == 200
        assert batch.title in response.content.decode()
        assert "1,000,000.00" in response.content.decode()
    assert url("batch-list") == "/subsidies/batches/"


def test_an_enterprise_or_a_bank_cannot_open_the_batch_pages(
    client, batch, enterprise_user, bank_a_officer, outsider
):
    for user in (enterprise_user, bank_a_officer, outsider):
        client.force_login(user)
        assert client.get(url("batch-list")).status_code == 403
        assert client.get(url("batch-detail", batch.pk)).status_code == 403
        assert client.get(url("batch-report", batch.pk)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, batch):
    response = client.get(url("batch-detail", batch.pk))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_manager_creates_a_draft_batch(client, promotion_officer):
    client.force_login(promotion_officer)
    assert client.get(url("batch-create")).status_code == 200
    values = batch_values(title="2026 second call")
    data = {**values, "opens_on": str(values["opens_on"]), "closes_on": str(values["closes_on"])}
    response = client.post(url("batch-create"), data)
    batch = Batch.objects.get(title="2026 second call")
    assert response.status_code == 302 and response["Location"] == url("batch-detail", batch.pk)
    assert batch.status == BatchStatus.DRAFT and batch.parameter_versions.count() == 1
    assert BatchEvent.objects.filter(batch=batch, action="created", actor=promotion_officer).exists()


def test_a_batch_for_a_year_without_parameters_is_refused_with_the_input_kept(client, reviewer, english):
    client.force_login(reviewer)
    values = batch_values(year=2031, title="Far future")
    data = {**values, "opens_on": str(values["opens_on"]), "closes_on": str(values["closes_on"])}
    response = client.post(url("batch-create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["year"] and 'value="Far future"' in response.content.decode()
    assert not Batch.objects.filter(title="Far future").exists()


def test_a_viewer_cannot_create_a_batch(client, joint_office_viewer, finance_officer):
    for user in (joint_office_viewer, finance_officer):
        client.force_login(user)
        assert client.get(url("batch-create")).status_code == 403
        assert client.post(url("batch-create"), {}).status_code == 403


def test_the_batch_detail_shows_settings_versions_checklist_counts_and_events(
    client, batch, settled_loan, enterprise_user, joint_office_viewer
):
    submitted_application(batch, enterprise_user, settled_loan)
    client.force_login(joint_office_viewer)
    response = client.get(url("batch-detail", batch.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="count-submitted">1<' in page
    assert response.context["current"].version == 1
    assert len(response.context["checklist"]) == 8
    assert not response.context["year_differs"]
    # A viewer sees no buttons.
    assert 'data-testid="batch-clone"' not in page and 'data-testid="batch-to-archived"' not in page


def test_a_manager_edits_publishes_and_archives(client, draft, reviewer):
    client.force_login(reviewer)
    assert client.get(url("batch-edit", draft.pk)).status_code == 200
    data = {**batch_values(title="Renamed", budget="2000000.00")}
    data.update(opens_on=str(draft.opens_on), closes_on=str(draft.closes_on))
    assert client.post(url("batch-edit", draft.pk), data).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Renamed" and draft.budget == D("2000000.00")
    assert BatchEvent.objects.filter(batch=draft, action="edited").exists()
    assert client.post(url("batch-transition", draft.pk), {"to": "published"}).status_code == 302
    assert Batch.objects.get(pk=draft.pk).status == BatchStatus.PUBLISHED
    assert client.post(url("batch-transition", draft.pk), {"to": "archived"}).status_code == 302
    assert Batch.objects.get(pk=draft.pk).status == BatchStatus.ARCHIVED
    assert BatchEvent.objects.filter(batch=draft, action="transition").count() == 2


def test_an_edit_with_closing_before_opening_is_refused(client, draft, reviewer, english):
    client.force_login(reviewer)
    data = {**batch_values(title="Kept title")}
    data.update(opens_on="2026-05-01", closes_on="2026-04-01")
    response = client.post(url("batch-edit", draft.pk), data)
    assert response.status_code == 400
    assert response.context["form"].errors["closes_on"] and "Kept title" in response.content.decode()


def test_an_impossible_move_is_refused(client, batch, reviewer):
    client.force_login(reviewer)
    response = client.post(url("batch-transition", batch.pk), {"to": "draft"})
    assert response.status_code == 400 and Batch.objects.get(pk=batch.pk).status == BatchStatus.PUBLISHED


def test_a_clone_opens_the_diff_page_with_changed_rows_marked(client, batch, reviewer):
    client.force_login(reviewer)
    # The 2027 parameters are not seeded: give the year a set so a clone can bind to it.
    source = PolicyParameterSet.objects.get(year=2026)
    source.pk = None
    source.year = 2027
    source.interest_ratio = D("0.6000")
    source.save()
    response = client.post(url("batch-clone", batch.pk))
    clone = Batch.objects.exclude(pk=batch.pk).get()
    assert response.status_code == 302 and response["Location"] == url("batch-diff", clone.pk)
    assert clone.year == 2027 and clone.cloned_from_id == batch.pk and clone.status == BatchStatus.DRAFT
    assert BatchEvent.objects.filter(batch=clone, action="cloned").exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    changed = {row["name"] for row in page.context["diff"]["parameters"] if row["changed"]}
    assert "interest_ratio" in changed
    assert 'data-testid="diff-changed"' in page.content.decode()


def test_a_clone_without_next_years_parameters_is_refused(client, batch, reviewer):
    PolicyParameterSet.objects.filter(year=2027).delete()
    client.force_login(reviewer)
    assert client.post(url("batch-clone", batch.pk)).status_code == 400
    assert Batch.objects.count() == 1


def test_the_diff_of_a_batch_never_cloned_is_404(client, batch, reviewer):
    client.force_login(reviewer)
    assert client.get(url("batch-diff", batch.pk)).status_code == 404
    assert client.get(url("batch-detail", 999999)).status_code == 404


def test_a_parameter_correction_makes_a_version_and_recomputes_open_applications(
    client, batch, settled_loan, enterprise_user, reviewer, django_capture_on_commit_callbacks
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    client.force_login(reviewer)
    page = client.get(url("batch-correct", batch.pk))
    assert page.status_code == 200 and page.context["open_count"] == 1
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {key: value for key, value in data.items() if value not in (None, False)}
    data["interest_ratio"] = "0.4000"
    data["reason"] = "勘误：贴息比例40%"
    with django_capture_on_commit_callbacks(execute=True):  # the recomputation task, eager in tests
        response = client.post(url("batch-correct", batch.pk), data)
    assert response.status_code == 302
    assert current_parameters(batch).version == 2
    application = refreshed(application)
    assert application.parameters.version == 2 and application.calculated == D("70000.00")
    assert BatchEvent.objects.filter(batch=batch, action="parameters_corrected").exists()
    assert ApplicationEvent.objects.filter(application=application, action="recomputed").exists()


def test_a_correction_without_a_reason_is_refused_with_the_values_kept(client, batch, reviewer):
    client.force_login(reviewer)
    form = client.get(url("batch-correct", batch.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    data["interest_ratio"] = "0.4000"
    data.pop("reason", None)
    response = client.post(url("batch-correct", batch.pk), data)
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    assert 'value="0.4000"' in response.content.decode()
    assert current_parameters(batch).version == 1


def test_a_changed_year_parameter_set_is_shown_and_adopted_as_a_correction(client, batch, reviewer):
    PolicyParameterSet.objects.filter(pk=batch.parameter_set_id).update(fee_ratio=D("0.3000"))
    client.force_login(reviewer)
    page = client.get(url("batch-detail", batch.pk))
    assert page.context["year_differs"] and 'data-testid="adopt-form"' in page.content.decode()
    refused = client.post(url("batch-adopt-year", batch.pk), {"adopt-reason": ""})
    assert refused.status_code == 400 and refused.context["adopt_form"].errors["reason"]
    response = client.post(url("batch-adopt-year", batch.pk), {"adopt-reason": "财政局更正通知"})
    assert response.status_code == 302
    version = current_parameters(batch)
    assert version.version == 2 and version.values["fee_ratio"] == "0.3000"
    assert not client.get(url("batch-detail", batch.pk)).context["year_differs"]


# --- The checklist ---------------------------------------------------------------------------------------


def test_a_manager_adds_an_item_with_a_word_template_and_anyone_may_download_it_once_published(
    client, draft, reviewer, enterprise_user
):
    client.force_login(reviewer)
    assert client.get(url("checklist-add", draft.pk)).status_code == 200
    upload = SimpleUploadedFile("申请表模板.docx", docx_bytes())
    response = client.post(
        url("checklist-add", draft.pk),
        {"title": "承诺书", "scope": "every", "needs_seal": "on", "template": upload},
    )
    assert response.status_code == 302
    item = draft.checklist.get(title="承诺书")
    assert item.position == 9 and item.needs_seal and not item.needs_signature
    assert item.template_name == "申请表模板.docx"
    assert BatchEvent.objects.filter(batch=draft, action="checklist_added", actor=reviewer).exists()
    detail = client.get(url("batch-detail", draft.pk)).content.decode()
    assert url("checklist-template", draft.pk, item.pk) in detail and "申请表模板.docx" in detail
    download = client.get(url("checklist-template", draft.pk, item.pk))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessing")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == docx_bytes()
    # A draft is invisible to an enterprise; once published its templates are there to download.
    client.force_login(enterprise_user)
    assert client.get(url("checklist-template", draft.pk, item.pk)).status_code == 404
    Batch.objects.filter(pk=draft.pk).update(status=BatchStatus.PUBLISHED)
    assert client.get(url("checklist-template", draft.pk, item.pk)).status_code == 200


def test_a_template_that_is_not_pdf_word_or_excel_is_refused(client, draft, reviewer, english):
    client.force_login(reviewer)
    fake = SimpleUploadedFile("template.docx", b"MZ\x90\x00 not a document")
    response = client.post(
        url("checklist-add", draft.pk), {"title": "Kept", "scope": "every", "template": fake}
    )
    assert response.status_code == 400
    assert "template.docx" in response.context["form"].errors["template"][0]
    assert 'value="Kept"' in response.content.decode()
    assert not draft.checklist.filter(title="Kept").exists()


def test_a_template_over_the_size_limit_is_refused(client, draft, reviewer, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client.force_login(reviewer)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 200)
    response = client.post(
        url("checklist-add", draft.pk), {"title": "Big", "scope": "every", "template": big}
    )
    assert response.status_code == 400 and response.context["form"].errors["template"]


def test_a_manager_edits_replaces_removes_moves_and_deletes_items(client, draft, reviewer):
    client.force_login(reviewer)
    first, second = list(draft.checklist.order_by("position"))[:2]
    assert client.get(url("checklist-edit", draft.pk, first.pk)).status_code == 200
    response = client.post(
        url("checklist-edit", draft.pk, first.pk),
        {"title": "申请表（新版）", "scope": "every", "needs_signature": "on", "template": pdf("表.pdf")},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.title == "申请表（新版）" and first.template_name == "表.pdf" and not first.needs_seal
    response = client.post(
        url("checklist-edit", draft.pk, first.pk),
        {"title": first.title, "scope": "every", "remove_template": "on"},
    )
    first.refresh_from_db()
    assert response.status_code == 302 and not first.template and first.template_name == ""
    assert client.post(url("checklist-move", draft.pk, first.pk), {"direction": "down"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == (2, 1)
    assert client.post(url("checklist-move", draft.pk, second.pk), {"direction": "up"}).status_code == 400
    assert client.post(url("checklist-delete", draft.pk, first.pk)).status_code == 302
    assert not ChecklistItem.objects.filter(pk=first.pk).exists()
    assert list(draft.checklist.order_by("position").values_list("position", flat=True)) == list(range(1, 8))
    actions = set(BatchEvent.objects.filter(batch=draft).values_list("action", flat=True))
    assert {"checklist_edited", "checklist_reordered", "checklist_deleted"} <= actions


def test_the_checklist_of_a_published_batch_cannot_change(client, batch, reviewer):
    client.force_login(reviewer)
    item = batch.checklist.first()
    response = client.post(url("checklist-add", batch.pk), {"title": "Late", "scope": "every"})
    assert response.status_code == 400 and not batch.checklist.filter(title="Late").exists()
    assert client.post(url("checklist-delete", batch.pk, item.pk)).status_code == 400
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_a_viewer_cannot_change_the_checklist_and_another_batchs_item_is_404(
    client, draft, batch, reviewer, joint_office_viewer
):
    item = draft.checklist.first()
    client.force_login(joint_office_viewer)
    assert client.post(url("checklist-delete", draft.pk, item.pk)).status_code == 403
    client.force_login(reviewer)
    assert client.post(url("checklist-delete", batch.pk, item.pk)).status_code == 404


# --- Review ---------------------------------------------------------------------------------------------


def test_the_review_queue_lists_waiting_applications_with_working_days_and_flags(
    client, batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    application.loan_lines.update(district_programme=True)
    client.force_login(reviewer)
    response = client.get(url("review-queue"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["application"].pk for row in rows] == [application.pk] and rows[0]["days"] == 0
    assert 'data-testid="district-flag"' in response.content.decode()
    assert "87,500.00" in response.content.decode()
    # Another status shows nothing; the batch filter keeps it.
    assert not client.get(url("review-queue"), {"status": "paid"}).context["rows"]
    assert client.get(url("review-queue"), {"batch": batch.pk}).context["rows"]


def test_working_days_count_only_working_days():
    from datetime import date

    from subsidies.review_views import working_days_since

    # From Friday 2025-09-26: the National Day holiday 10-01..10-08 is skipped, the makeup Sunday 09-28
    # and Saturday 10-11 count: 09-28, 09-29, 09-30, 10-09, 10-10, 10-11, 10-13.
    start, today = date(2025, 9, 26), date(2025, 10, 13)
    assert working_days_since([start, today], today) == {start: 7, today: 0}


def test_only_reviewers_open_the_review_pages(
    client, batch, settled_loan, enterprise_user, promotion_officer, finance_officer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    for user in (promotion_officer, finance_officer, enterprise_user):
        client.force_login(user)
        assert client.get(url("review-queue")).status_code == 403
        assert client.get(url("review-detail", application.pk)).status_code == 403
        assert client.post(url("review-start", application.pk)).status_code == 403


def test_the_review_page_shows_the_calculation_sheet(client, batch, settled_loan, enterprise_user, reviewer):
    application = submitted_application(batch, enterprise_user, settled_loan)
    client.force_login(reviewer)
    response = client.get(url("review-detail", application.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "HT-2025-001" in page and "175,000.00" in page and "3.10%" in page and "4.34%" in page
    assert "87,500.00" in page and 'data-testid="review-start"' in page
    assert application.bank_account_number in page
    assert len(response.context["material_rows"]) == 4
    assert client.get(url("review-detail", 999999)).status_code == 404


def test_the_first_reviewer_starts_checks_and_asks_for_a_correction(
    client, batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    client.force_login(reviewer)
    assert client.post(url("review-start", application.pk)).status_code == 302
    application = refreshed(application)
    assert application.status == S.UNDER_REVIEW and application.first_reviewer == reviewer
    material = application.materials.first()
    prefix = f"m{material.pk}"
    # Needs correcting without a note: 400, nothing saved.
    response = client.post(
        url("review-material-check", application.pk, material.pk), {f"{prefix}-verdict": "failing"}
    )
    assert response.status_code == 400
    material.refresh_from_db()
    assert material.verdict == Verdict.PENDING
    response = client.post(
        url("review-material-check", application.pk, material.pk),
        {f"{prefix}-verdict": "failing", f"{prefix}-note": "未盖章"},
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.verdict == Verdict.FAILING and material.note == "未盖章"
    assert ApplicationEvent.objects.filter(application=application, action="material_checked").exists()
    response = client.post(url("review-correction", application.pk), {"message": "请补盖公章"})
    assert response.status_code == 302
    assert refreshed(application).status == S.CORRECTION
    event = ApplicationEvent.objects.get(application=application, to_status=S.CORRECTION)
    assert event.details["failing"] == [{"item": material.item.title, "note": "未盖章"}]


def test_a_correction_with_nothing_failing_and_no_message_is_refused(
    client, batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    client.force_login(reviewer)
    assert client.post(url("review-correction", application.pk), {"message": ""}).status_code == 400
    assert refreshed(application).status == S.UNDER_REVIEW


def test_the_first_reviewer_proposes_an_adjusted_amount_with_a_reason(
    client, batch, settled_loan, enterprise_user, reviewer, english
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    for material in application.materials.all():
        review.material_check(material=material, actor=reviewer, verdict=Verdict.OK)
    client.force_login(reviewer)
    page = client.get(url("review-detail", application.pk))
    assert page.context["propose_form"]["amount"].value() == D("87500.00")
    refused = client.post(url("review-propose", application.pk), {"outcome": "approve", "amount": "80000"})
    assert refused.status_code == 400 and refused.context["propose_form"].errors["reason"]
    assert 'value="80000"' in refused.content.decode()
    response = client.post(
        url("review-propose", application.pk), {"outcome": "approve", "amount": "80000", "reason": "凭证不全"}
    )
    assert response.status_code == 302
    application = refreshed(application)
    assert application.status == S.PROPOSED and application.proposed_amount == D("80000.00")
    page = client.get(url("review-detail", application.pk))
    assert 'data-testid="four-eyes"' in page.content.decode() and not page.context["can_decide"]
    assert client.post(url("review-decide", application.pk), {"decision": "approve"}).status_code == 403


def test_another_reviewer_cannot_check_what_the_first_reviewer_holds(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    material = application.materials.first()
    client.force_login(second_reviewer)
    response = client.post(
        url("review-material-check", application.pk, material.pk), {f"m{material.pk}-verdict": "ok"}
    )
    assert response.status_code == 403


def test_the_second_reviewer_approves_and_the_budget_is_reserved(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    client.force_login(second_reviewer)
    page = client.get(url("review-detail", application.pk))
    assert page.context["can_decide"] and "1,000,000.00" in page.content.decode()
    assert client.post(url("review-decide", application.pk), {"decision": "return"}).status_code == 400
    response = client.post(url("review-decide", application.pk), {"decision": "approve"})
    assert response.status_code == 302
    application = refreshed(application)
    assert application.status == S.APPROVED and application.second_reviewer == second_reviewer
    assert Batch.objects.get(pk=batch.pk).reserved == D("87500.00")


def test_the_second_reviewer_returns_a_proposal_with_a_reason(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    client.force_login(second_reviewer)
    response = client.post(url("review-decide", application.pk), {"decision": "return", "reason": "再核利率"})
    assert response.status_code == 302 and refreshed(application).status == S.UNDER_REVIEW


def test_an_approval_beyond_the_budget_shows_what_remains(
    client, reviewer, second_reviewer, settled_loan, enterprise_user, english
):
    from tests.subsidies.factories import make_batch

    small = make_batch(reviewer, budget=D("50000.00"))
    application = proposed_application(small, enterprise_user, settled_loan, reviewer)
    client.force_login(second_reviewer)
    response = client.post(url("review-decide", application.pk), {"decision": "approve"})
    assert response.status_code == 400
    shown = " ".join(response.context["decide_form"].non_field_errors())
    assert "87,500.00" in shown and "50,000.00" in shown
    assert refreshed(application).status == S.PROPOSED


# --- Files -----------------------------------------------------------------------------------------------


def test_the_review_page_links_each_material_to_its_scoped_download(
    client, batch, settled_loan, enterprise_user, reviewer, outsider
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    material = application.materials.first()
    link = reverse("subsidies:application-file", args=["material", material.pk])
    client.force_login(reviewer)
    assert link in client.get(url("review-detail", application.pk)).content.decode()
    response = client.get(link)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    client.force_login(outsider)
    assert client.get(link).status_code == 404


# --- Publicity and objections ------------------------------------------------------------------------------


def test_a_manager_starts_the_public_notice(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = approved(batch, enterprise_user, settled_loan, reviewer, second_reviewer)
    client.force_login(reviewer)
    page = client.get(url("batch-detail", batch.pk))
    assert 'data-testid="publicity-start"' in page.content.decode()
    assert client.post(url("publicity-start", batch.pk)).status_code == 302
    assert refreshed(application).status == S.PUBLICITY
    assert ApplicationEvent.objects.filter(application=application, to_status=S.PUBLICITY).exists()
    # Nothing approved is left: a second press is refused.
    assert client.post(url("publicity-start", batch.pk)).status_code == 400


def test_finance_cannot_start_a_notice(client, batch, finance_officer):
    client.force_login(finance_officer)
    assert client.post(url("publicity-start", batch.pk)).status_code == 403


def test_objections_are_resolved_by_a_reviewer_and_finished_notices_closed(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer, english
):
    application = approved(batch, enterprise_user, settled_loan, reviewer, second_reviewer)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity, application=application, name="李某", contact="13900001111", text="已迁出北京"
    )
    client.force_login(second_reviewer)
    page = client.get(url("objection-list", batch.pk))
    assert page.status_code == 200 and "已迁出北京" in page.content.decode()
    prefix = f"o{objection.pk}"
    refused = client.post(url("objection-resolve", objection.pk), {f"{prefix}-outcome": "dismissed"})
    assert refused.status_code == 400
    response = client.post(
        url("objection-resolve", objection.pk),
        {f"{prefix}-outcome": "dismissed", f"{prefix}-resolution": "经核实仍在京经营"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED and objection.resolved_by == second_reviewer
    # The notice has not ended yet: closing moves nothing; after its end it passes.
    assert client.post(url("publicity-close-due", batch.pk)).status_code == 302
    assert refreshed(application).status == S.PUBLICITY
    type(publicity).objects.filter(pk=publicity.pk).update(
        starts_on=publicity.starts_on - timedelta(days=30), ends_on=timezone.localdate() - timedelta(days=1)
    )
    assert client.post(url("publicity-close-due", batch.pk)).status_code == 302
    assert refreshed(application).status == S.PUBLICISED


def test_an_upheld_objection_returns_the_money(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = approved(batch, enterprise_user, settled_loan, reviewer, second_reviewer)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity,
        application=application,
        name="王某",
        contact="wang@example.com",
        text="贷款未结清",
    )
    client.force_login(reviewer)
    prefix = f"o{objection.pk}"
    response = client.post(
        url("objection-resolve", objection.pk),
        {f"{prefix}-outcome": "upheld", f"{prefix}-resolution": "属实"},
    )
    assert response.status_code == 302
    assert refreshed(application).status == S.UNDER_REVIEW
    assert Batch.objects.get(pk=batch.pk).reserved == D("0.00")


def test_only_reviewers_see_and_resolve_objections(
    client, batch, settled_loan, enterprise_user, reviewer, second_reviewer, promotion_officer
):
    application = approved(batch, enterprise_user, settled_loan, reviewer, second_reviewer)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity, application=application, name="李某", contact="x", text="y"
    )
    client.force_login(promotion_officer)
    assert client.get(url("objection-list", batch.pk)).status_code == 403
    assert client.post(url("objection-resolve", objection.pk), {}).status_code == 403
    client.force_login(enterprise_user)
    assert client.post(url("publicity-close-due", batch.pk)).status_code == 403


# --- Payment lists ------------------------------------------------------------------------------------------


def test_finance_creates_exports_and_marks_a_payment_list_paid(
    client,
    batch,
    settled_loan,
    enterprise_user,
    reviewer,
    second_reviewer,
    finance_officer,
    joint_office_viewer,
):
    application = publicised(batch, enterprise_user, settled_loan, reviewer, second_reviewer)
    client.force_login(finance_officer)
    page = client.get(url("batch-detail", batch.pk))
    assert 'data-testid="payment-list-create"' in page.content.decode()
    response = client.post(url("payment-list-create", batch.pk))
    payment = PaymentList.objects.get()
    assert response.status_code == 302 and response["Location"] == url("payment-list-detail", payment.pk)
    assert refreshed(application).status == S.PAYMENT_LISTED
    assert client.get(url("payment-list-list")).status_code == 200
    detail = client.get(url("payment-list-detail", payment.pk))
    assert detail.status_code == 200 and "87,500.00" in detail.content.decode()

    export = client.get(url("payment-list-excel", payment.pk))
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == application.reference and rows[1][5] == application.bank_account_number
    assert rows[1][6] == 87500 and sheet.cell(row=2, column=7).number_format == "#,##0.00"
    assert rows[-1][6] == 87500 and sheet.cell(row=3, column=7).number_format == "#,##0.00"

    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = client.post(url("payment-list-paid", payment.pk), {"paid_on": future})
    assert refused.status_code == 400 and future in refused.content.decode()
    today = timezone.localdate().isoformat()
    assert client.post(url("payment-list-paid", payment.pk), {"paid_on": today}).status_code == 302
    payment.refresh_from_db()
    assert payment.paid_on == timezone.localdate() and refreshed(application).status == S.PAID
    assert Batch.objects.get(pk=batch.pk).paid == D("87500.00")
    # The joint office views the list but cannot mark it paid or create one.
    client.force_login(joint_office_viewer)
    assert client.get(url("payment-list-detail", payment.pk)).status_code == 200
    assert client.post(url("payment-list-paid", payment.pk), {"paid_on": today}).status_code == 403
    assert client.post(url("payment-list-create", batch.pk)).status_code == 403


def test_a_payment_list_with_nothing_publicised_is_refused(client, batch, finance_officer):
    client.force_login(finance_officer)
    assert client.post(url("payment-list-create", batch.pk)).status_code == 400
    assert not PaymentList.objects.exists()


def test_payment_lists_are_hidden_from_enterprises(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(url("payment-list-list")).status_code == 403
    assert client.get(url("payment-list-detail", 1)).status_code == 403
