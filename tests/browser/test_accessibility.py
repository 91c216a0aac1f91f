"""In Chromium (issue 11): the main forms meet WCAG 2.1 A and AA as far as axe-core can tell, the login
and loan application forms work with the keyboard alone and show where the focus is, and an enterprise's
pages fit a phone's screen without sideways scrolling of the page.

axe-core is vendored under tests/browser/vendor/axe-core/ (see its README) and put into each page with
``page.evaluate``: Playwright runs that through the DevTools protocol, which the page's
Content-Security-Policy does not govern, so the pages are checked exactly as they are served.
One browser per role visits all of that role's pages (browser tests are slow).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from loans.models import LoanRequest
from loans.services.applications import application_assign
from subsidies import applications as subsidy_services
from subsidies import review
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.loans import applications_factory as factory
from tests.pledges import factories_filing as filing_factory
from tests.subsidies.factories import make_batch, make_settled_loan, submitted_application

_application_settings = factory._application_settings
bank_b_manager = factory.bank_b_manager
make_asset = factory.make_asset
make_request = factory.make_request
patent = factory.patent
product_a = factory.product_a
product_b = factory.product_b
threshold = factory.threshold
make_draft = filing_factory.make_draft
make_patent = filing_factory.make_patent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Beyond the WCAG-tagged rules: every page has one main landmark and all content sits in landmarks,
# which is what the skip link and screen readers' landmark navigation rely on.
EXTRA_RULES = ["landmark-one-main", "region", "page-has-heading-one", "heading-order", "bypass"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

RUN_AXE = """async ([tags, extra]) => {
  const rules = {};
  for (const id of extra) rules[id] = { enabled: true };
  const result = await window.axe.run(document, {
    runOnly: { type: "tag", values: tags }, rules, resultTypes: ["violations", "incomplete"],
  });
  const brief = (list) => list.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html, summary: n.failureSummary })),
  }));
  return { violations: brief(result.violations), incomplete: brief(result.incomplete), rules: result.passes.length };
}"""
# axe leaves these for a person to review rather than failing them; here they are real faults (an
# aria-describedby pointing at no element leaves a field's help or error unread by screen readers).
INCOMPLETE_IS_FAULT = {"aria-valid-attr-value"}


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(RUN_AXE, [WCAG_A_AA, EXTRA_RULES])
    assert result["rules"] > 10, f"axe-core checked almost nothing on {page.url}: is it loaded?"
    return result["violations"] + [item for item in result["incomplete"] if item["id"] in INCOMPLETE_IS_FAULT]


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for url, violations in found.items():
        for violation in violations:
            lines.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.extend(f"    {node['target']}: {node['html'][:160]}" for node in violation["nodes"])
    return "\n".join(lines)


def check_pages(page, urls) -> dict[str, list[dict]]:
    """Visit each URL and collect axe-core's findings, by URL."""
    found = {}
    for url in urls:
        page.goto(url)
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    return found


def page_overflow(page) -> dict:
    """How far the page body is wider than the viewport, and the widest offenders (for the message)."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          const wide = [];
          for (const el of document.body.querySelectorAll("*")) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && !el.closest(".table-scroll, .table-wrap")) {
              wide.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")
                + (el.id ? "#" + el.id : "") + " right=" + Math.round(box.right));
            }
          }
          return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 8) };
        }"""
    )


