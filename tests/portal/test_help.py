"""Help pages (issue 11): public, in both languages, every link leads somewhere, every figure is a parameter."""

import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from freezegun import freeze_time

from portal.accounts.models import District, OrgKind, Role
from portal.accounts.services import organisation_create
from portal.help.guides import GUIDES
from portal.policy import formatting
from portal.policy.models import (
    Channel,
    IpKind,
    ParameterSetStatus,
    PolicyParameterSet,
    ServiceTime,
    TargetKind,
)

pytestmark = pytest.mark.django_db

LANGS = ("zh-hans", "en")
# A number of days, months or a percentage: what a figure from the parameters looks like on the page.
FIGURE = re.compile(r"\b\d+ (working |calendar )?(day|month)s?\b|\d%")
GUIDE_URLS = [reverse("help:guide", kwargs={"role": guide.slug}) for guide in GUIDES]
PAGES = [reverse("help:index"), reverse("help:faq"), *GUIDE_URLS]

# The persona each guide is written for: every link in the guide must open for them.
GUIDE_PERSONAS = {
    "enterprise": "enterprise_user",
    "bank": "bank_a_manager",
    "commissioner": "commissioner",
    "reviewer": "reviewer",
    "promotion": "promotion_officer",
    "finance": "finance_officer",
    "joint-office": "joint_office_viewer",
    "park": "district_park_admin",
}


@pytest.fixture
def district_park_admin(make_user):
    """A park administration belongs to a district, which scopes its statistics."""
    park_office = organisation_create(
        name="海淀园管理委员会", kind=OrgKind.PARK_ADMIN, district=District.HAIDIAN
    )
    return make_user("haidian_park", park_office, Role.PARK_ADMIN, full_name="海淀园区")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def internal_links(page: str) -> list[str]:
    """The page's own links (no fragment, no other site), each once, in order."""
    parser = _Links()
    parser.feed(page)
    found = []
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url not in found:
            found.append(url)
    return found


def _get(client, url, language):
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language)


def test_every_guide_has_its_persona():
    assert {guide.slug for guide in GUIDES} == set(GUIDE_PERSONAS)


@pytest.mark.parametrize("language", LANGS)
@pytest.mark.parametrize("url", PAGES)
def test_help_pages_are_public_in_both_languages(client, url, language):
    response = _get(client, url, language)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_an_unknown_role_has_no_guide(client):
    assert client.get(reverse("help:guide", kwargs={"role": "astronaut"})).status_code == 404


def test_help_pages_answer_get_only(client):
    for url in PAGES:
        assert client.post(url).status_code == 405


def test_the_index_lists_every_guide_the_faq_and_the_policy_pages(client):
    page = _get(client, reverse("help:index"), "en").content.decode()
    for url in [*GUIDE_URLS, reverse("help:faq"), reverse("policy:explainer"), reverse("policy:overview")]:
        assert f'href="{url}"' in page


def test_every_link_on_the_help_pages_opens_for_a_visitor(client):
    """A visitor meets the page or the sign-in page behind it: never a missing or broken page. Both
    languages link to the same pages."""
    links = []
    for url in PAGES:
        chinese, english = (
            internal_links(_get(client, url, language).content.decode()) for language in LANGS
        )
        assert chinese == english, url
        links += [link for link in english if link not in links]
    broken = [
        f"{link}: {status}"
        for link in links
        if (status := _get(client, link, "en").status_code) not in (200, 302)
    ]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("guide", GUIDES, ids=lambda guide: guide.slug)
def test_every_link_in_a_guide_opens_for_the_role_it_guides(client, request, guide):
    """The guide sends its reader only to pages their role may use (no 403, 404, 500, no sign-in)."""
    client.force_login(request.getfixturevalue(GUIDE_PERSONAS[guide.slug]))
    url = reverse("help:guide", kwargs={"role": guide.slug})
    page = _get(client, url, "en").content.decode()
    links = internal_links(page)
    assert len(links) >= 5
    broken = []
    for link in links:
        response = _get(client, link, "en")
        if response.status_code not in (200, 302) or "/accounts/login/" in response.get("Location", ""):
            broken.append(f"{link}: {response.status_code} {response.get('Location', '')}")
    assert not broken, "\n".join(broken)


def test_every_page_links_to_help_in_the_header_and_footer(client):
    page = _get(client, reverse("login"), "en").content.decode()
    assert f'href="{reverse("help:index")}" data-testid="nav-help"' in page
    assert f'href="{reverse("help:faq")}"' in page


def _set_2026() -> PolicyParameterSet:
    return PolicyParameterSet.objects.get(year=2026)


def _service_target(parameter_set, ip_kind, channel):
    return parameter_set.service_times.get(ip_kind=ip_kind, channel=channel, target=TargetKind.SERVICE_TARGET)


