"""The enterprise IP profile: portfolio, terms, score with its formula, and who may see it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import LegalStatus
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.whitelist.factories import NEXT_YEAR, asset
from whitelist.batches import batch_create, batch_publish, batch_submit, entries_decide
from whitelist.models import ConsentStatus, Decision, EnterpriseIndicator
from whitelist.profile import enterprise_profile
from whitelist.services import consent_set

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def test_the_score_counts_each_part_up_to_its_cap_and_shows_the_formula(enterprise):
    for _ in range(5):  # 5 inventions: 50 points, capped at 40
        asset(enterprise, filing_date=date(2016, 11, 27))  # 20-year term: 10.0 years left
    asset(enterprise, patent_type=PatentType.UTILITY_MODEL, filing_date=date(2024, 11, 27))  # 8.0 years left
    asset(enterprise, patent_type=PatentType.DESIGN, status=LegalStatus.TERMINATED)  # not valid
    asset(enterprise, kind=IpKind.TRADEMARK, valid_until=date(2030, 1, 1))
    EnterpriseIndicator.objects.create(
        enterprise=enterprise, credit_rating="AA", rd_ratio_pct=Decimal("7.9"), as_of=TODAY
    )
    profile = enterprise_profile(enterprise, today=TODAY)
    points = {row["part"].key: row["points"] for row in profile.score_rows}
    assert points == {
        "invention": 40,
        "utility": 3,
        "design": 0,
        "trademarks": 2,
        "term": 9,
        "rating": 12,
        "rd": 7,
    }
    assert profile.score == 73
    assert sum(row["part"].cap for row in profile.score_rows) == 100
    lapsed = next(row for row in profile.assets if row.asset.patent_type == PatentType.DESIGN)
    assert not lapsed.valid and lapsed.remaining_years is None


def test_a_design_filed_before_june_2021_has_ten_years(enterprise):
    asset(enterprise, patent_type=PatentType.DESIGN, filing_date=date(2021, 5, 31))
    asset(enterprise, patent_type=PatentType.DESIGN, filing_date=date(2021, 6, 1))
    old, new = sorted(
        enterprise_profile(enterprise, today=TODAY).assets, key=lambda row: row.asset.filing_date
    )
    assert (old.expires_on, new.expires_on) == (date(2031, 5, 31), date(2036, 6, 1))


def test_serious_dishonesty_withholds_the_score(enterprise):
    asset(enterprise)
    EnterpriseIndicator.objects.create(enterprise=enterprise, serious_dishonesty=True, as_of=TODAY)
    profile = enterprise_profile(enterprise, today=TODAY)
    assert profile.score is None and profile.score_withheld


def url(enterprise) -> str:
    return reverse("whitelist:profile_detail", args=[enterprise.uscc])


def test_the_enterprise_sees_its_own_profile_and_no_other(
    client, enterprise_user, enterprise, other_enterprise
):
    client.force_login(enterprise_user)
    assert client.get(reverse("whitelist:profile_lookup")).url == url(enterprise)
    response = client.get(url(enterprise))
    assert response.status_code == 200
    assert 'data-testid="profile-score"' in response.content.decode()
    assert client.get(url(other_enterprise)).status_code == 404


def test_staff_see_any_profile(client, reviewer, other_enterprise):
    client.force_login(reviewer)
    assert client.get(
        reverse("whitelist:profile_lookup"), {"uscc": other_enterprise.uscc.lower()}
    ).url == url(other_enterprise)
    assert client.get(url(other_enterprise)).status_code == 200


def test_a_bank_sees_consenting_or_whitelisted_enterprises_only(
    client, bank_b_officer, enterprise_user, enterprise, reviewer, promotion_officer, run
):
    client.force_login(bank_b_officer)
    assert client.get(url(enterprise)).status_code == 404
    consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)
    assert client.get(url(enterprise)).status_code == 200
    consent_set(actor=enterprise_user, to=ConsentStatus.WITHDRAWN)
    assert client.get(url(enterprise)).status_code == 404
    # A published, unexpired batch: its (consenting at the time) enterprises stay visible to banks.
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    batch_submit(batch=batch, actor=reviewer)
    batch_publish(batch=batch, actor=promotion_officer)
    listed = batch.entries.filter(published=True).select_related("enterprise").first().enterprise
    page = client.get(url(listed))
    assert page.status_code == 200
    assert 'data-testid="whitelisted"' in page.content.decode()
    batch.valid_until = timezone.localdate() - timedelta(days=1)
    batch.save(update_fields=["valid_until"])
    listed.whitelist_consent.status = ConsentStatus.WITHDRAWN
    listed.whitelist_consent.save()
    assert client.get(url(listed)).status_code == 404


def test_the_api_gives_the_same_profile_to_a_token_of_a_bank(
    client, enterprise_user, enterprise, bank_a_branch, bank_a_manager
):
    from portal.accounts.models import Role
    from portal.apiauth.services import api_client_create, token_issue

    asset(enterprise, filing_date=date(2020, 1, 1))
    api_client, secret = api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="core", actor=bank_a_manager
    )
    token = token_issue(client_id=api_client.client_id, secret=secret).access_token
    path = reverse("whitelist-api:profile", args=[enterprise.uscc])
    headers = {"authorization": f"Bearer {token}"}
    assert client.get(path, headers=headers).status_code == 404
    consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)
    body = client.get(path, headers=headers).json()
    assert body["enterprise"]["uscc"] == enterprise.uscc
    assert body["counts"]["invention"] == 1
    assert body["score"]["total"] == sum(part["points"] for part in body["score"]["parts"])
    assert body["assets"][0]["expires_on"] == "2040-01-01"


def test_outsiders_get_404(client, make_user, enterprise):
    from portal.accounts.models import OrgKind, Role
    from portal.accounts.services import organisation_create

    guarantor = organisation_create(name="担保公司", kind=OrgKind.GUARANTOR)
    client.force_login(make_user("guarantor_officer", guarantor, Role.INSTITUTION_OFFICER))
    assert client.get(url(enterprise)).status_code == 404
    assert client.get(reverse("whitelist:profile_lookup")).status_code == 200
