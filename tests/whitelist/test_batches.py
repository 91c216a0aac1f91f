"""Review and publication of whitelist batches: decisions, maker-checker, consent at publication, the
pledgeable IP copied, and a published batch that never changes."""

import pytest
from django.utils import timezone

from tests.whitelist.factories import NEXT_YEAR
from whitelist.batches import batch_create, batch_publish, batch_send_back, batch_submit, entries_decide
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import BatchEntry, BatchStatus, ConsentStatus, Decision, EntryAsset, ExclusionReason
from whitelist.services import consent_set

pytestmark = pytest.mark.django_db


def test_a_batch_holds_the_runs_passing_candidates_to_review(reviewer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    assert batch.status == BatchStatus.REVIEWING
    assert batch.entries.count() == 3
    assert set(batch.entries.values_list("decision", flat=True)) == {Decision.PENDING}


def test_review_submit_and_publish_by_another_member_of_staff(reviewer, promotion_officer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries = list(batch.entries.order_by("enterprise_id"))
    entries_decide(
        batch=batch, entry_ids=[e.pk for e in entries[:2]], decision=Decision.INCLUDED, actor=reviewer
    )
    with pytest.raises(WhitelistValidationError, match="1"):
        batch_submit(batch=batch, actor=reviewer)  # one still to review
    entries_decide(
        batch=batch,
        entry_ids=[entries[2].pk],
        decision=Decision.EXCLUDED,
        reason=ExclusionReason.RISK_SIGNAL,
        actor=reviewer,
    )
    batch = batch_submit(batch=batch, actor=reviewer)
    with pytest.raises(WhitelistNotAllowed):
        batch_publish(batch=batch, actor=reviewer)  # the maker cannot approve
    batch = batch_publish(batch=batch, actor=promotion_officer)
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.published_count == 2  # both included ones consented
    published = BatchEntry.objects.filter(batch=batch, published=True)
    assert set(published.values_list("pk", flat=True)) == {entries[0].pk, entries[1].pk}
    # Their valid patent and trademark are copied; the terminated utility model is not.
    assert sorted(EntryAsset.objects.filter(entry=entries[0]).values_list("kind", flat=True)) == [
        "patent",
        "trademark",
    ]
    assert list(batch.events.values_list("to_status", flat=True)) == ["reviewing", "submitted", "published"]


def test_publication_delivers_to_every_bank_head_office_and_sets_the_feedback_due_date(
    reviewer, promotion_officer, run, bank_a, bank_a_branch, bank_b
):
    from portal.policy.selectors import parameter_set_for_year
    from portal.workdays.services import add_working_days

    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    batch_submit(batch=batch, actor=reviewer)
    batch = batch_publish(batch=batch, actor=promotion_officer)
    assert set(batch.deliveries.values_list("bank_id", flat=True)) == {bank_a.pk, bank_b.pk}  # not the branch
    today = timezone.localdate()
    days = parameter_set_for_year(today.year).whitelist_feedback_working_days
    assert batch.feedback_due_on == add_working_days(today, days).due_date


def test_an_included_enterprise_without_consent_is_not_published(reviewer, promotion_officer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    batch_submit(batch=batch, actor=reviewer)
    batch = batch_publish(batch=batch, actor=promotion_officer)
    assert batch.published_count == 2
    unconsented = batch.entries.get(enterprise__name="白名单企业2")
    assert (unconsented.decision, unconsented.published) == (Decision.INCLUDED, False)
    assert not unconsented.assets.exists()


def test_a_consent_withdrawn_before_publication_keeps_the_enterprise_out(reviewer, promotion_officer, run):
    from portal.accounts.models import User

    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    consent_set(actor=User.objects.get(username="ent0"), to=ConsentStatus.WITHDRAWN)
    batch_submit(batch=batch, actor=reviewer)
    assert batch_publish(batch=batch, actor=promotion_officer).published_count == 1


def test_an_exclusion_needs_a_reason_and_other_needs_a_note(reviewer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entry = batch.entries.first()
    with pytest.raises(WhitelistValidationError):
        entries_decide(batch=batch, entry_ids=[entry.pk], decision=Decision.EXCLUDED, actor=reviewer)
    with pytest.raises(WhitelistValidationError):
        entries_decide(
            batch=batch,
            entry_ids=[entry.pk],
            decision=Decision.EXCLUDED,
            reason=ExclusionReason.OTHER,
            actor=reviewer,
        )
    assert (
        entries_decide(
            batch=batch,
            entry_ids=[entry.pk],
            decision=Decision.EXCLUDED,
            reason=ExclusionReason.OTHER,
            note="企业已迁出",
            actor=reviewer,
        )
        == 1
    )


def test_send_back_reopens_the_review_and_a_published_batch_never_changes(reviewer, promotion_officer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    ids = list(batch.entries.values_list("pk", flat=True))
    entries_decide(batch=batch, entry_ids=ids, decision=Decision.INCLUDED, actor=reviewer)
    batch_submit(batch=batch, actor=reviewer)
    with pytest.raises(WhitelistValidationError):
        batch_send_back(batch=batch, actor=promotion_officer, reason=" ")
    batch = batch_send_back(batch=batch, actor=promotion_officer, reason="请复核第三家企业")
    assert (batch.status, batch.submitted_by) == (BatchStatus.REVIEWING, None)
    batch_submit(batch=batch, actor=promotion_officer)
    batch = batch_publish(batch=batch, actor=reviewer)  # now the other one approves
    with pytest.raises(WhitelistValidationError):
        entries_decide(
            batch=batch,
            entry_ids=ids,
            decision=Decision.EXCLUDED,
            reason=ExclusionReason.DUPLICATE,
            actor=reviewer,
        )
    for move in (batch_submit, batch_publish):
        with pytest.raises((WhitelistValidationError, WhitelistNotAllowed)):
            move(batch=batch, actor=promotion_officer)


def test_entries_of_another_batch_are_not_touched(reviewer, run):
    first = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    second = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    assert second.number == first.number + 1
    foreign = list(first.entries.values_list("pk", flat=True))
    assert entries_decide(batch=second, entry_ids=foreign, decision=Decision.INCLUDED, actor=reviewer) == 0


def test_only_staff_review_and_batches_must_be_valid_after_today(
    bank_a_officer, enterprise_user, reviewer, run
):
    for outsider in (bank_a_officer, enterprise_user):
        with pytest.raises(WhitelistNotAllowed):
            batch_create(run=run, actor=outsider, valid_until=NEXT_YEAR)
    with pytest.raises(WhitelistValidationError):
        batch_create(run=run, actor=reviewer, valid_until=timezone.localdate())
