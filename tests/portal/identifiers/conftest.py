import pytest


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """These tests read the checks' English messages; the API tests set Accept-Language themselves."""
