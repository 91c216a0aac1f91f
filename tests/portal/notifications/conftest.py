import copy
from pathlib import Path

import pytest

from portal.notifications.services import notify

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def probe_templates(settings):
    """Adds this folder's templates/emails/probe.* (prints the active language, no HTML part)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates


@pytest.fixture
def make_notification():
    def _make(user, subject="Loan application submitted", link="/loans/1/", **extra):
        return notify(
            recipients=[user],
            kind=extra.pop("kind", "test.notice"),
            template="notice",
            context={"subject": subject, "body": extra.pop("body", "Please review it.")},
            link=link,
            email=extra.pop("email", False),
            **extra,
        )[0]

    return _make
