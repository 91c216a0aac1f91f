"""Banks' feedback on published whitelist entries: the rules of feedback_record, each bank's scope, the
overdue listing on the working-day calendar, the funnel, the reminders, and the pages (with the Excel
export showing exactly the figures on screen)."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.notifications.models import Notification
from portal.workdays.services import add_working_days
from tests.conftest import make_uscc
from tests.loans.test_loan_api import make_loan
from tests.whitelist.factories import NEXT_YEAR
from whitelist.batches import batch_create, batch_publish, batch_submit, entries_decide
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.feedback import (
    entry_get_for_user,
    feedback_record,
    feedback_reminders,
    feedback_scope,
    funnel,
    funnel_report,
    funnel_sections,
    overdue_feedback,
)
from whitelist.models import BatchEntry, Decision, DeclineCode, Feedback, FeedbackKind

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def publish(run, reviewer, promotion_officer):
    """Publish the run's candidates (all included; two of the three consent, so two are published)."""
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    batch_submit(batch=batch, actor=reviewer)
    return batch_publish(batch=batch, actor=promotion_officer)


@pytest.fixture
def published(run, reviewer, promotion_officer, bank_a, bank_a_branch, bank_b):
    """A batch published to bank A (head office; its branch is in the group) and bank B."""
    return publish(run, reviewer, promotion_officer)


@pytest.fixture
def entries(published):
    return list(BatchEntry.objects.filter(batch=published, published=True).order_by("enterprise__name"))


@pytest.fixture
def entry(entries):
    return entries[0]


@pytest.fixture
def late_bank_officer(published, make_user):
    """An officer of a bank that joined after the publication: it has no delivery of the batch."""
    bank = organisation_create(name="新设银行", kind=OrgKind.BANK, uscc=make_uscc())
    return make_user("late_bank_officer", bank, Role.BANK_OFFICER)


def record(entry, actor, kind=FeedbackKind.CONTACTED, **extra):
    extra.setdefault("occurred_on", TODAY)
    return feedback_record(entry=entry, actor=actor, kind=kind, **extra)


def set_due(batch, due):
    batch.feedback_due_on = due
    batch.save(update_fields=["feedback_due_on"])


def reported_on(feedback, day):
    """Move a report's time to noon (Beijing) of ``day``."""
    moment = timezone.make_aware(datetime.combine(day, time(12, 0)))
    Feedback.objects.filter(pk=feedback.pk).update(reported_at=moment)


# --- feedback_record's rules --------------------------------------------------------------------------


def test_a_branch_officer_reports_contact_recorded_for_the_head_office(entry, bank_a, bank_a_officer):
    feedback = record(entry, bank_a_officer, note="电话联系了财务总监")
    assert (feedback.bank, feedback.kind, feedback.reported_by) == (bank_a, "contacted", bank_a_officer)
    assert (feedback.amount, feedback.decline_code, feedback.loan) == (None, "", None)


@pytest.mark.parametrize("amount", [None, "", Decimal("0"), Decimal("-5")])
def test_credit_granted_needs_an_amount_above_zero(entry, bank_a_officer, amount, english):
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, FeedbackKind.CREDIT_GRANTED, amount=amount)
    assert "amount" in refused.value.errors
    assert not Feedback.objects.exists()


def test_credit_granted_keeps_the_amount_to_the_fen(entry, bank_a_manager):
    feedback = record(entry, bank_a_manager, FeedbackKind.CREDIT_GRANTED, amount=Decimal("5000000.005"))
    assert feedback.amount == Decimal("5000000.01")


def test_a_decline_needs_a_reason_code(entry, bank_a_officer, english):
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, FeedbackKind.DECLINED)
    assert "decline_code" in refused.value.errors
    with pytest.raises(WhitelistValidationError):
        record(entry, bank_a_officer, FeedbackKind.DECLINED, decline_code="bogus")
    feedback = record(entry, bank_a_officer, FeedbackKind.DECLINED, decline_code=DeclineCode.IP_VALUE)
    assert feedback.decline_code == DeclineCode.IP_VALUE


