"""Subsidy batches (subsidies/batches.py): creation with the year's parameters frozen as version 1, the
checks on the fields, editing, publishing and archiving, cloning last year's batch with its diff, parameter
corrections and the recomputation of the open applications, the once-per-programme rule across batches,
and the edges of the computation an application gets (IP share at the minimum, half-up at the fen)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.accounts.models import Role
from subsidies import applications as apps
from subsidies import parameters as params
from subsidies import review
from subsidies.batches import (
    DEFAULT_CHECKLIST,
    batch_clone,
    batch_create,
    batch_diff,
    batch_parameters_correct,
    batch_transition,
    batch_update,
    current_parameters,
    open_application_count,
)
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import (
    ApplicationEvent,
    ApplicationStatus,
    Batch,
    BatchEvent,
    BatchParameters,
    BatchStatus,
    MaterialScope,
)
from tests.subsidies.factories import (
    batch_values,
    entered_values,
    fee_values,
    make_batch,
    make_settled_loan,
    parameter_set,
    pdf,
    proposed_application,
    refreshed,
    submitted_application,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = ApplicationStatus


# --- Creation ---------------------------------------------------------------------------------------


def test_a_new_batch_freezes_the_years_parameters_as_version_1(reviewer):
    batch = batch_create(actor=reviewer, values=batch_values())
    assert batch.status == BatchStatus.DRAFT and batch.parameter_set == parameter_set(2026)
    version = current_parameters(batch)
    assert version.version == 1 and batch.parameter_versions.count() == 1
    assert version.values == params.snapshot(parameter_set(2026))
    assert version.values["settlement_window_start"] == "2025-01-01"
    assert version.values["settlement_window_end"] == "2025-12-31"
    assert version.values["interest_ratio"] == "0.5000" and version.created_by == reviewer
    assert batch.events.get().action == "created"


def test_the_frozen_version_does_not_follow_later_edits_of_the_parameter_set(reviewer):
    batch = batch_create(actor=reviewer, values=batch_values())
    year = parameter_set(2026)
    year.interest_ratio = D("0.4000")
    year.save()
    assert current_parameters(batch).values["interest_ratio"] == "0.5000"


def test_a_new_batch_gets_the_default_checklist(promotion_officer):
    batch = batch_create(actor=promotion_officer, values=batch_values())
    items = list(batch.checklist.all())
    assert [item.title for item in items] == [str(title) for title, *_rest in DEFAULT_CHECKLIST]
    assert [item.position for item in items] == list(range(1, len(DEFAULT_CHECKLIST) + 1))
    assert all(item.needs_seal for item in items)
    assert items[0].needs_signature and not items[1].needs_signature  # the application form is signed
    assert {item.scope for item in items} == set(MaterialScope.values)


def test_only_the_ip_bureau_manages_batches(
    enterprise_user, bank_a_officer, finance_officer, joint_office_viewer
):
    for actor in (enterprise_user, bank_a_officer, finance_officer, joint_office_viewer):
        with pytest.raises(SubsidyNotAllowed):
            batch_create(actor=actor, values=batch_values())
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"closes_on": date(2026, 1, 1), "opens_on": date(2026, 2, 1)}, "closes_on"),
        ({"opens_on": "2026-02-30"}, "opens_on"),
        ({"closes_on": None}, "closes_on"),
        ({"budget": D("-0.01")}, "budget"),
        ({"budget": "lots"}, "budget"),
        ({"title": "   "}, "title"),
        ({"publicity_working_days": 0}, "publicity_working_days"),
    ],
)
def test_bad_fields_are_refused_by_name(reviewer, english, overrides, field):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_create(actor=reviewer, values=batch_values(**overrides))
    assert field in refused.value.errors
    assert not Batch.objects.exists()


def test_a_year_without_parameters_is_refused(reviewer, english):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_create(actor=reviewer, values=batch_values(year=2031))
    assert "year" in refused.value.errors and "2031" in refused.value.message
    assert not Batch.objects.exists() and not BatchParameters.objects.exists()


def test_a_batch_may_open_and_close_on_the_same_day_and_have_a_zero_budget(reviewer):
    today = date(2026, 3, 1)
    batch = batch_create(actor=reviewer, values=batch_values(opens_on=today, closes_on=today, budget=D("0")))
    assert batch.budget == D("0.00") and batch.opens_on == batch.closes_on


# --- Editing, publishing, archiving -------------------------------------------------------------------


def test_an_edit_is_logged_with_old_and_new_values(batch, reviewer):
    batch_update(batch=batch, actor=reviewer, values={"budget": D("1200000"), "title": "2026 贴息"})
    batch = Batch.objects.get(pk=batch.pk)
    assert batch.budget == D("1200000.00") and batch.title == "2026 贴息"
    event = batch.events.get(action="edited")
    assert event.details["budget"] == ["1000000.00", "1200000.00"] and event.actor == reviewer
    batch_update(batch=batch, actor=reviewer, values={})  # nothing changed: nothing logged
    assert batch.events.filter(action="edited").count() == 1


def test_the_budget_cannot_go_below_what_is_reserved(
    batch, settled_loan, enterprise_user, reviewer, second_reviewer, english
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    with pytest.raises(SubsidyInvalid) as refused:
        batch_update(batch=batch, actor=reviewer, values={"budget": D("87499.99")})
    assert "budget" in refused.value.errors and "87500.00" in refused.value.message
    assert Batch.objects.get(pk=batch.pk).budget == D("1000000.00")
    batch_update(batch=batch, actor=reviewer, values={"budget": D("87500.00")})  # exactly reserved: fine
    assert Batch.objects.get(pk=batch.pk).remaining == D("0.00")


def test_the_year_is_fixed_once_published(batch, reviewer):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_update(batch=batch, actor=reviewer, values={"year": 2025})
    assert "year" in refused.value.errors


def test_a_drafts_year_can_change_and_takes_that_years_parameter_set(reviewer):
    batch = batch_create(actor=reviewer, values=batch_values())
    batch = batch_update(batch=batch, actor=reviewer, values={"year": 2025})
    assert batch.parameter_set == parameter_set(2025)


def test_enterprises_cannot_edit(batch, enterprise_user):
    with pytest.raises(SubsidyNotAllowed):
        batch_update(batch=batch, actor=enterprise_user, values={"budget": D("1")})


def test_publish_then_archive_each_with_an_event(reviewer, promotion_officer):
    batch = batch_create(actor=reviewer, values=batch_values())
    batch = batch_transition(batch=batch, actor=promotion_officer, to=BatchStatus.PUBLISHED)
    assert batch.status == BatchStatus.PUBLISHED
    batch = batch_transition(batch=batch, actor=reviewer, to=BatchStatus.ARCHIVED, reason="已结束")
    assert batch.status == BatchStatus.ARCHIVED
    moves = list(BatchEvent.objects.filter(batch=batch, action="transition").order_by("pk"))
    assert [(event.from_status, event.to_status, event.actor) for event in moves] == [
        (BatchStatus.DRAFT, BatchStatus.PUBLISHED, promotion_officer),
        (BatchStatus.PUBLISHED, BatchStatus.ARCHIVED, reviewer),
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (BatchStatus.DRAFT, BatchStatus.ARCHIVED),
        (BatchStatus.DRAFT, BatchStatus.DRAFT),
        (BatchStatus.PUBLISHED, BatchStatus.DRAFT),
        (BatchStatus.ARCHIVED, BatchStatus.PUBLISHED),
        (BatchStatus.ARCHIVED, BatchStatus.DRAFT),
    ],
)
def test_other_batch_moves_are_refused(reviewer, start, to):
    batch = batch_create(actor=reviewer, values=batch_values())
    if start != BatchStatus.DRAFT:
        batch = batch_transition(batch=batch, actor=reviewer, to=BatchStatus.PUBLISHED)
    if start == BatchStatus.ARCHIVED:
        batch = batch_transition(batch=batch, actor=reviewer, to=BatchStatus.ARCHIVED)
    events = batch.events.count()
    with pytest.raises(SubsidyInvalid):
        batch_transition(batch=batch, actor=reviewer, to=to)
    assert Batch.objects.get(pk=batch.pk).status == start and batch.events.count() == events


def test_who_may_publish(reviewer, enterprise_user, finance_officer, bank_a_manager, joint_office_viewer):
    batch = batch_create(actor=reviewer, values=batch_values())
    for actor in (enterprise_user, finance_officer, bank_a_manager, joint_office_viewer):
        with pytest.raises(SubsidyNotAllowed):
            batch_transition(batch=batch, actor=actor, to=BatchStatus.PUBLISHED)
    assert Batch.objects.get(pk=batch.pk).status == BatchStatus.DRAFT


def test_a_batch_without_a_checklist_cannot_be_published(reviewer):
    batch = batch_create(actor=reviewer, values=batch_values(), checklist=[])
    with pytest.raises(SubsidyInvalid):
        batch_transition(batch=batch, actor=reviewer, to=BatchStatus.PUBLISHED)


def test_a_draft_or_archived_batch_takes_no_application(reviewer, enterprise_user):
    draft = batch_create(actor=reviewer, values=batch_values())
    with pytest.raises(SubsidyInvalid):
        apps.application_open(batch=draft, actor=enterprise_user)
    closed = make_batch(reviewer, opens_on=date(2026, 1, 1), closes_on=date(2026, 1, 31))
    with pytest.raises(SubsidyInvalid):
        apps.application_open(batch=closed, actor=enterprise_user)


# --- Cloning last year's batch -------------------------------------------------------------------------


@pytest.fixture
def last_year(reviewer):
    checklist = [
        {
            "title": "申请表",
            "scope": MaterialScope.EVERY,
            "needs_signature": True,
            "needs_seal": True,
            "needs_colour_scan": True,
            "template": "subsidy-templates/2025/form.docx",
            "template_name": "申请表模板.docx",
        },
        {"title": "营业执照", "scope": MaterialScope.EVERY, "needs_seal": True},
        {"title": "费用发票", "scope": MaterialScope.FEES, "needs_colour_scan": False},
    ]
    batch = batch_create(
        actor=reviewer,
        values=batch_values(
            year=2025,
            title="2025年度知识产权质押融资贴息",
            opens_on=date(2025, 3, 1),
            closes_on=date(2025, 5, 31),
            budget=D("4000000.00"),
            publicity_working_days=7,
        ),
        checklist=checklist,
    )
    return batch_transition(batch=batch, actor=reviewer, to=BatchStatus.PUBLISHED)


def test_a_clone_is_next_years_draft_with_the_same_checklist(last_year, promotion_officer):
    clone = batch_clone(source=last_year, actor=promotion_officer)
    assert (clone.year, clone.status, clone.cloned_from) == (2026, BatchStatus.DRAFT, last_year)
    assert clone.title == "2026年度知识产权质押融资贴息"
    assert (clone.opens_on, clone.closes_on) == (date(2026, 3, 1), date(2026, 5, 31))
    assert clone.budget == D("4000000.00") and clone.publicity_working_days == 7
    assert clone.parameter_set == parameter_set(2026)
    assert current_parameters(clone).values == params.snapshot(parameter_set(2026))
    fields = ("title", "scope", "needs_signature", "needs_seal", "needs_colour_scan", "template_name")
    assert [tuple(getattr(item, name) for name in fields) for item in clone.checklist.all()] == [
        tuple(getattr(item, name) for name in fields) for item in last_year.checklist.all()
    ]
    assert clone.checklist.first().template.name == "subsidy-templates/2025/form.docx"
    event = clone.events.get()
    assert event.action == "cloned" and event.details == {"cloned_from": last_year.pk}
    assert last_year.checklist.count() == 3  # the source keeps its own


def test_the_diff_marks_what_changed_2025_to_2026(last_year, reviewer):
    clone = batch_clone(source=last_year, actor=reviewer)
    diff = batch_diff(last_year, clone)
    changed = {row["name"] for row in diff["parameters"] if row["changed"]}
    assert changed == {"settlement_window_start", "settlement_window_end"}
    window = {row["name"]: (row["left"], row["right"]) for row in diff["parameters"]}
    assert window["settlement_window_start"] == ("2024-01-01", "2025-01-01")
    assert window["settlement_window_end"] == ("2024-12-31", "2025-12-31")
    assert window["interest_ratio"] == ("0.5000", "0.5000")
    assert len(diff["parameters"]) == len(params.PARAMETER_FIELDS)
    settings_changed = [row["label"] for row in diff["settings"] if row["changed"]]
    assert len(settings_changed) == 4  # year, title, opens on, closes on; budget, source, days the same
    assert not any(row["changed"] for row in diff["checklist"])


def test_the_diff_shows_a_checklist_item_added(last_year, reviewer):
    from subsidies.models import ChecklistItem

    clone = batch_clone(source=last_year, actor=reviewer)
    ChecklistItem.objects.create(batch=clone, position=4, title="完税证明")
    rows = batch_diff(last_year, clone)["checklist"]
    assert [row["changed"] for row in rows] == [False, False, False, True]
    assert rows[-1]["left"] == "" and rows[-1]["right"].startswith("完税证明")


def test_a_clone_of_29_february_lands_on_28_february(reviewer):
    source = batch_create(
        actor=reviewer,
        values=batch_values(year=2024, opens_on=date(2024, 2, 29), closes_on=date(2024, 3, 29), title="2024"),
    )
    clone = batch_clone(source=source, actor=reviewer)
    assert (clone.year, clone.opens_on, clone.title) == (2025, date(2025, 2, 28), "2025")


def test_a_clone_into_a_year_without_parameters_is_refused(last_year, reviewer):
    with pytest.raises(SubsidyInvalid):
        batch_clone(source=last_year, actor=reviewer, year=2031)
    assert Batch.objects.count() == 1


def test_only_batch_managers_clone(last_year, enterprise_user, finance_officer):
    for actor in (enterprise_user, finance_officer):
        with pytest.raises(SubsidyNotAllowed):
            batch_clone(source=last_year, actor=actor)


# --- Parameter corrections ---------------------------------------------------------------------------


@pytest.fixture
def other_user(make_user, other_enterprise):
    return make_user("other_ent", other_enterprise, Role.ENTERPRISE_USER)


@pytest.fixture
def open_and_approved(
    batch,
    settled_loan,
    enterprise_user,
    other_user,
    other_enterprise,
    bank_a_branch,
    bank_a_officer,
    reviewer,
    second_reviewer,
):
    """One application submitted (open) and one approved, each with E4's 87,500.00."""
    submitted = submitted_application(batch, enterprise_user, settled_loan)
    loan = make_settled_loan(
        bank=bank_a_branch, enterprise=other_enterprise, actor=bank_a_officer, contract="HT-2025-002"
    )
    approved = proposed_application(batch, other_user, loan, reviewer)
    review.review_decide(application=approved, actor=second_reviewer, approve=True)
    return refreshed(submitted), refreshed(approved)


