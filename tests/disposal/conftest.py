import pytest

from tests.disposal.factories import auctioning, npl_loan_with_assets


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""


@pytest.fixture
def npl_loan(bank_a_branch, enterprise, bank_a_officer):
    """Bank A's branch lent and holds the pledge over two patents; the loan is non-performing."""
    return npl_loan_with_assets(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, assets=2)


@pytest.fixture
def auction_case(npl_loan, bank_a_officer):
    """An auction under way: round 1 open for 72 hours at a reserve of 100,000.00."""
    return auctioning(npl_loan, bank_a_officer)


@pytest.fixture
def bidder_user(outsider):
    """An unrelated enterprise's user who bids."""
    return outsider


@pytest.fixture
def second_bidder(guarantor_officer):
    return guarantor_officer
