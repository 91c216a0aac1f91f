import pytest

from tests.training.factories import make_programme


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""


@pytest.fixture
def programme(promotion_officer):
    """Published, for everyone: two courses of 4.00 and 6.00 hours, 30 places, 80 % to complete."""
    return make_programme(promotion_officer)