def test_a_correction_recomputes_the_open_applications_and_keeps_the_approved(
    batch, open_and_approved, reviewer, django_capture_on_commit_callbacks
):
    submitted, approved = open_and_approved
    assert submitted.calculated == approved.calculated == D("87500.00")
    with django_capture_on_commit_callbacks(execute=True):
        version = batch_parameters_correct(
            batch=batch, actor=reviewer, changes={"interest_ratio": "0.4"}, reason="通知勘误：贴息比例40%"
        )
    assert version.version == 2 and version.values["interest_ratio"] == "0.4000"
    assert version.reason == "通知勘误：贴息比例40%"
    submitted, approved = refreshed(submitted), refreshed(approved)
    assert submitted.parameters == version and submitted.calculated == D("70000.00")
    assert submitted.loan_lines.get().subsidy == D("70000.00")
    event = ApplicationEvent.objects.get(application=submitted, action="recomputed")
    assert event.details == {"version": [1, 2], "calculated": ["87500.00", "70000.00"]}
    assert event.actor is None
    # The approved one keeps the version and the amount it was decided under.
    assert approved.parameters.version == 1 and approved.calculated == D("87500.00")
    assert approved.approved_amount == D("87500.00")
    assert not ApplicationEvent.objects.filter(application=approved, action="recomputed").exists()
    batch_event = batch.events.get(action="parameters_corrected")
    assert batch_event.details == {"version": 2, "changed": {"interest_ratio": ["0.5000", "0.4000"]}}
    assert open_application_count(batch) == 1