def _days(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _expected_faq_sentences(p: PolicyParameterSet) -> list[str]:
    pct, money = formatting.fraction_pct, formatting.money
    window = _service_target(p, IpKind.PATENT, Channel.WINDOW).days
    online = _service_target(p, IpKind.PATENT, Channel.ONLINE).days
    return [
        f"Interest subsidy: {pct(p.interest_ratio)} of the eligible interest; a rate more than "
        f"{pct(p.lpr_markup)} above the one-year LPR counts as LPR × {(1 + p.lpr_markup).normalize()}; "
        f"at most {money(p.interest_cap_per_enterprise)} yuan per enterprise.",
        f"the IP must make up at least {pct(p.interest_min_ip_share)} of it.",
        f"Fee subsidy: {pct(p.fee_ratio)} of valuation and guarantee fees, at most "
        f"{money(p.fee_cap_per_enterprise)} yuan per enterprise.",
        f"The {p.year} batch covers loans settled from {p.settlement_window_start.isoformat()} to "
        f"{p.settlement_window_end.isoformat()}.",
        f"The fund pays {pct(p.riskcomp_rate)} of each participant's loss base, at most "
        f"{money(p.riskcomp_per_loan_cap)} yuan per loan; claim within "
        f"{_days(p.riskcomp_claim_window_months, 'month')} of the loan becoming non-performing.",
        f"A complete patent or trademark pledge registration is done in {_days(window, 'working day')} at "
        f"the window, {_days(online, 'working day')} online.",
        f"Banks answer each whitelisted enterprise within {_days(p.whitelist_feedback_working_days, 'working day')}.",
        f"A financing need stays in the pool for {_days(p.demand_expiry_days, 'day')}; a bank that claims it "
        f"has {_days(p.demand_claim_working_days, 'working day')} to make contact.",
        f"A rating of 1 or 2 points is called back within {_days(p.rating_callback_working_days, 'working day')} "
        f"and put right within {_days(p.rating_rectification_days, 'day')}.",
        f"An auction round without a sale lowers the reserve price by {pct(p.auction_reserve_step)}, at most "
        f"{p.auction_max_reductions} times.",
    ]


def _faq(client) -> str:
    return " ".join(_get(client, reverse("help:faq"), "en").content.decode().split())


@freeze_time("2026-06-01 10:00:00+08:00")
def test_faq_figures_are_the_parameters_in_force(client):
    page = _faq(client)
    assert "The figures are the 2026 policy parameters in force." in page
    for sentence in _expected_faq_sentences(_set_2026()):
        assert sentence in page


@freeze_time("2026-06-01 10:00:00+08:00")
def test_faq_figures_follow_a_change_of_the_parameters(client):
    before = _faq(client)
    PolicyParameterSet.objects.filter(year=2026).update(
        interest_ratio=Decimal("0.4000"),
        lpr_markup=Decimal("0.3000"),
        interest_cap_per_enterprise=Decimal("500000.00"),
        fee_cap_per_enterprise=Decimal("25000.00"),
        riskcomp_rate=Decimal("0.3500"),
        riskcomp_claim_window_months=1,
        whitelist_feedback_working_days=15,
        auction_reserve_step=Decimal("0.1500"),
    )
    ServiceTime.objects.filter(
        parameter_set=_set_2026(), ip_kind=IpKind.PATENT, target=TargetKind.SERVICE_TARGET
    ).update(days=2)
    after = _faq(client)
    assert after != before
    for sentence in _expected_faq_sentences(_set_2026()):
        assert sentence in after
    assert "Interest subsidy: 40% of the eligible interest" in after
    assert "counts as LPR × 1.3; at most 500,000.00 yuan per enterprise." in after
    assert "done in 2 working days at the window, 2 working days online." in after
    assert "claim within 1 month of" in after


@freeze_time("2026-06-01 10:00:00+08:00")
@pytest.mark.parametrize("slug", ["enterprise", "bank", "reviewer", "commissioner"])
def test_guide_figures_are_the_parameters_in_force(client, slug):
    p = _set_2026()
    page = " ".join(_get(client, reverse("help:guide", kwargs={"role": slug}), "en").content.decode().split())
    pct, money = formatting.fraction_pct, formatting.money
    expected = {
        "enterprise": f"pays back {pct(p.interest_ratio)} of the eligible interest, at most "
        f"{money(p.interest_cap_per_enterprise)} yuan per enterprise a year; the fee subsidy pays "
        f"{pct(p.fee_ratio)} of valuation and guarantee fees, at most {money(p.fee_cap_per_enterprise)} yuan a year.",
        "bank": f"An approval above {money(p.loan_second_approval_above)} yuan waits for a second approver",
        "reviewer": f"The {p.year} batch covers loans settled from {p.settlement_window_start.isoformat()}",
        "commissioner": "Copyright: "
        + _days(_service_target(p, IpKind.COPYRIGHT, Channel.WINDOW).days, "calendar day")
        + " at the window",
    }[slug]
    assert expected in page


@freeze_time("2026-06-01 10:00:00+08:00")
def test_without_a_set_in_force_the_help_pages_show_no_figures(client):
    PolicyParameterSet.objects.filter(year=2026).update(status=ParameterSetStatus.DRAFT)
    for url in [reverse("help:faq"), *GUIDE_URLS]:
        page = _get(client, url, "en").content.decode()
        assert " yuan per" not in page, url
        assert not FIGURE.search(page), (url, FIGURE.search(page))
    assert 'data-testid="help-no-figures"' in _get(client, reverse("help:faq"), "en").content.decode()