def test_a_decline_for_another_reason_needs_a_note(entry, bank_a_officer, english):
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, FeedbackKind.DECLINED, decline_code=DeclineCode.OTHER, note="  ")
    assert "note" in refused.value.errors
    record(entry, bank_a_officer, FeedbackKind.DECLINED, decline_code=DeclineCode.OTHER, note="企业已注销")


def test_a_disbursal_needs_the_banks_own_loan_to_that_enterprise(
    entries, bank_a_officer, bank_b_officer, english
):
    entry, other = entries
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, FeedbackKind.LOAN_DISBURSED)
    assert "loan" in refused.value.errors
    bank_b_loan = make_loan(bank_b_officer, entry.enterprise, ref="B-1")
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, FeedbackKind.LOAN_DISBURSED, loan=bank_b_loan)
    assert refused.value.errors["loan"] == ["The loan must be one of your bank's loans to this enterprise."]
    loan_to_other = make_loan(bank_a_officer, other.enterprise, ref="A-OTHER")
    with pytest.raises(WhitelistValidationError):
        record(entry, bank_a_officer, FeedbackKind.LOAN_DISBURSED, loan=loan_to_other)
    own = make_loan(bank_a_officer, entry.enterprise, ref="A-1")
    feedback = record(entry, bank_a_officer, FeedbackKind.LOAN_DISBURSED, loan=own)
    assert feedback.loan == own
    assert Feedback.objects.count() == 1


def test_the_date_cannot_be_in_the_future(entry, bank_a_officer, english):
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, occurred_on=TODAY + timedelta(days=1))
    assert refused.value.errors["occurred_on"] == ["The date cannot be in the future."]


def test_the_date_cannot_be_before_the_publication(entry, bank_a_officer):
    with pytest.raises(WhitelistValidationError) as refused:
        record(entry, bank_a_officer, occurred_on=TODAY - timedelta(days=30))
    assert "occurred_on" in refused.value.errors


def test_an_entry_that_was_not_published_takes_no_feedback(published, bank_a_officer):
    unpublished = BatchEntry.objects.get(batch=published, published=False)
    with pytest.raises(WhitelistValidationError):
        record(unpublished, bank_a_officer)


def test_a_bank_without_a_delivery_of_the_batch_cannot_report(entry, late_bank_officer):
    with pytest.raises(WhitelistNotAllowed):
        record(entry, late_bank_officer)
    with pytest.raises(Exception) as not_found:
        entry_get_for_user(user=late_bank_officer, pk=entry.pk)
    assert isinstance(not_found.value, Http404)  # a 404: existence does not leak


@pytest.mark.parametrize("persona", ["reviewer", "enterprise_user", "joint_office_viewer"])
def test_only_bank_officers_and_managers_report(entry, persona, request):
    with pytest.raises(WhitelistNotAllowed):
        record(entry, request.getfixturevalue(persona))


# --- Scope ----------------------------------------------------------------------------------------------


def test_each_bank_sees_only_its_own_groups_feedback(
    entry, bank_a_officer, bank_a_manager, bank_b_officer, reviewer, joint_office_viewer
):
    mine = record(entry, bank_a_officer)
    theirs = record(entry, bank_b_officer)  # bank B received the batch too: it reports for itself
    assert set(feedback_scope(bank_a_manager)) == {mine}  # the head office sees its branch's
    assert set(feedback_scope(bank_a_officer)) == {mine}
    assert set(feedback_scope(bank_b_officer)) == {theirs}
    assert set(feedback_scope(reviewer)) == set(feedback_scope(joint_office_viewer)) == {mine, theirs}


def test_outsiders_see_no_feedback(entry, bank_a_officer, enterprise_user):
    record(entry, bank_a_officer)
    assert not feedback_scope(enterprise_user).exists()


# --- Overdue ------------------------------------------------------------------------------------------