def test_enterprise_forms_pass_axe_and_fit_a_phone(
    browse,
    enterprise,
    enterprise_user,
    reviewer,
    bank_a_branch,
    bank_a_officer,
    product_a,
    product_b,
    patent,
    make_draft,
):
    registration = make_draft(assets=[patent])  # its case page carries the checklist and the upload form
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    draft = subsidy_services.application_open(batch=batch, actor=enterprise_user)
    subsidy_services.loan_line_add_from_portal(application=draft, loan=loan, actor=enterprise_user)
    pages = [
        "/",
        "/loans/check/?for_beijing_operations=yes&guarantor_available=no&combination_acceptable=yes"
        "&amount=2000000&term_months=12",
        "/loans/products/",
        f"/loans/products/compare/?ids={product_a.pk}&ids={product_b.pk}",
        "/loans/applications/apply/",
        "/pledges/filings/new/",
        f"/pledges/cases/{registration.pk}/",
        "/subsidies/applications/",
        f"/subsidies/applications/{draft.pk}/",
    ]

    def scenario(page):
        page.set_viewport_size(DESKTOP)
        found = check_pages(page, ["/accounts/login/"])
        sign_in(page, enterprise_user.username, PASSWORD)
        found |= check_pages(page, pages)
        # The application form as it comes back with errors: each message is tied to its field.
        page.goto("/loans/applications/apply/")
        page.click("[data-testid=apply-submit]")
        expect(page.locator("[data-testid=apply-form] .error").first).to_be_visible()
        if violations := axe_violations(page):
            found["/loans/applications/apply/ (with errors)"] = violations

        page.set_viewport_size(PHONE)
        # The header folds into a menu; the button opens it and says so to screen readers.
        page.goto("/")
        toggle = page.locator("[data-testid=menu-toggle]")
        expect(page.locator("#topnav")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#topnav [data-testid=inbox-link]")).to_be_in_viewport()
        expect(page.locator("#lang-select")).to_be_in_viewport()
        too_wide = {}
        for url in pages:
            page.goto(url)
            overflow = page_overflow(page)
            if overflow["scrollWidth"] > overflow["innerWidth"]:
                too_wide[url] = overflow
        # The catalogue's wide table scrolls inside its own box instead.
        page.goto("/loans/products/")
        box = page.evaluate(
            "() => { const box = document.querySelector('[data-testid=product-catalogue] .table-wrap');"
            " return [box.scrollWidth, box.clientWidth]; }"
        )
        assert box[0] > box[1], f"the catalogue's table should scroll inside its box on a phone: {box}"
        return found, too_wide

    found, too_wide = browse(scenario)
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(found)
    assert not too_wide, f"pages scroll sideways on a 375 px wide phone: {too_wide}"


def test_review_pages_of_a_bank_officer_and_a_subsidy_reviewer_pass_axe(
    browse,
    enterprise,
    enterprise_user,
    bank_a_branch,
    bank_a_officer,
    reviewer,
    make_request,
):
    loan_request = make_request(amount=Decimal("2000000.00"))
    application = factory.application_of(loan_request, bank_a_branch)
    application_assign(application=application, officer=bank_a_officer, actor=bank_a_officer)
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    subsidy = submitted_application(batch, enterprise_user, loan)
    review.review_start(application=subsidy, actor=reviewer)

    def bank_officer(page):
        page.set_viewport_size(DESKTOP)
        sign_in(page, bank_a_officer.username, PASSWORD)
        found = check_pages(page, ["/loans/applications/queue/", f"/loans/applications/{application.pk}/"])
        expect(page.locator("[data-testid=approve-form]")).to_be_attached()
        return found

    def subsidy_reviewer(page):
        page.set_viewport_size(DESKTOP)
        sign_in(page, reviewer.username, PASSWORD)
        found = check_pages(page, ["/subsidies/review/", f"/subsidies/review/{subsidy.pk}/"])
        expect(page.locator("[data-testid=material-row] form").first).to_be_attached()
        return found

    found = browse(bank_officer) | browse(subsidy_reviewer)
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe(found)


def focus_by_tab(page, selector: str, *, presses: int = 60):
    """Press Tab until the element matching ``selector`` has the focus; the focus ring must show."""
    target = page.locator(selector)
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            ring = target.evaluate(
                "(el) => [el.matches(':focus-visible'), getComputedStyle(el).outlineStyle,"
                " getComputedStyle(el).outlineWidth]"
            )
            assert ring[0] and ring[1] == "solid" and ring[2] != "0px", (
                f"no visible focus on {selector}: {ring}"
            )
            return target
    raise AssertionError(f"Tab never reached {selector}")


def test_login_and_loan_application_with_the_keyboard_alone(
    browse, enterprise_user, product_a, patent, threshold
):
    def scenario(page):
        page.set_viewport_size(DESKTOP)
        page.goto("/accounts/login/")
        expect(page.locator("input[name=username]")).to_be_focused()  # the form's autofocus
        page.keyboard.type(enterprise_user.username)
        focus_by_tab(page, "input[name=password]", presses=1)
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=acting-org]")).to_be_visible()

        page.goto("/loans/applications/apply/")
        # The first Tab reaches the skip link, which shows itself and jumps past the header's links.
        skip = focus_by_tab(page, ".skip-link", presses=1)
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
        focus_by_tab(page, f"input[name=products][value='{product_a.pk}']")
        page.keyboard.press("Space")
        focus_by_tab(page, f"input[name=assets][value='{patent.pk}']")
        page.keyboard.press("Space")
        focus_by_tab(page, "[data-testid=apply-form] [name=amount]")
        page.keyboard.type("2000000")
        focus_by_tab(page, "[data-testid=apply-form] [name=term_months]", presses=1)
        page.keyboard.type("12")
        focus_by_tab(page, "[data-testid=apply-form] [name=purpose]", presses=1)
        page.keyboard.type("研发投入和设备采购")
        focus_by_tab(page, "[data-testid=apply-submit]")
        page.keyboard.press("Enter")
        expect(page.locator(".msg-success")).to_be_visible()

    browse(scenario)
    loan_request = LoanRequest.objects.get()
    assert (loan_request.amount, loan_request.term_months) == (Decimal("2000000.00"), 12)
    assert list(loan_request.applications.values_list("product", flat=True)) == [product_a.pk]
