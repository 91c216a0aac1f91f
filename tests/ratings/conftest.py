import pytest

from portal.accounts.models import Role
from ratings import services
from ratings.models import SubjectKind
from tests.loans import applications_factory
from tests.ratings.factories import invite, registered_case

# Fixtures of the loans tests (published products, requests, walking an application through the bank's
# real moves), bound here so pytest finds them.
_application_settings = applications_factory._application_settings
threshold = applications_factory.threshold
bank_b_manager = applications_factory.bank_b_manager
product_a = applications_factory.product_a
product_b = applications_factory.product_b
make_asset = applications_factory.make_asset
patent = applications_factory.patent
make_request = applications_factory.make_request
staff_of = applications_factory.staff_of
walk = applications_factory.walk


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""


@pytest.fixture
def supervisor(make_user, registration_office):
    return make_user("supervisor", registration_office, Role.REGISTRATION_SUPERVISOR, full_name="林主管")


@pytest.fixture
def registered(enterprise, bank_a_branch, commissioner, enterprise_user):
    """A registration of the enterprise, registered by the commissioner."""
    return registered_case(
        pledgor=enterprise, pledgee=bank_a_branch, commissioner=commissioner, actor=commissioner
    )


@pytest.fixture
def invitation(registered, enterprise_user):
    return invite(registered)


@pytest.fixture
def loan_invitation(make_request, walk, bank_a_branch, enterprise_user):
    """The enterprise's application to bank A's branch, declined by its officer, invited to rate."""
    application = applications_factory.application_of(make_request(), bank_a_branch)
    walk(application, "declined")
    return services.invitation_open(kind=SubjectKind.LOAN_APPLICATION, subject_id=application.pk)
