"""Alerts from the register: legal-status events on pledged assets, annual-fee reminders (§2.1.5)."""

from datetime import date

import pytest
from django.core import mail
from freezegun import freeze_time

from pledges.models import Status
from pledges.services.register import asset_update_legal_status, legal_status_import
from pledges.tasks import annual_fee_reminders
from portal.accounts.models import Role
from portal.notifications.models import Notification
from tests.pledges import factories_register
from tests.pledges.factories_register import pledge_over

pytestmark = pytest.mark.django_db

patent = factories_register.patent
trademark = factories_register.trademark

HEADER = "kind,number,status,occurred_on,note,annual_fee_paid_through\n"


def _recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.fixture
def pledged_patent(patent, bank_a_branch, enterprise_user, commissioner):
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user, commissioner=commissioner)
    return patent


def test_event_on_pledged_asset_notifies_pledgee_bank_and_commissioner_not_another_bank(
    pledged_patent,
    bank_a_officer,
    bank_a_manager,
    bank_b_officer,
    enterprise_user,
    django_capture_on_commit_callbacks,
):
    content = (HEADER + "patent,201310699744.2,invalidation_requested,2026-04-01,Request 4W1,\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        result = legal_status_import(content=content, filename="feed.csv")
    assert result.applied == 1
    # The branch's officer, its head office's manager, and the case's commissioner.
    assert _recipients("pledges.legal_status") == {"bank_a_officer", "bank_a_manager", "commissioner"}
    notice = Notification.objects.filter(kind="pledges.legal_status").first()
    assert "201310699744.2" in notice.subject
    assert notice.link == f"/pledges/assets/{pledged_patent.pk}/"
    assert {message.to[0] for message in mail.outbox} == {
        "bank_a_officer@example.com",
        "bank_a_manager@example.com",
        "commissioner@example.com",
    }


def test_event_on_an_asset_with_an_open_case_notifies_that_pledgee(
    trademark, bank_b, bank_b_officer, bank_a_officer, enterprise_user, django_capture_on_commit_callbacks
):
    pledge_over(trademark, pledgee=bank_b, created_by=enterprise_user, status=Status.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        asset_update_legal_status(
            asset=trademark, status="preserved", occurred_on=date(2026, 5, 6), source="staff"
        )
    assert _recipients("pledges.legal_status") == {"bank_b_officer"}


def test_event_on_a_free_asset_notifies_nobody(
    patent, bank_a_officer, enterprise_user, django_capture_on_commit_callbacks
):
    pledge_over(
        patent, pledgee=bank_a_officer.organisation, created_by=enterprise_user, status=Status.WITHDRAWN
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        asset_update_legal_status(
            asset=patent, status="fee_grace", occurred_on=date(2026, 5, 6), source="staff"
        )
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_failed_import_notifies_nobody(pledged_patent, bank_a_officer, django_capture_on_commit_callbacks):
    content = (
        HEADER + "patent,201310699744.2,terminated,2026-04-01,,\npatent,201310699744.2,bad,2026-04-02,,\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert not legal_status_import(content=content, filename="feed.csv").ok
    assert callbacks == []
    assert not Notification.objects.exists()


def test_repeated_event_does_not_notify_twice(
    pledged_patent, bank_a_officer, django_capture_on_commit_callbacks
):
    content = (HEADER + "patent,201310699744.2,fee_grace,2026-04-01,,\n").encode()
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            legal_status_import(content=content, filename="feed.csv")
    assert Notification.objects.filter(recipient=bank_a_officer).count() == 1


def test_inactive_pledgee_membership_is_not_notified(
    pledged_patent, bank_a_officer, make_user, bank_a_branch, django_capture_on_commit_callbacks
):
    gone = make_user("gone_officer", bank_a_branch, Role.BANK_OFFICER)
    gone.memberships.update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        asset_update_legal_status(
            asset=pledged_patent, status="fee_grace", occurred_on=date(2026, 5, 6), source="staff"
        )
    assert "gone_officer" not in _recipients("pledges.legal_status")
    assert "bank_a_officer" in _recipients("pledges.legal_status")


def test_annual_fee_reminders_are_sent_once_per_point(
    pledged_patent, enterprise_user, bank_a_officer, bank_a_manager, bank_b_officer, outsider
):
    # Paid through 2026-12-17: T-60 is 2026-10-18.
    with freeze_time("2026-10-17 10:00"):
        annual_fee_reminders.delay()
    assert not Notification.objects.exists()
    with freeze_time("2026-10-18 09:00"):
        annual_fee_reminders.delay()
        annual_fee_reminders.delay()  # beat may fire twice; the point still goes once
    assert _recipients("pledges.annual_fee") == {"ent_user", "bank_a_officer", "bank_a_manager"}
    assert Notification.objects.filter(kind="pledges.annual_fee").count() == 3
    with freeze_time("2026-10-25 09:00"):
        annual_fee_reminders.delay()  # still in the T-60 window: nothing new
    assert Notification.objects.filter(kind="pledges.annual_fee").count() == 3
    with freeze_time("2026-11-17 09:00"):
        annual_fee_reminders.delay()
    assert Notification.objects.filter(kind="pledges.annual_fee").count() == 6
    keys = set(Notification.objects.filter(recipient=enterprise_user).values_list("dedupe_key", flat=True))
    assert keys == {
        f"annual-fee:{pledged_patent.pk}:2026-12-17:t-60",
        f"annual-fee:{pledged_patent.pk}:2026-12-17:t-30",
    }


def test_annual_fee_reminders_continue_through_the_grace_period(pledged_patent, enterprise_user):
    with freeze_time("2027-01-17 09:00"):
        annual_fee_reminders.delay()
    notice = Notification.objects.get(recipient=enterprise_user)
    assert notice.dedupe_key == f"annual-fee:{pledged_patent.pk}:2026-12-17:grace-1"
    assert "201310699744.2" in notice.subject
    assert "2027-06-17" in notice.body  # the last day of the grace period


def test_no_annual_fee_reminder_for_a_free_or_terminated_patent(
    patent, bank_a_branch, enterprise_user, django_capture_on_commit_callbacks
):
    with freeze_time("2026-10-18 09:00"):
        annual_fee_reminders.delay()
    assert not Notification.objects.exists()
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    asset_update_legal_status(asset=patent, status="terminated", occurred_on=date(2026, 9, 1), source="staff")
    Notification.objects.all().delete()
    with freeze_time("2026-10-18 09:00"):
        annual_fee_reminders.delay()
    assert not Notification.objects.filter(kind="pledges.annual_fee").exists()
