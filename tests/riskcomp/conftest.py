import pytest

from tests.riskcomp.factories import fund, make_npl_loan


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""


@pytest.fixture
def funded(db):
    """This year's fund has a budget of 5,000,000.00 and no per-institution cap."""
    fund()


@pytest.fixture
def guarantor(guarantor_officer):
    return guarantor_officer.organisation


@pytest.fixture
def npl_loan(bank_a_branch, enterprise, bank_a_officer, guarantor):
    """E8: bank 0.20; the guarantor 0.80 with half of it re-guaranteed."""
    return make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
            ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
        ],
    )
