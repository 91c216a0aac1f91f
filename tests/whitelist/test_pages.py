"""Pages of the whitelist's first part: the rules in plain words, rule versions, screening runs and their
candidates, and an enterprise's consent."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.models import IpAsset, LegalStatus
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from whitelist import views
from whitelist.models import (
    Candidate,
    Consent,
    ConsentStatus,
    RuleSet,
    RuleSetStatus,
    RunStatus,
    ScreeningRun,
)
from whitelist.services import RULE_FIELDS, consent_set, rule_set_activate, rule_set_create

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}
EXPLANATION = "We screen Beijing enterprises that hold core IP and a clean record."
_numbers = iter(range(10_000, 99_999))


def _patent(owner, patent_type=PatentType.INVENTION):
    return IpAsset.objects.create(
        owner=owner,
        kind=IpKind.PATENT,
        number=f"ZL{next(_numbers)}",
        title="测试专利",
        patent_type=patent_type,
        legal_status=LegalStatus.IN_FORCE,
    )


@pytest.fixture
def rules(reviewer):
    rule_set = rule_set_create(actor=reviewer, values={"explanation": EXPLANATION})
    return rule_set_activate(rule_set=rule_set, actor=reviewer)


@pytest.fixture
def qualified(make_enterprise):
    enterprise = make_enterprise("合格科技有限公司", flags={"is_high_tech": True})
    _patent(enterprise)
    return enterprise


def _form_values(rule_set=None, **changes) -> dict:
    """A POST body of the rule form: the values of ``rule_set`` (or the defaults) with ``changes``."""
    data = {
        "explanation": EXPLANATION,
        "require_beijing": "on",
        "require_core_ip": "on",
        "require_no_dishonesty": "on",
        "require_category": "on",
        "min_invention_patents": "0",
        "min_utility_patents": "0",
        "min_design_patents": "0",
        "min_trademarks": "0",
        "min_rd_ratio_pct": "",
        "min_revenue_band": "",
        "min_credit_rating": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def _screen_through_the_page(client):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the Celery task runs eagerly after commit
        response = client.post(reverse("whitelist:run_create"))
    return response


STAFF_PAGES = [
    ("whitelist:rule_list", None),
    ("whitelist:rule_new", None),
    ("whitelist:rule_detail", "rule"),
    ("whitelist:run_list", None),
    ("whitelist:run_detail", "run"),
    ("whitelist:run_progress", "run"),
]


@pytest.fixture
def run(reviewer, rules):
    return ScreeningRun.objects.create(rule_set=rules, requested_by=reviewer)


def _url(name, arg, rules, run) -> str:
    return reverse(name, args=[{"rule": rules, "run": run}[arg].pk] if arg else [])


# ---------------------------------------------------------------------------------------------------
# Who sees what


@pytest.mark.parametrize(("name", "arg"), STAFF_PAGES)
def test_staff_pages_open_for_reviewers_and_promotion_officers(
    client, reviewer, promotion_officer, rules, run, name, arg
):
    for user in (reviewer, promotion_officer):
        client.force_login(user)
        assert client.get(_url(name, arg, rules, run)).status_code == 200


@pytest.mark.parametrize(("name", "arg"), STAFF_PAGES)
def test_staff_pages_refuse_banks_and_enterprises(
    client, bank_a_officer, enterprise_user, rules, run, name, arg
):
    for user in (bank_a_officer, enterprise_user):
        client.force_login(user)
        assert client.get(_url(name, arg, rules, run)).status_code == 403


@pytest.mark.parametrize(
    ("name", "arg"),
    [
        ("whitelist:rule_new", None),
        ("whitelist:rule_edit", "rule"),
        ("whitelist:rule_activate", "rule"),
        ("whitelist:run_create", None),
    ],
)
def test_staff_actions_refuse_banks_and_enterprises(
    client, bank_a_officer, enterprise_user, rules, run, name, arg
):
    before = RuleSet.objects.count()
    for user in (bank_a_officer, enterprise_user):
        client.force_login(user)
        assert client.post(_url(name, arg, rules, run), _form_values()).status_code == 403
    assert RuleSet.objects.count() == before and ScreeningRun.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    ["whitelist:rules_current", "whitelist:rule_list", "whitelist:run_list", "whitelist:consent"],
)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "login" in response.url


def test_a_rule_set_that_does_not_exist_is_a_404(client, reviewer, rules):
    client.force_login(reviewer)
    assert client.get(reverse("whitelist:rule_detail", args=[rules.pk + 100])).status_code == 404
    assert client.get(reverse("whitelist:run_detail", args=[999])).status_code == 404


def test_the_consent_page_is_only_for_the_enterprise(client, reviewer, promotion_officer, bank_a_officer):
    for user in (reviewer, promotion_officer, bank_a_officer):
        client.force_login(user)
        assert client.get(reverse("whitelist:consent")).status_code == 403
        assert client.post(reverse("whitelist:consent"), {"to": "granted"}).status_code == 403
    assert not Consent.objects.exists()


# ---------------------------------------------------------------------------------------------------
# The rules in plain words


def test_everyone_signed_in_reads_the_active_rules_in_plain_words(
    client, reviewer, rules, bank_a_officer, enterprise_user
):
    draft = rule_set_create(
        actor=reviewer,
        based_on=rules,
        values={
            "min_invention_patents": 2,
            "min_trademarks": 1,
            "min_rd_ratio_pct": Decimal("5.50"),
            "min_credit_rating": "A",
            "min_revenue_band": "10m_50m",
        },
    )
    rule_set_activate(rule_set=draft, actor=reviewer)
    for user in (bank_a_officer, enterprise_user, reviewer):
        client.force_login(user)
        response = client.get(reverse("whitelist:rules_current"), headers=EN)
        assert response.status_code == 200
        html = response.content.decode()
        assert EXPLANATION in html
        for sentence in (
            "Registered in Beijing",
            "At least 2 valid invention patents.",
            "At least 1 registered trademark.",
            "R&amp;D spending at least 5.5% of revenue.",
            "Annual revenue at least in the band “10 to 50 million yuan”.",
            "Credit rating at least A.",
        ):
            assert sentence in html
        # Thresholds left at zero ask nothing and are not shown.
        assert "utility model" not in html and "valid design" not in html


def test_the_rules_page_says_so_when_no_version_is_active(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(reverse("whitelist:rules_current"), headers=EN)
    assert response.status_code == 200 and response.context["rule_set"] is None
    assert "No screening rules are in force yet" in response.content.decode()


# ---------------------------------------------------------------------------------------------------
# Rule versions


def test_rule_list_shows_every_version_and_starts_a_new_one(client, reviewer, rules):
    draft = rule_set_create(actor=reviewer, based_on=rules, values={"min_trademarks": 1})
    client.force_login(reviewer)
    response = client.get(reverse("whitelist:rule_list"), headers=EN)
    assert response.status_code == 200
    assert list(response.context["rule_sets"]) == [draft, rules]
    html = response.content.decode()
    assert reverse("whitelist:rule_new") in html and "Start a new version" in html
    assert reverse("whitelist:rule_detail", args=[draft.pk]) in html


def test_the_new_version_form_starts_from_the_active_version(client, reviewer, rules):
    RuleSet.objects.filter(pk=rules.pk).update(min_trademarks=3, min_credit_rating="AA")
    client.force_login(reviewer)
    form = client.get(reverse("whitelist:rule_new")).context["form"]
    assert form.initial["min_trademarks"] == 3 and form.initial["min_credit_rating"] == "AA"
    assert form.initial["explanation"] == EXPLANATION
    assert set(form.fields) == set(RULE_FIELDS)


def test_create_edit_and_activate_a_version_through_the_pages(client, reviewer, promotion_officer, rules):
    client.force_login(promotion_officer)
    response = client.post(
        reverse("whitelist:rule_new"),
        _form_values(min_invention_patents="2", min_rd_ratio_pct="4.5", require_category=False),
    )
    draft = RuleSet.objects.get(status=RuleSetStatus.DRAFT)
    assert response.status_code == 302 and response.url == reverse("whitelist:rule_detail", args=[draft.pk])
    assert (draft.version, draft.based_on, draft.created_by) == (rules.version + 1, rules, promotion_officer)
    assert (draft.min_invention_patents, draft.min_rd_ratio_pct, draft.require_category) == (
        2,
        Decimal("4.50"),
        False,
    )

    page = client.get(response.url, headers=EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("whitelist:rule_edit", args=[draft.pk]) in html
    assert reverse("whitelist:rule_activate", args=[draft.pk]) in html
    assert f"Version {rules.version}, active now, will be retired" in html

    response = client.post(
        reverse("whitelist:rule_edit", args=[draft.pk]),
        _form_values(min_invention_patents="3", min_credit_rating="BBB", explanation="Updated words."),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.min_invention_patents, draft.min_credit_rating, draft.explanation) == (
        3,
        "BBB",
        "Updated words.",
    )
    assert draft.require_category is True  # the edit form ticked it again

    response = client.post(reverse("whitelist:rule_activate", args=[draft.pk]), {"reason": "2027 rules"})
    assert response.status_code == 302
    draft.refresh_from_db()
    rules.refresh_from_db()
    assert (draft.status, rules.status) == (RuleSetStatus.ACTIVE, RuleSetStatus.RETIRED)
    assert draft.events.get(to_status=RuleSetStatus.ACTIVE).reason == "2027 rules"

    page = client.get(reverse("whitelist:rule_detail", args=[draft.pk]), headers=EN)
    assert page.context["edit_form"] is None and page.context["activate_form"] is None
    assert "2027 rules" in page.content.decode()  # the history


def test_bad_rule_input_is_a_400_that_keeps_what_was_typed(client, reviewer, rules):
    client.force_login(reviewer)
    before = RuleSet.objects.count()
    response = client.post(
        reverse("whitelist:rule_new"),
        _form_values(explanation="   ", min_rd_ratio_pct="150", min_trademarks="7"),
        headers=EN,
    )
    assert response.status_code == 400
    assert {"explanation", "min_rd_ratio_pct"} <= set(response.context["form"].errors)
    html = response.content.decode()
    assert 'value="150"' in html and 'value="7"' in html
    assert RuleSet.objects.count() == before

    draft = rule_set_create(actor=reviewer, based_on=rules, values={})
    response = client.post(
        reverse("whitelist:rule_edit", args=[draft.pk]),
        _form_values(min_design_patents="-1", explanation="Kept as typed"),
        headers=EN,
    )
    assert response.status_code == 400
    assert "min_design_patents" in response.context["edit_form"].errors
    assert "Kept as typed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.min_design_patents == 0


def test_an_active_version_cannot_be_edited_or_activated_again(client, reviewer, rules):
    client.force_login(reviewer)
    response = client.post(
        reverse("whitelist:rule_edit", args=[rules.pk]), _form_values(min_trademarks="5"), headers=EN
    )
    assert response.status_code == 400
    assert "Only a draft can be changed" in response.content.decode()
    response = client.post(reverse("whitelist:rule_activate", args=[rules.pk]), headers=EN)
    assert response.status_code == 400
    assert "Only a draft can be activated" in response.content.decode()
    rules.refresh_from_db()
    assert (rules.status, rules.min_trademarks) == (RuleSetStatus.ACTIVE, 0)


# ---------------------------------------------------------------------------------------------------
# Screening runs


def test_a_run_started_on_the_page_screens_and_lists_its_candidates(
    client, reviewer, rules, qualified, make_enterprise
):
    failing = make_enterprise("无专利企业有限公司", flags={"is_tech_sme": True})
    client.force_login(reviewer)
    response = _screen_through_the_page(client)
    run = ScreeningRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("whitelist:run_detail", args=[run.pk])
    assert run.status == RunStatus.DONE and (run.screened, run.passed) == (2, 1)

    page = client.get(response.url, headers=EN)
    assert page.status_code == 200 and not page.context["running"]
    html = page.content.decode()
    assert "合格科技有限公司" in html and qualified.uscc in html and "无专利企业有限公司" in html
    assert 'hx-trigger="every 2s"' not in html  # finished: no more polling
    rows = {row["candidate"].enterprise_id: row for row in page.context["rows"]}
    assert all(met for _label, met in rows[qualified.pk]["rules"])
    assert rows[qualified.pk]["flags"] == ["high-tech enterprise"]
    assert not dict(rows[failing.pk]["rules"])["Holds a valid invention patent or registered trademark"]

    passed = client.get(response.url, {"result": "passed"})
    assert [row["candidate"].enterprise_id for row in passed.context["rows"]] == [qualified.pk]
    not_passed = client.get(response.url, {"result": "not_passed"})
    assert [row["candidate"].enterprise_id for row in not_passed.context["rows"]] == [failing.pk]
    assert client.get(response.url, {"result": "maybe"}).status_code == 400

    listing = client.get(reverse("whitelist:run_list"))
    assert list(listing.context["page"]) == [run]


def test_a_run_in_progress_polls_every_two_seconds(client, reviewer, run):
    client.force_login(reviewer)
    page = client.get(reverse("whitelist:run_detail", args=[run.pk]), headers=EN)
    html = page.content.decode()
    assert page.context["running"]
    assert reverse("whitelist:run_progress", args=[run.pk]) in html and 'hx-trigger="every 2s"' in html
    listing = client.get(reverse("whitelist:run_list"), headers=EN).content.decode()
    assert "Queued" in listing and "in progress" in listing

    fragment = client.get(reverse("whitelist:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'hx-trigger="every 2s"' in fragment.content.decode()
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE)
    finished = client.get(reverse("whitelist:run_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert finished.headers.get("HX-Refresh") == "true"


def test_a_run_without_active_rules_shows_why(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("whitelist:run_create"), headers=EN)
    assert response.status_code == 400
    assert "No screening rules are active yet" in response.content.decode()
    assert not ScreeningRun.objects.exists()


def test_runs_are_paginated_twenty_a_page(client, reviewer, rules):
    ScreeningRun.objects.bulk_create(
        ScreeningRun(rule_set=rules, requested_by=reviewer, status=RunStatus.DONE) for _ in range(21)
    )
    client.force_login(reviewer)
    first = client.get(reverse("whitelist:run_list"))
    assert len(first.context["page"]) == 20 and first.context["page"].paginator.num_pages == 2
    assert len(client.get(reverse("whitelist:run_list"), {"page": 2}).context["page"]) == 1


def test_the_candidate_page_query_count_does_not_grow_with_the_page(
    client, reviewer, rules, make_enterprise, monkeypatch
):
    for number in range(12):
        _patent(make_enterprise(f"批量企业{number}", flags={"is_specialised": True}))
    client.force_login(reviewer)
    _screen_through_the_page(client)
    url = reverse("whitelist:run_detail", args=[ScreeningRun.objects.get().pk])
    counts = []
    for size in (2, 12):
        monkeypatch.setattr(views, "CANDIDATE_PAGE_SIZE", size)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["rows"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10  # session, user, membership, run, count, page, header
    assert Candidate.objects.count() == 12


def test_candidates_are_paginated_fifty_a_page(client, reviewer, rules, make_enterprise):
    run = ScreeningRun.objects.create(rule_set=rules, requested_by=reviewer, status=RunStatus.DONE)
    enterprises = [make_enterprise(f"分页企业{number}") for number in range(51)]
    snapshot = {
        "passed": False,
        "in_beijing": True,
        "has_core_ip": False,
        "no_dishonesty": True,
        "has_category": False,
        "meets_thresholds": True,
        "consented": False,
        "invention_patents": 0,
        "utility_patents": 0,
        "design_patents": 0,
        "trademarks": 0,
        "is_high_tech": False,
        "is_specialised": False,
        "is_little_giant": False,
        "is_tech_sme": False,
        "is_ip_advantage": False,
    }
    Candidate.objects.bulk_create(Candidate(run=run, enterprise=e, **snapshot) for e in enterprises)
    client.force_login(reviewer)
    url = reverse("whitelist:run_detail", args=[run.pk])
    assert len(client.get(url).context["rows"]) == 50
    second = client.get(url, {"page": 2, "result": "not_passed"})
    assert len(second.context["rows"]) == 1 and second.context["query"] == "result=not_passed"


# ---------------------------------------------------------------------------------------------------
# Consent


def test_an_enterprise_gives_and_withdraws_consent_through_the_page(client, enterprise_user, enterprise):
    client.force_login(enterprise_user)
    page = client.get(reverse("whitelist:consent"), headers=EN)
    assert page.status_code == 200 and page.context["consent"] is None
    html = page.content.decode()
    assert "What is shared with banks" in html and "takes effect in the next published batch" in html

    response = client.post(reverse("whitelist:consent"), {"to": "granted"})
    assert response.status_code == 302 and response.url == reverse("whitelist:consent")
    assert Consent.objects.get(enterprise=enterprise).status == ConsentStatus.GRANTED

    page = client.get(reverse("whitelist:consent"), headers=EN)
    assert page.context["granted"] and "Withdraw consent" in page.content.decode()

    response = client.post(reverse("whitelist:consent"), {"to": "withdrawn", "reason": "暂不需要融资"})
    assert response.status_code == 302
    consent = Consent.objects.get(enterprise=enterprise)
    assert consent.status == ConsentStatus.WITHDRAWN

    page = client.get(reverse("whitelist:consent"), headers=EN)
    events = list(page.context["events"])
    assert [(e.from_status, e.to_status) for e in events] == [("granted", "withdrawn"), ("", "granted")]
    html = page.content.decode()
    assert "暂不需要融资" in html and "王小明" in html and "Give consent" in html


def test_an_enterprise_admin_may_answer_too(client, enterprise_admin, enterprise):
    client.force_login(enterprise_admin)
    assert client.post(reverse("whitelist:consent"), {"to": "granted"}).status_code == 302
    assert Consent.objects.get(enterprise=enterprise).status == ConsentStatus.GRANTED


def test_bad_consent_input_is_a_400_that_keeps_what_was_typed(client, enterprise_user):
    consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)
    client.force_login(enterprise_user)
    too_long = "太长" * 300
    response = client.post(reverse("whitelist:consent"), {"to": "withdrawn", "reason": too_long}, headers=EN)
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert too_long in response.content.decode()

    response = client.post(reverse("whitelist:consent"), {"to": "granted"}, headers=EN)
    assert response.status_code == 400
    assert "Your consent is already given." in response.content.decode()

    assert client.post(reverse("whitelist:consent"), {"to": "maybe"}).status_code == 400
    assert Consent.objects.get().status == ConsentStatus.GRANTED