def test_a_recomputation_twice_changes_nothing_more(
    batch, open_and_approved, reviewer, django_capture_on_commit_callbacks
):
    from subsidies.compute import batch_recompute

    submitted, _approved = open_and_approved
    with django_capture_on_commit_callbacks(execute=True):
        batch_parameters_correct(batch=batch, actor=reviewer, changes={"lpr_markup": "0.3"}, reason="勘误")
    assert batch_recompute(batch.pk) == 0
    assert ApplicationEvent.objects.filter(application=submitted, action="recomputed").count() == 1


def test_a_draft_is_recomputed_too(
    batch, settled_loan, enterprise_user, reviewer, django_capture_on_commit_callbacks
):
    draft = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=draft, loan=settled_loan, actor=enterprise_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch_parameters_correct(
            batch=batch,
            actor=reviewer,
            changes={"interest_cap_per_enterprise": "50000"},
            reason="上限调整",
        )
    draft = refreshed(draft)
    assert draft.parameters.version == 2
    assert draft.calculated == D("50000.00") and draft.interest_capped


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interest_ratio": "1.5"}, "interest_ratio"),
        ({"interest_ratio": "-0.1"}, "interest_ratio"),
        ({"interest_ratio": "half"}, "interest_ratio"),
        ({"lpr_markup": "NaN"}, "lpr_markup"),
        ({"interest_min_ip_share": "2"}, "interest_min_ip_share"),
        ({"settlement_window_start": "2025-13-01"}, "settlement_window_start"),
        ({"settlement_window_end": "2024-12-31"}, "settlement_window_end"),
        ({"fee_insurance_eligible": "perhaps"}, "fee_insurance_eligible"),
        ({"year": 2027}, "year"),
    ],
)
def test_bad_corrections_are_refused(batch, reviewer, english, changes, field):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_parameters_correct(batch=batch, actor=reviewer, changes=changes, reason="勘误")
    assert field in refused.value.errors
    assert batch.parameter_versions.count() == 1


