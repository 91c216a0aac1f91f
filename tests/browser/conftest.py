"""Playwright driving Debian's Chromium (never a downloaded browser) against the live test server.

Each scenario runs on a thread of its own with its own Playwright: the sync API runs an event loop in
the thread that starts it, and Django's database connections in the test's own thread must not see it
(with a browser in the main thread, serialized rollback restored the wrong connection).
Browser tests are transactional with ``serialized_rollback=True``, so the reference data that the
migrations seed (calendar, policy parameters, parks) is back for each of them.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

# The live server thread and the scenario thread never share a connection; this only silences
# Django's guard inside the scenario thread, whose event loop belongs to Playwright.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# Without these, Chromium tries Google's hosts at start and on this closed network that stalls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browse(live_server, request):
    """``browse(scenario, locale="zh-CN")`` runs ``scenario(page)`` in Chromium and returns its result.

    The page's relative URLs go to the live server; any request elsewhere (a CDN) is refused and fails
    the test. A failing scenario leaves a screenshot under var/test-artifacts/.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")

    def run(scenario, *, locale="zh-CN"):
        outside: list[str] = []

        def only_our_server(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        def drive():
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    context = browser.new_context(locale=locale, base_url=live_server.url)
                    context.set_default_timeout(15_000)
                    page = context.new_page()
                    page.route("**/*", only_our_server)
                    try:
                        return scenario(page)
                    except BaseException:
                        ARTIFACTS.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
                        raise
                finally:
                    browser.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            result = pool.submit(drive).result(timeout=180)
        assert outside == [], f"the page tried to load from outside the portal: {outside}"
        return result

    return run


def sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=acting-org]")
