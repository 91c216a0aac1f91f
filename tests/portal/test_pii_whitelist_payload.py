"""What the portal sends banks about whitelisted enterprises holds exactly the documented keys and no personal
data (security.md checks 9 and 37): the entries a bank pulls, the delivery summary and the webhook notice.

The key lists below are the snapshot: a new key in a payload fails here until it is documented
(whitelist/delivery_apis.py's serializers, docs/whitelist-webhooks.md) and added on purpose.
"""

import json
import re

import pytest

from portal.accounts.models import EnterpriseProfile, Role, User
from tests.whitelist.conftest import run  # noqa: F401  (the screening run fixture)
from tests.whitelist.test_deliveries import publish
from tests.whitelist.test_delivery_api import LIST_URL, token_for
from whitelist.deliveries import notification_payload
from whitelist.models import Delivery

pytestmark = pytest.mark.django_db

ENTRY_KEYS = ["id", "uscc", "name", "categories", "indicators", "valid_until", "assets"]
INDICATOR_KEYS = [
    "invention_patents",
    "utility_patents",
    "design_patents",
    "trademarks",
    "rd_ratio_pct",
    "revenue_band",
    "credit_rating",
]
ASSET_KEYS = ["kind", "number", "title", "patent_type"]
SUMMARY_KEYS = [
    "id",
    "batch_number",
    "bank",
    "delivered_at",
    "published_at",
    "valid_until",
    "entries",
    "feedback_due_on",
    "acknowledged",
    "acknowledged_at",
    "entries_url",
]
NOTICE_KEYS = ["event", "delivery_id", "batch_number", "entries", "published_at", "url"]

ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _documented_notice_keys() -> list[str]:
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / "docs" / "whitelist-webhooks.md").read_text(encoding="utf-8")
    table = text.split("| Field | Meaning |", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)


def _no_personal_data(body: str, phones: list[str]) -> None:
    assert not MOBILE_PATTERN.search(body), MOBILE_PATTERN.search(body)
    assert not ID_PATTERN.search(body), ID_PATTERN.search(body)
    for phone in phones:
        assert phone not in body


def test_bank_payloads_hold_the_documented_keys_and_no_personal_data(
    client,
    run,  # noqa: F811
    reviewer,
    promotion_officer,
    bank_a,
    bank_a_branch,
    bank_a_manager,
):
    # Every enterprise in the run has a contact mobile and its users a phone: none may travel to a bank.
    phones = []
    for index, profile in enumerate(EnterpriseProfile.objects.order_by("pk")):
        profile.contact_phone = f"1381234{index:04d}"
        profile.save(update_fields=["contact_phone"])
        phones.append(profile.contact_phone)
    for index, user in enumerate(User.objects.order_by("pk")):
        user.phone = f"1391234{index:04d}"
        user.save(update_fields=["phone"])
        phones.append(user.phone)
    batch = publish(run, reviewer, promotion_officer)
    delivery = Delivery.objects.get(batch=batch, bank=bank_a)
    headers = token_for(client, bank_a_branch, Role.BANK_OFFICER, bank_a_manager)

    summary = client.get(f"{LIST_URL}{delivery.pk}/", headers=headers)
    assert summary.status_code == 200
    assert list(summary.json()) == SUMMARY_KEYS
    assert list(summary.json()["bank"]) == ["id", "name", "uscc"]

    entries = client.get(f"{LIST_URL}{delivery.pk}/entries/", headers=headers)
    assert entries.status_code == 200
    results = entries.json()["results"]
    assert results
    for entry in results:
        assert list(entry) == ENTRY_KEYS
        assert list(entry["indicators"]) == INDICATOR_KEYS
        assert entry["assets"]
        for held in entry["assets"]:
            assert list(held) == ASSET_KEYS

    notice = notification_payload(delivery)
    assert list(notice) == NOTICE_KEYS == _documented_notice_keys()

    for body in (summary.content.decode(), entries.content.decode(), json.dumps(notice, ensure_ascii=False)):
        _no_personal_data(body, phones)