def test_a_correction_needs_a_reason(batch, reviewer):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_parameters_correct(batch=batch, actor=reviewer, changes={"interest_ratio": "0.4"}, reason="  ")
    assert "reason" in refused.value.errors and batch.parameter_versions.count() == 1


def test_a_correction_that_changes_nothing_is_refused(batch, reviewer):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_parameters_correct(
            batch=batch,
            actor=reviewer,
            changes={"interest_ratio": "0.50", "fee_insurance_eligible": "yes"},
            reason="勘误",
        )
    assert "__all__" in refused.value.errors and batch.parameter_versions.count() == 1


def test_only_batch_managers_correct(batch, enterprise_user, finance_officer):
    for actor in (enterprise_user, finance_officer):
        with pytest.raises(SubsidyNotAllowed):
            batch_parameters_correct(batch=batch, actor=actor, changes={"interest_ratio": "0.4"}, reason="x")


def test_each_correction_is_a_new_version(batch, reviewer):
    batch_parameters_correct(batch=batch, actor=reviewer, changes={"interest_ratio": "0.4"}, reason="一")
    batch_parameters_correct(batch=batch, actor=reviewer, changes={"interest_ratio": "0.45"}, reason="二")
    versions = [(row.version, row.values["interest_ratio"]) for row in batch.parameter_versions.all()]
    assert versions == [(1, "0.5000"), (2, "0.4000"), (3, "0.4500")]


