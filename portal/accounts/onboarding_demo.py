"""Demo onboarding (``manage.py seed_demo``): an enterprise waiting in the promotion centre's verification
queue with its administrator's login, and an administrator for bank A who can open branches and invite
officers. Idempotent: looked up by name first."""

from django.db import transaction

from portal.accounts.models import District, Organisation, OrganisationEvent, Park, Role, VerificationStatus
from portal.accounts.services import enterprise_create
from portal.management.demo import _uscc, _user

PENDING_ENTERPRISE = "北京星河量子信息技术有限公司"
DEMO_BANK = "北京银行"


@transaction.atomic
def seed_demo() -> int:
    created = 0
    organisation = Organisation.objects.filter(name=PENDING_ENTERPRISE).first()
    if organisation is None:
        organisation = enterprise_create(
            name=PENDING_ENTERPRISE,
            uscc=_uscc("91", District.HAIDIAN, "MA0100190"),
            district=District.HAIDIAN,
            park=Park.objects.filter(name="中关村海淀园").first(),
            contact_name="许晨曦",
            contact_phone="010-62880190",
            contact_email="contact@xinghe-quantum.demo.example",
            verification_status=VerificationStatus.PENDING,
        )
        created += 1
    user = _user("demo_pending_admin", "许晨曦", organisation, Role.ORG_ADMIN)
    if not organisation.events.exists():
        OrganisationEvent.objects.create(
            organisation=organisation, actor=user, from_status="", to_status=VerificationStatus.PENDING
        )
    bank = Organisation.objects.filter(name=DEMO_BANK, parent=None).first()
    if bank is not None:
        _user("demo_bank_admin", "刘管理", bank, Role.ORG_ADMIN)
    return created
