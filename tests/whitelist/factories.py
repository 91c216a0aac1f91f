"""Hand-built IP for the whitelist tests."""

from datetime import timedelta

from django.utils import timezone

from pledges.models import IpAsset, LegalStatus
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind

NEXT_YEAR = timezone.localdate() + timedelta(days=365)
_numbers = iter(range(10_000, 99_999))


def asset(owner, kind=IpKind.PATENT, patent_type=PatentType.INVENTION, status=LegalStatus.IN_FORCE, **extra):
    return IpAsset.objects.create(
        owner=owner,
        kind=kind,
        number=f"ZL{next(_numbers)}" if kind == IpKind.PATENT else f"TM{next(_numbers)}",
        title="测试",
        patent_type=patent_type if kind == IpKind.PATENT else "",
        legal_status=status,
        **extra,
    )
