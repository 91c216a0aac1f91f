"""Fixtures for the filing and page tests: assets that pass the precheck, drafts made through the
services, and cases walked to a status through the real moves.

Import the fixtures a module needs by name (pytest finds fixtures imported into a test module).
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pledges.models import AssetHolder, IpAsset, LegalStatus, Status
from pledges.services.filing import (
    material_tick,
    material_upload,
    registration_confirm,
    registration_draft_create,
    registration_submit,
)
from pledges.services.workflow import registration_transition
from portal.accounts.models import Role
from portal.identifiers.patent import PatentType, check_character
from portal.policy.models import Channel, IpKind

_serial = itertools.count(100)

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
ZIP = b"PK\x03\x04" + b"\x00" * 32


def patent_number(type_digit: str = "1") -> str:
    digits = f"2020{type_digit}{next(_serial):07d}"
    return f"{digits}.{check_character(digits)}"


def upload(name: str = "合同.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _filing_media(settings, tmp_path):
    # Uploaded documents go to a throwaway folder, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def supervisor(make_user, registration_office):
    return make_user("supervisor", registration_office, Role.REGISTRATION_SUPERVISOR, full_name="林主管")


@pytest.fixture
def second_commissioner(make_user, registration_office):
    return make_user("commissioner2", registration_office, Role.COMMISSIONER, full_name="黄专员")


@pytest.fixture
def make_patent(db):
    """A granted invention patent in force, fees paid a year ahead, held by its owner alone."""

    def _make(owner, *, holders=None, **fields) -> IpAsset:
        today = timezone.localdate()
        values = {
            "kind": IpKind.PATENT,
            "number": patent_number(),
            "title": "一种芯片散热装置",
            "patent_type": PatentType.INVENTION,
            "filing_date": date(2020, 3, 2),
            "grant_date": date(2022, 5, 10),
            "annual_fee_paid_through": today + timedelta(days=200),
            "legal_status": LegalStatus.IN_FORCE,
        }
        values.update(fields)
        asset = IpAsset.objects.create(owner=owner, **values)
        for index, name in enumerate(holders or [owner.name]):
            AssetHolder.objects.create(
                asset=asset,
                name=name,
                organisation=owner if name == owner.name else None,
                is_primary=index == 0,
            )
        return asset

    return _make


@pytest.fixture
def make_draft(db, enterprise, enterprise_user, bank_a_branch, make_patent):
    """A pledge draft filed online by the enterprise with bank A's branch as pledgee."""

    def _make(*, assets=None, **fields):
        values = {
            "pledgor": enterprise,
            "pledgee": bank_a_branch,
            "kind": "pledge",
            "ip_kind": IpKind.PATENT,
            "channel": Channel.ONLINE,
            "assets": assets if assets is not None else [make_patent(enterprise)],
            "debt_amount": Decimal("3000000.00"),
            "debt_start": date(2026, 1, 5),
            "debt_end": date(2027, 1, 4),
            "actor": enterprise_user,
        }
        values.update(fields)
        return registration_draft_create(**values)

    return _make


def upload_required(registration, actor):
    """Upload a PDF for every required item of the case's checklist."""
    from pledges.checklists import applicable_items
    from pledges.services.filing import case_facts

    for item in applicable_items(registration.kind, registration.ip_kind, case_facts(registration)):
        if item.required:
            material_upload(registration=registration, item=item.code, uploaded_file=upload(), actor=actor)


@pytest.fixture
def walk(enterprise_user, bank_a_officer, commissioner):
    """Walk a fresh draft to a status through the real moves (the commissioner is assigned on submit)."""

    def _walk(registration, to: str):
        path = [
            Status.AWAITING_PLEDGEE,
            Status.SUBMITTED,
            Status.PRECHECK,
            Status.ACCEPTED,
            Status.UNDER_REVIEW,
            Status.REGISTERED,
        ]
        for step in path[: path.index(to) + 1]:
            if step == Status.AWAITING_PLEDGEE:
                registration = registration_submit(registration=registration, actor=enterprise_user)
            elif step == Status.SUBMITTED:
                registration = registration_confirm(registration=registration, actor=bank_a_officer)
            elif step == Status.REGISTERED:
                registration = registration_transition(
                    registration=registration,
                    to=step,
                    actor=commissioner,
                    details={"notice_number": "ZL-ZY-0001", "registered_on": timezone.localdate()},
                )
            else:
                registration = registration_transition(registration=registration, to=step, actor=commissioner)
        registration.refresh_from_db()
        return registration

    return _walk


def tick_all(registration, actor, accepted=True, comment=""):
    for material in registration.materials.all():
        material_tick(material=material, accepted=accepted, comment=comment, actor=actor)