def test_overdue_feedback_is_listed_per_bank_after_the_due_working_day(
    published, entries, bank_a, bank_b, bank_a_officer
):
    due = add_working_days(TODAY - timedelta(days=40), 10).due_date
    set_due(published, due)
    record(entries[0], bank_a_officer, occurred_on=TODAY)
    assert overdue_feedback(due) == []  # the due day itself is still in time
    after = add_working_days(due, 1).due_date
    rows = {row.bank: row for row in overdue_feedback(after)}
    assert set(rows) == {bank_a, bank_b}
    assert rows[bank_a].missing == 1 and rows[bank_b].missing == 2
    assert [(item.batch, item.due_on, item.missing) for item in rows[bank_a].batches] == [(published, due, 1)]


def test_a_bank_that_reported_on_everything_is_not_overdue(published, entries, bank_b, bank_a_officer):
    set_due(published, TODAY - timedelta(days=10))
    for entry in entries:
        record(entry, bank_a_officer)
    assert [row.bank for row in overdue_feedback(TODAY)] == [bank_b]


def test_nothing_is_overdue_before_the_due_date(published):
    assert published.feedback_due_on >= TODAY
    assert overdue_feedback(TODAY) == []


# --- The funnel ---------------------------------------------------------------------------------------


def hand_built(entry, bank, actor, kind, **extra):
    return Feedback.objects.create(
        entry=entry, bank=bank, kind=kind, occurred_on=TODAY, reported_by=actor, **extra
    )


@pytest.fixture
def reported(published, entries, bank_a, bank_b, bank_a_officer, bank_b_officer):
    """Bank A: e0 contacted, granted and disbursed (first report on time); bank B: e0 contacted late,
    e1 declined as unreachable, late. Bank A never reported on e1."""
    e0, e1 = entries
    due = published.feedback_due_on
    loan = make_loan(bank_a_officer, e0.enterprise, ref="FUNNEL-1")
    for kind, extra in (
        (FeedbackKind.CONTACTED, {}),
        (FeedbackKind.CREDIT_GRANTED, {"amount": Decimal("1000000")}),
        (FeedbackKind.LOAN_DISBURSED, {"loan": loan}),
    ):
        reported_on(hand_built(e0, bank_a, bank_a_officer, kind, **extra), due)
    reported_on(hand_built(e0, bank_b, bank_b_officer, FeedbackKind.CONTACTED), due + timedelta(days=1))
    reported_on(
        hand_built(e1, bank_b, bank_b_officer, FeedbackKind.DECLINED, decline_code=DeclineCode.UNREACHABLE),
        due + timedelta(days=3),
    )
    return published


def figures(f):
    return (f.published, f.contacted, f.granted, f.disbursed, f.declined, f.on_time, f.late, f.missing)


def test_the_funnel_of_a_batch_counts_each_enterprise_once(reported):
    # e0 went all the way (its first report, bank A's, on time); e1 was only declined, late.
    assert figures(funnel(reported)) == (2, 1, 1, 1, 1, 1, 1, 0)


def test_the_funnel_of_one_bank_counts_only_its_feedback(reported, bank_a, bank_b):
    assert figures(funnel(reported, bank_a)) == (2, 1, 1, 1, 0, 1, 0, 1)
    # An unreachable enterprise was not contacted; bank B's first report on e0 came late.
    assert figures(funnel(bank=bank_b)) == (2, 1, 0, 0, 1, 0, 2, 0)


def test_a_later_step_implies_the_earlier_ones(published, entries, bank_a, bank_a_officer):
    loan = make_loan(bank_a_officer, entries[0].enterprise, ref="ONLY-DISBURSED")
    hand_built(entries[0], bank_a, bank_a_officer, FeedbackKind.LOAN_DISBURSED, loan=loan)
    hand_built(entries[1], bank_a, bank_a_officer, FeedbackKind.CREDIT_GRANTED, amount=Decimal("1"))
    result = funnel(published, bank_a)
    assert (result.contacted, result.granted, result.disbursed) == (2, 2, 1)
    assert result.contact_rate == Decimal("100.0") and result.disbursal_rate == Decimal("50.0")


