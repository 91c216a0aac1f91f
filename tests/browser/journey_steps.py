"""Steps shared by the browser journeys: filing a pledge's materials, answering a rating, ending an auction
round the way its time running out would, signing in with a second factor enrolled on the way, reading an
invitation link from the sent mail, and a cast of signed-in roles for the end-to-end journey."""

import re
from datetime import timedelta
from pathlib import Path

import pyotp
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

REQUIRED_PATENT_ITEMS = [
    ("request_form", "登记申请表.pdf"),
    ("pledge_contract", "质押合同.pdf"),
    ("identity_or_commitment", "身份证明.pdf"),
]


def upload_pledge_materials(page) -> None:
    """On a filing's checklist page: upload the complete file for a patent pledge (the office accepts
    nothing less)."""
    for item, name in REQUIRED_PATENT_ITEMS:
        page.select_option("#id_item", item)
        page.set_input_files("#id_file", {"name": name, "mimeType": "application/pdf", "buffer": PDF})
        page.click("[data-testid=upload-form] button[type=submit]")
        page.wait_for_selector(f"[data-item={item}] a")


def answer_rating(page, score: int) -> None:
    """On a rating form: give ``score`` on every scale."""
    for scale in ("score", "timeliness", "helpfulness", "clarity"):
        # Keyboard-usable radios: focus the answer and select it with the space bar.
        page.focus(f"[data-testid=scale-{scale}] input[value='{score}']")
        page.keyboard.press("Space")


def sign_in_enrolling_totp(page, username: str, password: str) -> None:
    """A first sign-in as production has it for an administrator: the second factor is required
    (MFA_REQUIRED, off elsewhere in the tests), so the portal asks for an authenticator app to be set up
    and shows the recovery codes before the home page."""
    with override_settings(MFA_REQUIRED=True):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r"/accounts/login/enrol/"))
        totp = pyotp.TOTP(page.inner_text("[data-testid=mfa-secret]").strip())
        page.fill("input[name=code]", totp.now())
        page.click("main button[type=submit]")
        expect(page.locator("[data-testid=recovery-codes] li")).to_have_count(10)
        page.click("[data-testid=mfa-continue]")
        page.wait_for_selector("[data-testid=acting-org]")


_INVITATION_LINK = re.compile(r"/accounts/invitation/[0-9a-f]{64}/")


def invitation_link(email: str) -> str:
    """The invitation link (its path) in the last mail sent to ``email`` (the test mail outbox)."""
    sent = [message for message in mail.outbox if email in message.to]
    assert sent, f"no mail was sent to {email}"
    match = _INVITATION_LINK.search(sent[-1].body)
    assert match, sent[-1].body
    return match.group(0)


def end_open_round() -> None:
    """The open auction round's time runs out: its end moves into the past and the beat's sweep task runs
    (instead of waiting hours)."""
    from disposal.models import AuctionRound, RoundStatus
    from disposal.tasks import close_due_rounds

    now = timezone.now()
    AuctionRound.objects.filter(status=RoundStatus.OPEN).update(
        starts_at=now - timedelta(hours=3), ends_at=now - timedelta(seconds=1)
    )
    close_due_rounds.delay()


class Cast:
    """One browser context per person, each signed in once through the login page, all in the browser
    that ``browse`` started; every step leaves a numbered full-page screenshot in ``shots``.

    The contexts refuse any request outside the portal, as ``browse`` does for its own page."""

    def __init__(self, page, *, base_url: str, shots: Path, locale: str = "zh-CN"):
        self.browser = page.context.browser
        self.base_url = base_url
        self.shots = shots
        self.locale = locale
        self.outside: list[str] = []
        self.taken: list[Path] = []
        self._pages: dict[str, object] = {}
        shots.mkdir(parents=True, exist_ok=True)
        for stale in shots.glob("*.png"):  # a previous run's pictures would pass for this run's
            stale.unlink()

    def _only_our_server(self, route) -> None:
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _new_page(self):
        context = self.browser.new_context(locale=self.locale, base_url=self.base_url)
        context.set_default_timeout(15_000)
        context.route("**/*", self._only_our_server)
        return context.new_page()

    def page_for(self, user):
        """The page of ``user``'s own browser context; signs in through the login page the first time."""
        if user.username not in self._pages:
            page = self._new_page()
            sign_in(page, user.username, PASSWORD)
            self._pages[user.username] = page
        return self._pages[user.username]

    def visitor(self):
        """A context with nobody signed in (the public pages)."""
        return self.newcomer("")

    def newcomer(self, key: str):
        """A context of its own for someone without an account yet (registering, accepting an invitation),
        who signs in on it later; kept under ``key`` for the failure screenshots."""
        if key not in self._pages:
            self._pages[key] = self._new_page()
        return self._pages[key]

    def failure_shots(self, directory: Path) -> None:
        """Every signed-in person's page as it was when the journey failed."""
        directory.mkdir(parents=True, exist_ok=True)
        for username, page in self._pages.items():
            page.screenshot(
                path=str(directory / f"journey-failed-{username or 'visitor'}.png"), full_page=True
            )

    def shot(self, page, name: str) -> None:
        path = self.shots / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