# --- Once per programme, across batches ------------------------------------------------------------------


def test_an_invoice_is_subsidised_once_across_batches(
    batch, reviewer, settled_loan, enterprise_user, bank_a_branch, english
):
    first = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=first, loan=settled_loan, actor=enterprise_user)
    apps.fee_line_add(application=first, actor=enterprise_user, values=fee_values(), invoice=pdf())
    second_batch = make_batch(reviewer, title="2026 second batch")
    second = apps.application_open(batch=second_batch, actor=enterprise_user)
    apps.loan_line_add_entered(
        application=second, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    # The same invoice, written with spaces and in lower case, is the same invoice.
    same = fee_values(invoice_code="0110 0250 0111", loan_contract="JK-2025-0610")
    with pytest.raises(SubsidyInvalid, match=first.reference):
        apps.fee_line_add(application=second, actor=enterprise_user, values=same, invoice=pdf())
    assert not second.fee_lines.exists()


def test_a_rejected_application_frees_its_loan_for_another_batch(
    batch, reviewer, second_reviewer, settled_loan, enterprise_user
):
    first = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=first, actor=reviewer)
    review.review_propose(application=first, actor=reviewer, outcome=review.REJECT, reason="材料不实")
    second_batch = make_batch(reviewer, title="2026 second batch")
    second = apps.application_open(batch=second_batch, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid, match=first.reference):  # still claimed while only proposed
        apps.loan_line_add_from_portal(application=second, loan=settled_loan, actor=enterprise_user)
    review.review_decide(application=first, actor=second_reviewer, approve=True)
    line = apps.loan_line_add_from_portal(application=second, loan=settled_loan, actor=enterprise_user)
    assert line.application == second