def test_missing_feedback_counts_as_overdue_once_the_date_has_passed(published):
    assert (funnel(published).missing, funnel(published).missing_overdue) == (2, 0)
    set_due(published, TODAY - timedelta(days=1))
    assert funnel(published).missing_overdue == 2


def test_a_bank_without_deliveries_has_an_empty_funnel(reported, late_bank_officer):
    result = funnel(bank=late_bank_officer.organisation)
    assert figures(result) == (0, 0, 0, 0, 0, 0, 0, 0)
    assert result.contact_rate is None


def test_the_report_has_a_row_per_batch_and_per_bank(reported, bank_a, bank_b):
    report = funnel_report()
    assert [row.label for row in report.by_bank] == sorted([bank_a.name, bank_b.name])
    assert [row.figures for row in report.by_batch] == [funnel(reported)]
    assert report.total == funnel(reported)


# --- Reminders ----------------------------------------------------------------------------------------


def reminders(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_reminders_before_the_due_date_are_sent_once_per_bank_and_batch(
    published, entries, bank_a_officer, bank_a_manager, bank_b_officer
):
    set_due(published, add_working_days(TODAY, 2).due_date)
    first = feedback_reminders()
    again = feedback_reminders()
    assert first == {"due": 3, "overdue": 0} and again == {"due": 0, "overdue": 0}
    assert reminders("whitelist.feedback.due") == ["bank_a_manager", "bank_a_officer", "bank_b_officer"]
    notice = Notification.objects.filter(recipient=bank_b_officer).get()
    assert str(published.number) in notice.subject
    assert notice.link == reverse("whitelist:feedback_overdue")


def test_no_reminder_when_the_due_date_is_further_than_three_working_days(published, bank_a_officer):
    set_due(published, add_working_days(TODAY, 4).due_date)
    assert feedback_reminders() == {"due": 0, "overdue": 0}


def test_overdue_banks_get_one_overdue_notice_and_those_who_reported_none(
    published, entries, bank_a_officer, bank_b_officer
):
    for entry in entries:
        record(entry, bank_a_officer)
    set_due(published, TODAY - timedelta(days=1))
    assert feedback_reminders()["overdue"] == 1
    assert feedback_reminders()["overdue"] == 0
    assert reminders("whitelist.feedback.overdue") == ["bank_b_officer"]


# --- Pages --------------------------------------------------------------------------------------------


def entry_url(entry):
    return reverse("whitelist:feedback_entry", args=[entry.pk])


def test_a_bank_officer_reports_on_the_page_and_sees_the_history(client, entry, bank_a, bank_a_officer):
    client.force_login(bank_a_officer)
    page = client.get(entry_url(entry))
    assert page.status_code == 200 and 'data-testid="feedback-form"' in page.content.decode()
    response = client.post(
        entry_url(entry),
        {"kind": "credit_granted", "occurred_on": TODAY.isoformat(), "amount": "3000000.00"},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.bank, feedback.amount) == (bank_a, Decimal("3000000.00"))
    assert client.get(entry_url(entry)).content.decode().count('data-testid="feedback-row"') == 1


def test_refused_feedback_re_renders_with_400_and_the_input_kept(client, entry, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        entry_url(entry),
        {"kind": "declined", "occurred_on": TODAY.isoformat(), "decline_code": "other", "note": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    assert 'value="other" selected' in response.content.decode()
    assert not Feedback.objects.exists()


def test_bank_b_never_sees_bank_as_feedback_on_the_page(client, entry, bank_a_officer, bank_b_officer):
    record(entry, bank_a_officer, note="A 的备注")
    client.force_login(bank_b_officer)
    page = client.get(entry_url(entry))
    assert page.status_code == 200
    assert "A 的备注" not in page.content.decode()
    assert 'data-testid="no-feedback"' in page.content.decode()


def test_staff_see_every_banks_feedback_read_only(client, entry, bank_a_officer, bank_b_officer, reviewer):
    record(entry, bank_a_officer)
    record(entry, bank_b_officer)
    client.force_login(reviewer)
    page = client.get(entry_url(entry))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="feedback-row"') == 2
    assert page.context["form"] is None
    assert client.post(entry_url(entry), {"kind": "contacted"}).status_code == 403


@pytest.mark.parametrize("persona", ["enterprise_user", "late_bank_officer"])
def test_others_get_404_on_an_entry(client, entry, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(entry_url(entry)).status_code == 404
    assert client.post(entry_url(entry), {"kind": "contacted"}).status_code == 404


def test_staff_see_overdue_feedback_per_bank_with_the_entries(client, published, entries, bank_b, reviewer):
    set_due(published, TODAY - timedelta(days=2))
    client.force_login(reviewer)
    page = client.get(reverse("whitelist:feedback_overdue"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="overdue-bank"') == 2
    assert entries[0].enterprise.name in page.content.decode()
    one = client.get(reverse("whitelist:feedback_overdue"), {"bank": bank_b.pk})
    assert [row["overdue"].bank for row in one.context["rows"]] == [bank_b]
    assert one.context["page"].paginator.count == 2


def test_a_bank_sees_the_entries_awaiting_its_feedback(client, published, entries, bank_a_officer):
    record(entries[0], bank_a_officer)
    client.force_login(bank_a_officer)
    page = client.get(reverse("whitelist:feedback_overdue"))
    assert page.status_code == 200
    assert list(page.context["page"]) == [entries[1]]


def test_outsiders_get_403_on_the_overdue_page(client, published, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("whitelist:feedback_overdue")).status_code == 403


@pytest.mark.parametrize("persona", ["reviewer", "joint_office_viewer"])
def test_staff_and_the_joint_office_see_the_funnel(client, reported, persona, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("whitelist:funnel_report"))
    assert page.status_code == 200
    assert page.context["sections"] == funnel_sections(funnel_report())


@pytest.mark.parametrize("persona", ["bank_a_officer", "enterprise_user"])
def test_banks_and_enterprises_get_403_on_the_reports(client, reported, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("whitelist:funnel_report")).status_code == 403
    assert client.get(reverse("whitelist:funnel_excel")).status_code == 403


@pytest.mark.parametrize("by_batch", [False, True])
def test_the_excel_file_holds_exactly_the_figures_on_screen(client, reported, reviewer, by_batch):
    import openpyxl

    query = {"batch": reported.pk} if by_batch else {}
    client.force_login(reviewer)
    screen = client.get(reverse("whitelist:funnel_report"), query).context["sections"]
    response = client.get(reverse("whitelist:funnel_excel"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == len(screen)
    for sheet, section in zip(workbook.worksheets, screen, strict=True):
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == [str(section["first"]), *map(str, section["headings"])]
        expected = [[("—" if value is None else value) for value in row] for row in section["rows"]]
        as_read = [[Decimal(str(v)) if isinstance(v, float) else v for v in row] for row in rows[1:]]
        assert as_read == expected
    total = screen[0]["rows"][0]
    assert total[1:5] == [2, 1, 1, 1]  # published, contacted, granted, disbursed


def test_an_unknown_batch_in_the_funnel_filter_is_a_400(client, reported, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("whitelist:funnel_report"), {"batch": 999999}).status_code == 400
    assert client.get(reverse("whitelist:funnel_excel"), {"batch": 999999}).status_code == 400


def test_the_excel_export_is_audited(client, reported, reviewer):
    from portal.audit.models import AuditEvent

    client.force_login(reviewer)
    client.get(reverse("whitelist:funnel_excel"))
    assert AuditEvent.objects.filter(action="data.export", object_type="whitelist.funnel").count() == 1
