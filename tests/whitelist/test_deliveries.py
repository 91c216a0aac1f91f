"""Deliveries to the banks: the scope (a bank never sees another's), acknowledgement, the pages, the Excel
download, the webhook settings page and the chase of unacknowledged deliveries."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.workdays.services import add_working_days
from tests.whitelist.factories import NEXT_YEAR, asset
from whitelist.batches import batch_create, batch_publish, batch_submit, entries_decide
from whitelist.deliveries import (
    CHASE_AFTER_WORKING_DAYS,
    deliveries_chase,
    delivery_acknowledge,
    delivery_scope,
    webhook_set,
)
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import Batch, BatchEntry, Candidate, Decision, Delivery, EntryAsset, WebhookEndpoint

pytestmark = pytest.mark.django_db


# --- Helpers the API and webhook tests share ---------------------------------------------------------


def publish(run, maker, checker) -> Batch:
    """A batch of the run with every candidate included, published by another member of staff."""
    batch = batch_create(run=run, actor=maker, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=maker,
    )
    batch_submit(batch=batch, actor=maker)
    return batch_publish(batch=batch, actor=checker)


def grow(batch: Batch, make_enterprise, count: int, name: str = "扩充企业") -> list[int]:
    """``count`` more published entries (each with one patent) in a published batch, written directly: the
    screening of that many enterprises is not what these tests are about. Returns the new entry ids."""
    template = BatchEntry.objects.filter(batch=batch, published=True).select_related("candidate").first()
    snapshot = {
        field.name: getattr(template.candidate, field.name)
        for field in Candidate._meta.concrete_fields
        if field.name not in ("id", "run", "enterprise")
    }
    ids = []
    for index in range(count):
        enterprise = make_enterprise(f"{name}{index}")
        candidate = Candidate.objects.create(
            run_id=template.candidate.run_id, enterprise=enterprise, **snapshot
        )
        entry = BatchEntry.objects.create(
            batch=batch,
            candidate=candidate,
            enterprise=enterprise,
            decision=Decision.INCLUDED,
            published=True,
        )
        patent = asset(enterprise)
        EntryAsset.objects.create(
            entry=entry,
            asset=patent,
            kind=patent.kind,
            number=patent.number,
            title=patent.title,
            patent_type=patent.patent_type,
        )
        ids.append(entry.pk)
    Batch.objects.filter(pk=batch.pk).update(published_count=F("published_count") + count)
    batch.refresh_from_db()
    return ids


@pytest.fixture
def published(run, reviewer, promotion_officer, bank_a, bank_a_branch, bank_b):
    return publish(run, reviewer, promotion_officer)


@pytest.fixture
def delivery_a(published, bank_a):
    return Delivery.objects.get(batch=published, bank=bank_a)


@pytest.fixture
def delivery_b(published, bank_b):
    return Delivery.objects.get(batch=published, bank=bank_b)


# --- Scope ---------------------------------------------------------------------------------------------


def test_a_delivery_per_head_office_and_each_bank_sees_only_its_own(
    published, delivery_a, delivery_b, bank_a_officer, bank_a_manager, bank_b_officer
):
    assert published.deliveries.count() == 2  # the branch is served through its head office
    assert list(delivery_scope(bank_a_manager)) == [delivery_a]
    assert list(delivery_scope(bank_a_officer)) == [delivery_a]  # a branch user: its head office's
    assert list(delivery_scope(bank_b_officer)) == [delivery_b]


def test_whitelist_staff_and_the_joint_office_see_all_and_others_none(
    delivery_a, delivery_b, reviewer, joint_office_viewer, enterprise_user, commissioner
):
    assert set(delivery_scope(reviewer)) == {delivery_a, delivery_b}
    assert set(delivery_scope(joint_office_viewer)) == {delivery_a, delivery_b}
    assert not delivery_scope(enterprise_user).exists()
    assert not delivery_scope(commissioner).exists()


# --- Acknowledgement -----------------------------------------------------------------------------------


def test_acknowledging_twice_keeps_the_first_time_and_user(delivery_a, bank_a_officer, bank_a_manager):
    first = delivery_acknowledge(delivery_a, bank_a_officer)
    assert first.acknowledged_at is not None and first.acknowledged_by == bank_a_officer
    again = delivery_acknowledge(Delivery.objects.get(pk=delivery_a.pk), bank_a_manager)
    assert (again.acknowledged_at, again.acknowledged_by) == (first.acknowledged_at, bank_a_officer)
    assert AuditEvent.objects.filter(action="whitelist.delivery.acknowledge").count() == 1


def test_staff_and_another_bank_cannot_acknowledge(delivery_a, reviewer, bank_b_officer):
    with pytest.raises(WhitelistNotAllowed):
        delivery_acknowledge(delivery_a, reviewer)
    with pytest.raises(WhitelistNotAllowed):
        delivery_acknowledge(delivery_a, bank_b_officer)
    delivery_a.refresh_from_db()
    assert delivery_a.acknowledged_at is None


# --- Pages ---------------------------------------------------------------------------------------------


def test_bank_a_lists_only_its_deliveries_and_acknowledges_from_the_page(
    client, delivery_a, delivery_b, bank_a_officer
):
    client.force_login(bank_a_officer)
    page = client.get(reverse("whitelist:delivery_list"))
    assert page.status_code == 200
    assert list(page.context["page"].object_list) == [delivery_a]
    assert f'data-testid="ack-{delivery_a.pk}"' in page.content.decode()
    response = client.post(reverse("whitelist:delivery_ack", args=[delivery_a.pk]))
    assert response.status_code == 302
    delivery_a.refresh_from_db()
    assert delivery_a.acknowledged_by == bank_a_officer
    assert (
        f'data-testid="ack-{delivery_a.pk}"'
        not in client.get(reverse("whitelist:delivery_list")).content.decode()
    )


@pytest.mark.parametrize("name", ["delivery_detail", "delivery_excel"])
def test_bank_b_gets_404_on_bank_a_delivery_pages(client, delivery_a, bank_b_officer, name):
    client.force_login(bank_b_officer)
    assert client.get(reverse(f"whitelist:{name}", args=[delivery_a.pk])).status_code == 404


def test_bank_b_cannot_acknowledge_bank_a_delivery_from_the_page(client, delivery_a, bank_b_officer):
    client.force_login(bank_b_officer)
    assert client.post(reverse("whitelist:delivery_ack", args=[delivery_a.pk])).status_code == 404
    delivery_a.refresh_from_db()
    assert delivery_a.acknowledged_at is None


def test_an_enterprise_user_is_refused_the_deliveries_pages(client, delivery_a, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("whitelist:delivery_list")).status_code == 403
    assert client.get(reverse("whitelist:delivery_detail", args=[delivery_a.pk])).status_code == 403


def test_staff_see_every_delivery_but_cannot_acknowledge(client, delivery_a, delivery_b, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("whitelist:delivery_list"))
    assert page.status_code == 200
    assert set(page.context["page"].object_list) == {delivery_a, delivery_b}
    assert client.post(reverse("whitelist:delivery_ack", args=[delivery_a.pk])).status_code == 403


def test_the_detail_page_shows_50_enterprises_a_page(client, delivery_a, bank_a_officer, make_enterprise):
    grow(delivery_a.batch, make_enterprise, 50)  # 52 in all
    client.force_login(bank_a_officer)
    url = reverse("whitelist:delivery_detail", args=[delivery_a.pk])
    first = client.get(url)
    assert first.status_code == 200
    assert len(first.context["entries"]) == 50
    assert first.context["page"].paginator.num_pages == 2
    second = client.get(url, {"page": 2})
    assert len(second.context["entries"]) == 2
    assert "白名单企业0" in first.content.decode()


def test_a_branch_downloads_its_head_office_delivery_as_excel(
    client, delivery_a, bank_a_officer, make_enterprise
):
    grow(delivery_a.batch, make_enterprise, 3, name="=HYPERLINK(1)")
    client.force_login(bank_a_officer)
    response = client.get(reverse("whitelist:delivery_excel", args=[delivery_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    enterprises, ip_sheet = book.worksheets
    rows = list(enterprises.iter_rows(values_only=True))
    assert len(rows) == 1 + delivery_a.batch.published_count == 6
    names = [row[1] for row in rows[1:]]
    assert "白名单企业0" in names
    assert "=HYPERLINK(1)0" in names  # kept as text, not turned into a formula
    assert all(cell.data_type != "f" for row in enterprises.iter_rows() for cell in row)
    # Two valid assets each for the screened enterprises, one for the added ones.
    assert len(list(ip_sheet.iter_rows(values_only=True))) == 1 + 2 * 2 + 3
    event = AuditEvent.objects.get(action="data.export")
    assert event.details["row_count"] == 5


# --- The webhook settings page -------------------------------------------------------------------------


def test_a_head_office_manager_sets_the_webhook_and_sees_the_secret_once(client, bank_a, bank_a_manager):
    client.force_login(bank_a_manager)
    url = reverse("whitelist:webhook_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"url": "https://hooks.example-bank.cn/whitelist"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(bank=bank_a)
    assert response.context["secret"] == endpoint.secret
    assert endpoint.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    again = client.get(url)
    assert endpoint.secret not in again.content.decode()
    assert "hooks.example-bank.cn" in again.content.decode()
    event = AuditEvent.objects.get(action="whitelist.webhook.set")
    assert endpoint.secret not in str(event.details)


@pytest.mark.parametrize(
    "url", ["not a url", "http://hooks.example-bank.cn/", "https://10.0.0.8/hook", "https://localhost/hook"]
)
def test_a_refused_webhook_url_is_a_400_with_the_input_kept(
    client, bank_a, bank_a_manager, url, english, settings
):
    settings.WHITELIST_WEBHOOK_ALLOW_LOCAL = False  # production: https to public addresses only
    client.force_login(bank_a_manager)
    response = client.post(
        reverse("whitelist:webhook_settings"), {"url": url}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert response.context["form"]["url"].value() == url
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_only_head_office_managers_set_the_webhook(client, bank_a, bank_a_branch, bank_a_officer, make_user):
    branch_manager = make_user("branch_manager", bank_a_branch, Role.BANK_MANAGER)
    for user in (bank_a_officer, branch_manager):
        client.force_login(user)
        assert client.get(reverse("whitelist:webhook_settings")).status_code == 403
        with pytest.raises(WhitelistNotAllowed):
            webhook_set(bank_a, "https://hooks.example-bank.cn/", user)


def test_a_manager_cannot_set_another_banks_webhook(bank_b, bank_a_manager):
    with pytest.raises(WhitelistNotAllowed):
        webhook_set(bank_b, "https://hooks.example-bank.cn/", bank_a_manager)


def test_setting_the_webhook_again_makes_a_new_secret(bank_a, bank_a_manager):
    first = webhook_set(bank_a, "https://hooks.example-bank.cn/a", bank_a_manager)
    second = webhook_set(bank_a, "https://hooks.example-bank.cn/b", bank_a_manager)
    assert first != second and len(second) >= 40
    endpoint = WebhookEndpoint.objects.get(bank=bank_a)
    assert (endpoint.url, endpoint.secret) == ("https://hooks.example-bank.cn/b", second)
    with pytest.raises(WhitelistValidationError):
        webhook_set(bank_a, "ftp://hooks.example-bank.cn/", bank_a_manager)


# --- Chasing -------------------------------------------------------------------------------------------


def _beijing(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_an_unacknowledged_delivery_is_chased_once_per_period(
    delivery_a, delivery_b, bank_a_manager, bank_b_officer
):
    delivery_acknowledge(delivery_b, bank_b_officer)  # acknowledged: never chased
    created = timezone.localdate(delivery_a.created_at)
    due = add_working_days(created, CHASE_AFTER_WORKING_DAYS).due_date
    with freeze_time(_beijing(due - timedelta(days=1), 23)):
        assert deliveries_chase() == 0  # not old enough yet
    with freeze_time(_beijing(due)):
        assert deliveries_chase() == 1
        assert deliveries_chase() == 0  # a second run the same day sends nothing
    reminders = Notification.objects.filter(kind="whitelist.delivery_chase")
    assert list(reminders.values_list("recipient", flat=True)) == [bank_a_manager.pk]
    assert reminders.get().link == reverse("whitelist:delivery_list")
    delivery_a.refresh_from_db()
    assert timezone.localdate(delivery_a.chased_at) == due
    with freeze_time(_beijing(due + timedelta(days=CHASE_AFTER_WORKING_DAYS - 1))):
        assert deliveries_chase() == 0  # at most once every N days
    with freeze_time(_beijing(due + timedelta(days=CHASE_AFTER_WORKING_DAYS))):
        assert deliveries_chase() == 1
    assert reminders.count() == 2
    delivery_acknowledge(delivery_a, bank_a_manager)
    with freeze_time(_beijing(due + timedelta(days=3 * CHASE_AFTER_WORKING_DAYS))):
        assert deliveries_chase() == 0


def test_the_chase_task_runs_the_chase(delivery_a, bank_a_manager):
    from whitelist.tasks import deliveries_chase_task

    due = add_working_days(timezone.localdate(delivery_a.created_at), CHASE_AFTER_WORKING_DAYS).due_date
    with freeze_time(_beijing(due)):
        deliveries_chase_task.delay()
        deliveries_chase_task.delay()
    assert Notification.objects.filter(kind="whitelist.delivery_chase").count() == 1