def test_one_live_application_per_enterprise_and_batch(batch, enterprise_user, enterprise_admin):
    first = apps.application_open(batch=batch, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid, match=first.reference):
        apps.application_open(batch=batch, actor=enterprise_admin)
    apps.application_withdraw(application=first, actor=enterprise_user)
    assert apps.application_open(batch=batch, actor=enterprise_admin).pk != first.pk


# --- The batch's computation at its edges ------------------------------------------------------------------


def _entered_line(batch, user, bank, **values):
    application = apps.application_open(batch=batch, actor=user)
    line = apps.loan_line_add_entered(
        application=application, actor=user, values=entered_values(bank, **values), evidence=pdf()
    )
    line.refresh_from_db()
    return line, refreshed(application)


def test_an_ip_share_exactly_at_the_minimum_is_eligible(batch, enterprise_user, bank_a_branch):
    # LPR 3.00% on 2025-06-10, cap rate 4.20% >= 4.00%: all interest counts, times the share.
    line, application = _entered_line(
        batch, enterprise_user, bank_a_branch, ip_share="0.5", annual_rate_pct="4.00", interest_paid="100000"
    )
    assert line.reasons == [] and line.eligible_interest == D("50000.00")
    assert line.subsidy == D("25000.00") == application.calculated


def test_an_ip_share_just_below_the_minimum_is_not(batch, enterprise_user, bank_a_branch):
    line, application = _entered_line(
        batch, enterprise_user, bank_a_branch, ip_share="0.4999", annual_rate_pct="4.00"
    )
    assert line.reasons == ["ip_share_too_low"] and line.subsidy == D("0.00") == application.calculated


def test_the_subsidy_rounds_half_up_at_the_fen(batch, enterprise_user, bank_a_branch):
    # 0.5 x 10,000.01 = 5,000.005 -> 5,000.01 (half-even would give 5,000.00).
    line, application = _entered_line(
        batch, enterprise_user, bank_a_branch, interest_paid="10000.01", annual_rate_pct="4.00"
    )
    assert line.eligible_interest == D("10000.01") and line.subsidy == D("5000.01")
    assert application.calculated == D("5000.01")


def test_the_eligible_interest_rounds_half_up_at_the_fen_too(batch, enterprise_user, bank_a_branch):
    # 20,000.01 x 0.5 = 10,000.005 -> 10,000.01; then 0.5 x 10,000.01 = 5,000.005 -> 5,000.01.
    line, _application = _entered_line(
        batch,
        enterprise_user,
        bank_a_branch,
        interest_paid="20000.01",
        ip_share="0.5",
        annual_rate_pct="4.00",
    )
    assert line.eligible_interest == D("10000.01") and line.subsidy == D("5000.01")


@pytest.mark.parametrize(
    ("settled_on", "eligible"),
    [("2025-01-01", True), ("2025-12-31", True), ("2024-12-31", False), ("2026-01-01", False)],
)
def test_the_settlement_window_is_inclusive(batch, enterprise_user, bank_a_branch, settled_on, eligible):
    line, _application = _entered_line(
        batch,
        enterprise_user,
        bank_a_branch,
        disbursed_on="2024-11-01",
        pledge_registered_on="2024-10-30",
        settled_on=settled_on,
    )
    assert (line.reasons == []) is eligible
    assert (line.subsidy > 0) is eligible


def test_a_pledge_registered_on_the_settlement_day_counts_but_not_a_day_later(
    batch, enterprise_user, bank_a_branch, bank_a_officer
):
    line, _ = _entered_line(batch, enterprise_user, bank_a_branch, pledge_registered_on="2025-12-20")
    assert line.reasons == []
    later = apps.loan_line_correct(
        line=line,
        actor=enterprise_user,
        values=entered_values(bank_a_branch, pledge_registered_on="2025-12-21"),
    )
    later.refresh_from_db()
    assert later.reasons == ["pledge_after_settlement"] and later.subsidy == D("0.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"interest_paid": "-1"}, "interest_paid"),
        ({"interest_paid": "abc"}, "interest_paid"),
        ({"annual_rate_pct": "0"}, "annual_rate_pct"),
        ({"annual_rate_pct": "Infinity"}, "annual_rate_pct"),
        ({"ip_share": "1.01"}, "ip_share"),
        ({"ip_share": "0"}, "ip_share"),
        ({"principal": "0"}, "principal"),
        ({"disbursed_on": "2025-02-30"}, "disbursed_on"),
        ({"settled_on": "2025-06-01"}, "settled_on"),  # before the disbursement
        ({"bank": None}, "bank"),
    ],
)
def test_bad_loan_figures_are_refused_by_field(batch, enterprise_user, bank_a_branch, overrides, field):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid) as refused:
        apps.loan_line_add_entered(
            application=application,
            actor=enterprise_user,
            values={**entered_values(bank_a_branch), **overrides},
            evidence=pdf(),
        )
    assert field in refused.value.errors
    assert not application.loan_lines.exists() and not application.claims.exists()


