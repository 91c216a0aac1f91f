"""Monitoring alerts on running loans (loans.services.alerts): each fact raises one alert, however often the
sweep runs, and goes to the lending bank and the promotion centre."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils.timezone import localdate

from loans import tasks
from loans.models import AlertKind, Classification, FactKind, LoanAlert, LoanStatus
from loans.services.alerts import loan_alerts_check, loan_alerts_sweep
from loans.services.facts import loan_fact_record
from pledges.models import IpAsset, LegalStatus, Status
from pledges.services.register import asset_update_legal_status
from portal.accounts.models import Role
from portal.notifications.models import Notification
from tests.loans.test_loan_pages_support import make_loan, make_running_loan
from tests.pledges import factories_register
from tests.pledges.factories_register import pledge_over

pytestmark = pytest.mark.django_db
patent = factories_register.patent


@pytest.fixture
def people(bank_a_officer, bank_a_manager, bank_b_officer, promotion_officer, reviewer, enterprise_user):
    """Everyone who might hear of an alert; only the lending bank and the promotion centre should."""


@pytest.fixture
def loan(bank_a_branch, enterprise, bank_a_officer, people):
    return make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


@pytest.fixture
def pledged_patent(loan, patent, bank_a_branch, enterprise_user):
    registration = pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    loan.registrations.add(registration)
    return patent


def _recipients(alert: LoanAlert) -> set[str]:
    return set(
        Notification.objects.filter(dedupe_key=f"loan-alert:{alert.pk}").values_list(
            "recipient__username", flat=True
        )
    )


LENDERS_AND_CENTRE = {"bank_a_officer", "bank_a_manager", "promotion"}


# --- pledged assets ------------------------------------------------------------------------------------------


def test_legal_status_change_of_a_pledged_asset_is_alerted_once(loan, pledged_patent):
    today = localdate()
    asset_update_legal_status(
        asset=pledged_patent, status=LegalStatus.INVALIDATION_REQUESTED, occurred_on=today, source="staff"
    )
    assert loan_alerts_sweep(today=today) == 1
    assert loan_alerts_sweep(today=today) == 0
    alert = LoanAlert.objects.get()
    assert (alert.loan, alert.kind, alert.key) == (
        loan,
        AlertKind.LEGAL_STATUS,
        f"{pledged_patent.pk}:invalidation_requested:{today.isoformat()}",
    )
    assert pledged_patent.number in alert.message
    assert _recipients(alert) == LENDERS_AND_CENTRE
    assert Notification.objects.filter(kind="loans.alert.legal_status").count() == 3
    notice = Notification.objects.filter(kind="loans.alert.legal_status").first()
    assert notice.link == f"/loans/{loan.pk}/"
    assert loan.reference in notice.subject


def test_a_later_status_of_the_same_asset_is_a_new_alert(loan, pledged_patent):
    today = localdate()
    asset_update_legal_status(
        asset=pledged_patent,
        status=LegalStatus.INVALIDATION_REQUESTED,
        occurred_on=today - timedelta(days=5),
        source="staff",
    )
    loan_alerts_sweep(today=today)
    asset_update_legal_status(
        asset=pledged_patent, status=LegalStatus.INVALIDATED, occurred_on=today, source="staff"
    )
    assert loan_alerts_sweep(today=today) == 1
    assert sorted(LoanAlert.objects.values_list("key", flat=True)) == [
        f"{pledged_patent.pk}:invalidated:{today.isoformat()}",
        f"{pledged_patent.pk}:invalidation_requested:{(today - timedelta(days=5)).isoformat()}",
    ]


def test_assets_in_force_and_fees_paid_raise_nothing(loan, pledged_patent):
    IpAsset.objects.filter(pk=pledged_patent.pk).update(annual_fee_paid_through=localdate())
    assert loan_alerts_sweep(today=localdate()) == 0
    assert not LoanAlert.objects.exists()


def test_unpaid_annual_fee_of_a_pledged_patent_is_alerted_once(loan, pledged_patent):
    today = localdate()
    paid_through = today - timedelta(days=1)
    IpAsset.objects.filter(pk=pledged_patent.pk).update(annual_fee_paid_through=paid_through)
    assert loan_alerts_sweep(today=today) == 1
    assert loan_alerts_sweep(today=today + timedelta(days=1)) == 0
    alert = LoanAlert.objects.get()
    assert (alert.kind, alert.key) == (
        AlertKind.ANNUAL_FEE,
        f"{pledged_patent.pk}:{paid_through.isoformat()}",
    )
    assert _recipients(alert) == LENDERS_AND_CENTRE


def test_assets_of_a_withdrawn_registration_are_not_watched(loan, patent, bank_a_branch, enterprise_user):
    registration = pledge_over(
        patent, pledgee=bank_a_branch, created_by=enterprise_user, status=Status.WITHDRAWN
    )
    loan.registrations.add(registration)
    asset_update_legal_status(
        asset=patent, status=LegalStatus.PRESERVED, occurred_on=localdate(), source="staff"
    )
    assert loan_alerts_sweep(today=localdate()) == 0


# --- the loan's own facts --------------------------------------------------------------------------------------


def test_overdue_fact_alerts_at_once_and_the_sweep_adds_nothing(
    loan, bank_a_officer, django_capture_on_commit_callbacks
):
    today = localdate()
    with django_capture_on_commit_callbacks(execute=True):
        loan_fact_record(
            loan=loan, kind=FactKind.OVERDUE, occurred_on=today, overdue_days=3, actor=bank_a_officer
        )
    alert = LoanAlert.objects.get()
    assert (alert.kind, alert.key) == (AlertKind.OVERDUE, (today - timedelta(days=2)).isoformat())
    assert _recipients(alert) == LENDERS_AND_CENTRE
    assert {message.to[0] for message in mail.outbox} == {
        "bank_a_officer@example.com",
        "bank_a_manager@example.com",
        "promotion@example.com",
    }
    # The next report of the same arrears is the same fact: no second alert.
    with django_capture_on_commit_callbacks(execute=True):
        loan_fact_record(
            loan=loan, kind=FactKind.OVERDUE, occurred_on=today, overdue_days=3, actor=bank_a_officer
        )
    assert loan_alerts_sweep(today=today) == 0
    assert LoanAlert.objects.count() == 1


def test_non_performing_loan_is_alerted_once_per_downgrade(
    loan, bank_a_officer, django_capture_on_commit_callbacks
):
    today = localdate()
    for category in (Classification.SUBSTANDARD, Classification.DOUBTFUL):
        with django_capture_on_commit_callbacks(execute=True):
            loan_fact_record(
                loan=loan,
                kind=FactKind.CLASSIFICATION,
                occurred_on=today - timedelta(days=10),
                classification=category,
                actor=bank_a_officer,
            )
    alerts = LoanAlert.objects.filter(kind=AlertKind.NON_PERFORMING)
    assert [alert.key for alert in alerts] == [(today - timedelta(days=10)).isoformat()]
    assert _recipients(alerts[0]) == LENDERS_AND_CENTRE
    # Upgraded back to performing, then downgraded again: a new non-performing date, a new alert.
    for category in (Classification.NORMAL, Classification.LOSS):
        loan_fact_record(
            loan=loan,
            kind=FactKind.CLASSIFICATION,
            occurred_on=today,
            classification=category,
            actor=bank_a_officer,
        )
    assert loan_alerts_sweep(today=today) == 1
    assert set(alerts.values_list("key", flat=True)) == {
        (today - timedelta(days=10)).isoformat(),
        today.isoformat(),
    }


def test_check_runs_twice_without_a_second_alert_or_notice(loan, bank_a_officer):
    loan_fact_record(
        loan=loan, kind=FactKind.OVERDUE, occurred_on=localdate(), overdue_days=10, actor=bank_a_officer
    )
    assert loan_alerts_check(loan_id=loan.pk) == 1
    assert loan_alerts_check(loan_id=loan.pk) == 0
    assert tasks.loan_alerts_check(loan.pk) == 0  # the task, as a redelivery would run it
    assert Notification.objects.filter(kind="loans.alert.overdue").count() == 3


def test_a_head_office_loan_notifies_the_head_office_staff(
    bank_a, enterprise, bank_a_manager, make_user, promotion_officer, bank_a_officer
):
    head_officer = make_user("head_officer", bank_a, Role.BANK_OFFICER)
    loan = make_running_loan(bank=bank_a, enterprise=enterprise, actor=bank_a_manager)
    loan_fact_record(
        loan=loan, kind=FactKind.OVERDUE, occurred_on=localdate(), overdue_days=1, actor=bank_a_manager
    )
    loan_alerts_check(loan_id=loan.pk)
    # The branch's officer does not answer for the head office's book.
    assert _recipients(LoanAlert.objects.get()) == {head_officer.username, "bank_a_manager", "promotion"}


# --- what the sweep walks --------------------------------------------------------------------------------------


def test_settled_and_undisbursed_loans_are_not_swept(
    loan, pledged_patent, bank_a_branch, enterprise, bank_a_officer, enterprise_user
):
    loan_fact_record(
        loan=loan,
        kind=FactKind.SETTLEMENT,
        occurred_on=localdate(),
        amount=loan.principal,
        actor=bank_a_officer,
    )
    contracted = make_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, bank_loan_ref="C-2"
    )
    contracted.registrations.add(*loan.registrations.all())
    asset_update_legal_status(
        asset=pledged_patent, status=LegalStatus.PRESERVED, occurred_on=localdate(), source="staff"
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    assert loan_alerts_sweep(today=localdate()) == 0
    assert loan_alerts_check(loan_id=loan.pk) == 0
    assert not LoanAlert.objects.exists()


def test_sweep_walks_every_running_loan_in_small_batches(bank_a_branch, enterprise, bank_a_officer, people):
    loans = [
        make_running_loan(
            bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, bank_loan_ref=f"S-{n}"
        )
        for n in range(3)
    ]
    for loan in loans:
        loan_fact_record(
            loan=loan, kind=FactKind.OVERDUE, occurred_on=localdate(), overdue_days=5, actor=bank_a_officer
        )
    assert loan_alerts_sweep(today=localdate(), batch_size=2) == 3
    assert set(LoanAlert.objects.values_list("loan_id", flat=True)) == {loan.pk for loan in loans}
    assert tasks.loan_alerts_sweep() == 0


def test_the_sweep_is_on_the_beat_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["loans-alerts-sweep"]
    assert entry["task"] == "loans.tasks.loan_alerts_sweep"
    assert tasks.loan_alerts_sweep.name == entry["task"]
    assert len(entry["schedule"].hour) == 24 and len(entry["schedule"].minute) == 1


def test_alerts_show_on_the_loan_page_and_the_list(client, loan, bank_a_officer, enterprise_user):
    loan_fact_record(
        loan=loan, kind=FactKind.OVERDUE, occurred_on=localdate(), overdue_days=4, actor=bank_a_officer
    )
    loan_alerts_check(loan_id=loan.pk)
    alert = LoanAlert.objects.get()
    client.force_login(bank_a_officer)
    assert alert.message in client.get(f"/loans/{loan.pk}/").content.decode()
    assert list(client.get("/loans/").context["alerts"]) == [alert]
    # The borrower reads its own loan's alerts on the loan page.
    client.force_login(enterprise_user)
    assert alert.message in client.get(f"/loans/{loan.pk}/").content.decode()
