import pytest

from tests.subsidies.factories import make_batch, make_settled_loan


@pytest.fixture
def batch(reviewer):
    """The 2026 batch (loans settled in 2025), published and open today, budget 1,000,000.00."""
    return make_batch(reviewer)


@pytest.fixture
def settled_loan(bank_a_branch, enterprise, bank_a_officer):
    """E4 of domain.md §5, as the bank reported it in the portal."""
    return make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""