def test_a_zero_interest_loan_is_eligible_for_nothing(batch, enterprise_user, bank_a_branch):
    line, application = _entered_line(batch, enterprise_user, bank_a_branch, interest_paid="0")
    assert line.reasons == [] and line.subsidy == D("0.00") == application.calculated


def test_a_batch_opened_today_takes_applications_until_its_last_day(reviewer, enterprise_user):
    from django.utils.timezone import localdate

    batch = make_batch(reviewer, opens_on=localdate(), closes_on=localdate())
    assert apps.application_open(batch=batch, actor=enterprise_user).batch == batch
    past = make_batch(
        reviewer, opens_on=localdate() - timedelta(days=9), closes_on=localdate() - timedelta(days=1)
    )
    with pytest.raises(SubsidyInvalid):
        apps.application_open(batch=past, actor=enterprise_user)


# --- The demo's batches and applications (subsidies/demo.py) ------------------------------------------


def test_the_demo_tells_the_story_once(settings, tmp_path):
    from django.apps import apps as django_apps

    from portal.management.demo import seed_demo as seed_portal
    from subsidies.demo import BUDGET_2026, TITLE_2025
    from subsidies.demo import seed_demo as seed_subsidies
    from subsidies.models import Application, Objection, ObjectionStatus

    settings.MEDIA_ROOT = tmp_path  # the demo's documents
    seed_portal()
    for app in ("pledges", "loans"):
        django_apps.get_app_config(app).seed_demo()
    assert seed_subsidies() == 7
    assert seed_subsidies() == 0  # idempotent

    last_year = Batch.objects.get(title=TITLE_2025)
    batch = Batch.objects.get(cloned_from=last_year)
    assert (last_year.year, last_year.status) == (2025, BatchStatus.ARCHIVED)
    assert (batch.year, batch.status, batch.budget) == (2026, BatchStatus.PUBLISHED, BUDGET_2026)
    from django.utils.timezone import localdate

    assert (batch.opens_on, batch.closes_on) == (
        localdate() - timedelta(days=30),
        localdate() + timedelta(days=60),
    )
    stages = sorted(Application.objects.filter(batch=batch).values_list("status", flat=True))
    assert stages == sorted(
        [S.DRAFT, S.AWAITING_BANK, S.UNDER_REVIEW, S.PROPOSED, S.APPROVED, S.PUBLICITY, S.PAID]
    )
    reviewing = Application.objects.get(batch=batch, status=S.UNDER_REVIEW)
    assert reviewing.materials.filter(verdict="failing").count() == 1
    on_notice = Application.objects.get(batch=batch, status=S.PUBLICITY)
    assert Objection.objects.get(application=on_notice).status == ObjectionStatus.OPEN
    paid = Application.objects.get(batch=batch, status=S.PAID)
    assert paid.payment.paid_on == localdate() and paid.approved_amount == paid.calculated > 0
    batch.refresh_from_db()
    approved_total = sum(
        Application.objects.filter(batch=batch, status__in=[S.APPROVED, S.PUBLICITY, S.PAID]).values_list(
            "approved_amount", flat=True
        ),
        D("0"),
    )
    assert batch.reserved == approved_total and batch.paid == paid.approved_amount
    draft = Application.objects.get(batch=batch, status=S.DRAFT)
    assert draft.enterprise.memberships.filter(user__username="demo_enterprise").exists()
    assert draft.calculated > 0 and draft.loan_lines.exists()
    assert (
        Application.objects.get(batch=batch, status=S.AWAITING_BANK).loan_lines.get().confirmation
        == "pending"
    )
