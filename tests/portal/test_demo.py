import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.accounts.models import Membership, Organisation, OrgKind, Role, User
from portal.management.demo import DEMO_LOGINS

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_role_a_working_login_and_is_idempotent(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # the demo cases' documents
    call_command("seed_demo")
    counts = (Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), Membership.objects.count()) == counts

    for _label, username in DEMO_LOGINS:
        user = authenticate(username=username, password=settings.PORTAL_DEMO_PASSWORD)
        assert user is not None, username
        assert user.membership is not None, username
    roles = set(Membership.objects.filter(user__username__startswith="demo_").values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Organisation.objects.filter(kind=OrgKind.BANK, parent__isnull=False).exists()  # branches
    # One persona may show personal data in full (portal.privacy), so the demo shows the unmask button.
    holders = User.objects.filter(user_permissions__codename="view_full_pii").values_list(
        "username", flat=True
    )
    assert list(holders) == ["demo_promotion"]
    # The domain apps' demo cases: a draft, one waiting for the bank, one on a commissioner's queue.
    from pledges.models import PledgeRegistration

    assert set(PledgeRegistration.objects.values_list("status", flat=True)) >= {"draft", "awaiting_pledgee"}

    # The demo API client (printed on start) trades its credentials for a token and reads its branch's loans.
    from django.test import Client

    from portal.management.demo import DEMO_API_CLIENT_ID, DEMO_API_CLIENT_SECRET

    client = Client()
    token = client.post(
        "/api/v1/oauth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": DEMO_API_CLIENT_ID,
            "client_secret": DEMO_API_CLIENT_SECRET,
        },
    ).json()["access_token"]
    loans = client.get("/api/v1/loans/", headers={"authorization": f"Bearer {token}"}).json()["results"]
    assert loans
    assert {loan["bank"]["name"] for loan in loans} == {"北京银行中关村分行"}


def test_seed_demo_refuses_without_debug_unless_forced(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_demo")
    call_command("seed_demo", "--force")
    assert Organisation.objects.exists()
