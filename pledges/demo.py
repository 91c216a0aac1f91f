"""Demo pledges for `manage.py seed_demo`: an IP register for three demo enterprises and cases at several
steps, so the workbench, "my filings" and "filings to confirm" have something to show.

Idempotent: nothing is added once the first demo enterprise has assets. Moves go through the real
services (notifications and all), made by the demo logins.
"""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from pledges.checklists import applicable_items
from pledges.errors import PledgeError
from pledges.models import IpAsset, RegistrationKind, Status
from pledges.services.filing import (
    case_facts,
    material_upload,
    registration_confirm,
    registration_draft_create,
    registration_office_move,
    registration_submit,
)
from pledges.services.register import asset_create
from portal.accounts.models import Organisation, User
from portal.identifiers.patent import check_character
from portal.policy.models import Channel, IpKind

ENTERPRISES = ["北京智芯微电子科技有限公司", "北京康瑞生物医药有限公司", "北京星图智能科技有限公司"]
PATENTS = [
    # enterprise index, year, type digit, serial, title
    (0, 2019, "1", 512301, "一种低功耗存储控制电路及其控制方法"),
    (0, 2020, "1", 377420, "芯片封装热管理结构"),
    (0, 2021, "2", 219874, "一种用于晶圆检测的夹持装置"),
    (1, 2018, "1", 104532, "一种抗体偶联药物的制备方法"),
    (1, 2021, "1", 650019, "缓释注射制剂及其应用"),
    (2, 2022, "1", 808123, "基于多模态数据的遥感影像分割方法"),
]


def _patent_number(year: int, type_digit: str, serial: int) -> str:
    digits = f"{year}{type_digit}{serial:07d}"
    return f"{digits}.{check_character(digits)}"


# The smallest well-formed PDF: the demo's documents are placeholders a commissioner can open.
_DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _upload_required(registration, actor):
    for item in applicable_items(registration.kind, registration.ip_kind, case_facts(registration)):
        if item.required:
            document = SimpleUploadedFile(f"{item.code}.pdf", _DEMO_PDF, content_type="application/pdf")
            material_upload(registration=registration, item=item.code, uploaded_file=document, actor=actor)


def _advance(registration, steps, actor):
    """Walk a case forward; stop quietly at a step the policy data does not allow yet (e.g. no service
    time for a new year), so the demo still loads."""
    for to in steps:
        try:
            registration = registration_office_move(registration=registration, to=to, actor=actor)
        except PledgeError:
            return registration
    return registration


@transaction.atomic
def seed_demo() -> int:
    owners = {name: Organisation.objects.filter(name=name).first() for name in ENTERPRISES}
    if None in owners.values() or IpAsset.objects.filter(owner=owners[ENTERPRISES[0]]).exists():
        return 0
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    owner_user = {
        ENTERPRISES[0]: users["demo_enterprise"],
        ENTERPRISES[1]: users["demo_enterprise"],
        ENTERPRISES[2]: users["demo_enterprise"],
    }
    assets = []
    for index, year, type_digit, serial, title in PATENTS:
        owner = owners[ENTERPRISES[index]]
        assets.append(
            asset_create(
                owner=owner,
                kind=IpKind.PATENT,
                number=_patent_number(year, type_digit, serial),
                title=title,
                filing_date=date(year, 3, 15),
                grant_date=date(year + 2, 6, 1),
                annual_fee_paid_through=date(2027, 3, 14),
                actor=owner_user[ENTERPRISES[index]],
            )
        )

    bank_branch = Organisation.objects.get(name="北京银行中关村分行")
    enterprise_user, bank_officer = users["demo_enterprise"], users["demo_bank_officer"]
    commissioner = users["demo_commissioner"]
    terms = {
        "pledgor": owners[ENTERPRISES[0]],
        "pledgee": bank_branch,
        "kind": RegistrationKind.PLEDGE,
        "ip_kind": IpKind.PATENT,
        "debt_start": date(2026, 12, 1),
        "debt_end": date(2027, 11, 30),
        "actor": enterprise_user,
    }
    # A draft the enterprise is still preparing.
    registration_draft_create(
        channel=Channel.ONLINE, assets=[assets[0]], debt_amount=Decimal("5000000.00"), **terms
    )
    # Filed online and confirmed by the bank: on a commissioner's queue, accepted, the clock running.
    online = registration_draft_create(
        channel=Channel.ONLINE, assets=[assets[1]], debt_amount=Decimal("3000000.00"), **terms
    )
    _upload_required(online, enterprise_user)
    registration_submit(registration=online, actor=enterprise_user)
    online.refresh_from_db()
    registration_confirm(registration=online, actor=bank_officer)
    online.refresh_from_db()
    _advance(online, [Status.PRECHECK, Status.ACCEPTED], commissioner)
    # Waiting for the bank's confirmation.
    waiting = registration_draft_create(
        channel=Channel.ONLINE, assets=[assets[2]], debt_amount=Decimal("1200000.00"), **terms
    )
    registration_submit(registration=waiting, actor=enterprise_user)
    return IpAsset.objects.count()
