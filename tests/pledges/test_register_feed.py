"""The legal-status feed: CSV and JSON, all or nothing, line numbers, idempotent re-import, the command."""

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.timezone import localdate

from pledges.models import LegalStatus, LegalStatusEvent
from pledges.services.register import asset_create, legal_status_import
from portal.audit.models import AuditEvent
from portal.policy.models import IpKind
from tests.pledges import factories_register
from tests.pledges.factories_register import PATENT_B

pytestmark = pytest.mark.django_db

patent = factories_register.patent
trademark = factories_register.trademark

HEADER = "kind,number,status,occurred_on,note,annual_fee_paid_through\n"
EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"


@pytest.fixture
def patent_b(enterprise, enterprise_user):
    return asset_create(
        owner=enterprise,
        kind=IpKind.PATENT,
        number=PATENT_B,
        title="第二件专利",
        filing_date=date(2011, 2, 24),
        grant_date=date(2014, 1, 8),
        actor=enterprise_user,
    )


def test_good_csv_applies_every_row(patent, trademark, staff_admin):
    content = (
        HEADER
        + "patent,ZL201310699744.2,fee_grace,2026-01-05,Fee unpaid,\n"
        + "trademark,12345678,preserved,2026-02-01,(2026)京0108执保1号,\n"
    ).encode()
    result = legal_status_import(content=content, filename="feed.csv", actor=staff_admin)
    assert (result.applied, result.unchanged, result.errors) == (2, 0, [])
    patent.refresh_from_db()
    trademark.refresh_from_db()
    assert (patent.legal_status, patent.legal_status_since) == (LegalStatus.FEE_GRACE, date(2026, 1, 5))
    assert trademark.legal_status == LegalStatus.PRESERVED
    event = trademark.status_events.get()
    assert (event.note, event.source, event.recorded_by) == ("(2026)京0108执保1号", "feed.csv:3", staff_admin)


def test_csv_with_byte_order_mark_and_crlf_is_read(patent):
    content = (
        "\ufeff" + HEADER.replace("\n", "\r\n") + "patent,201310699744.2,in_force,2026-03-01,,2027-12-17\r\n"
    )
    result = legal_status_import(content=content.encode("utf-8"), filename="feed.csv")
    assert result.ok and result.applied == 1
    patent.refresh_from_db()
    assert patent.annual_fee_paid_through == date(2027, 12, 17)


def test_good_json_applies_every_event(patent, trademark):
    content = json.dumps(
        [
            {
                "kind": "patent",
                "number": "ZL201310699744.2",
                "status": "invalidation_requested",
                "occurred_on": "2026-04-01",
            },
            {
                "kind": "trademark",
                "number": 12345678,
                "status": "expired",
                "occurred_on": "2026-03-07",
                "note": None,
            },
        ],
        indent=2,
    )
    result = legal_status_import(content=content, filename="feed.json")
    assert (result.applied, result.errors) == (2, [])
    patent.refresh_from_db()
    assert patent.legal_status == LegalStatus.INVALIDATION_REQUESTED


def test_example_files_in_the_docs_are_valid_feeds(enterprise, enterprise_user, english):
    # The documented examples must stay importable: build a register holding their assets.
    for kind, number, extra in [
        (IpKind.PATENT, "ZL201310699744.2", {}),
        (IpKind.PATENT, "201110047567.0", {}),
        (IpKind.PATENT, "ZL200820132792.8", {}),
        (IpKind.TRADEMARK, "12345678", {"nice_class": 9}),
        (IpKind.COPYRIGHT, "2021SR0123456", {}),
        (IpKind.DATA_IP, "京数知登字-2025-000123", {}),
    ]:
        asset_create(owner=enterprise, kind=kind, number=number, title="示例", actor=enterprise_user, **extra)
    csv_result = legal_status_import(
        content=(EXAMPLES / "legal-status-feed.csv").read_bytes(), filename="legal-status-feed.csv"
    )
    assert csv_result.errors == [] and csv_result.applied == 6
    json_result = legal_status_import(
        content=(EXAMPLES / "legal-status-feed.json").read_bytes(), filename="legal-status-feed.json"
    )
    # The JSON example repeats three of the CSV's events.
    assert (json_result.errors, json_result.applied, json_result.unchanged) == ([], 0, 3)


def test_one_bad_row_applies_nothing_and_reports_its_line(patent, trademark, english):
    content = (
        HEADER
        + "patent,ZL201310699744.2,fee_grace,2026-01-05,,\n"
        + "\n"  # blank lines are skipped but still counted
        + "trademark,12345678,sold,2026-02-01,,\n"
    ).encode()
    result = legal_status_import(content=content, filename="feed.csv")
    assert result.applied == 0
    assert [line for line, _reason in result.errors] == [4]
    assert "Unknown status sold" in result.errors[0][1]
    assert not LegalStatusEvent.objects.exists()
    patent.refresh_from_db()
    assert patent.legal_status == LegalStatus.IN_FORCE


def test_every_kind_of_bad_row_is_reported_with_its_line(patent, trademark, english):
    future = (localdate() + timedelta(days=1)).isoformat()
    content = (
        HEADER
        + "patent,ZL201310699744.3,in_force,2026-01-05,,\n"  # 2: check character
        + "patent,ZL201110047567.0,in_force,2026-01-05,,\n"  # 3: valid number, not in the register
        + "vehicle,ABC,in_force,2026-01-05,,\n"  # 4: kind
        + "trademark,12345678,expired,2026-02-30,,\n"  # 5: impossible date
        + f"trademark,12345678,expired,{future},,\n"  # 6: future
        + "trademark,12345678,in_force,2026-01-05,,2027-01-01\n"  # 7: fee date on a trademark
        + "patent,201310699744.2,fee_grace,2026-01-05,,\n"  # 8: fine
        + "patent,CN201310699744.2,fee_grace,2026-01-05,,\n"  # 9: same event as line 8
        + "patent,201310699744.2,in_force,2026-01-06,,,extra\n"  # 10: too many fields
        + f"patent,201310699744.2,in_force,2026-01-07,{'x' * 301},\n"  # 11: note too long
    ).encode()
    result = legal_status_import(content=content, filename="feed.csv")
    lines = sorted({line for line, _reason in result.errors})
    assert lines == [2, 3, 4, 5, 6, 7, 9, 10, 11]
    reasons = dict(result.errors)
    assert "should be 2" in reasons[2]
    assert "No Patent numbered 201110047567.0" in reasons[3]
    assert "same event as line 8" in reasons[9]
    assert result.applied == 0 and not LegalStatusEvent.objects.exists()


def test_json_errors_carry_the_line_the_event_starts_on(patent, english):
    content = (
        "[\n"
        '  {"kind": "patent", "number": "201310699744.2", "status": "in_force", "occurred_on": "2026-01-05"},\n'
        "  {\n"
        '    "kind": "patent", "number": "201310699744.2",\n'
        '    "status": "in_force", "occurred_on": "05/01/2026", "colour": "red"\n'
        "  }\n"
        "]\n"
    )
    result = legal_status_import(content=content, filename="feed.json")
    assert {line for line, _reason in result.errors} == {3}
    assert any("Unknown column" in reason for _line, reason in result.errors)
    assert any("YYYY-MM-DD" in reason for _line, reason in result.errors)


@pytest.mark.parametrize(
    ("content", "filename", "line", "fragment"),
    [
        (b"", "feed.csv", 0, "empty"),
        (b"kind,number\n", "feed.csv", 1, "Missing column"),
        (HEADER.replace("note", "notes").encode(), "feed.csv", 1, "Unknown column"),
        ("kind,number,status,occurred_on\n患者".encode("gbk"), "feed.csv", 0, "UTF-8"),
        (b'[{"kind": "patent",\n "number": }]', "feed.json", 2, "not valid JSON"),
        (b'{"kind": "patent"}', "feed.json", 1, "list of event objects"),
        (b"[]", "feed.json", 0, "no events"),
        (HEADER.encode(), "feed.csv", 0, "no events"),
        (b'[1, "x"]', "feed.json", 1, "must be an object"),
    ],
)
def test_unreadable_files_are_refused(content, filename, line, fragment, english):
    result = legal_status_import(content=content, filename=filename)
    assert not result.ok
    assert result.errors[0][0] == line
    assert fragment in result.errors[0][1]


def test_reimport_is_idempotent(patent, trademark):
    content = (
        HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\ntrademark,12345678,expired,2026-03-07,,\n"
    ).encode()
    first = legal_status_import(content=content, filename="feed.csv")
    second = legal_status_import(content=content, filename="feed.csv")
    assert (first.applied, first.unchanged) == (2, 0)
    assert (second.applied, second.unchanged, second.errors) == (0, 2, [])
    assert LegalStatusEvent.objects.count() == 2


def test_latest_dated_event_sets_the_status_whatever_the_row_order(patent):
    content = (
        HEADER
        + "patent,201310699744.2,in_force,2026-03-01,Fee paid,2027-12-17\n"
        + "patent,201310699744.2,fee_grace,2026-01-05,,\n"
    ).encode()
    assert legal_status_import(content=content, filename="feed.csv").applied == 2
    patent.refresh_from_db()
    assert (patent.legal_status, patent.legal_status_since) == (LegalStatus.IN_FORCE, date(2026, 3, 1))
    # A late report of an older fact goes into the history without overriding the present.
    late = (HEADER + "patent,201310699744.2,invalidation_requested,2026-02-01,,\n").encode()
    assert legal_status_import(content=late, filename="late.csv").applied == 1
    patent.refresh_from_db()
    assert patent.legal_status == LegalStatus.IN_FORCE
    assert patent.status_events.count() == 3


def test_annual_fee_paid_through_only_moves_forward(patent):
    content = (HEADER + "patent,201310699744.2,in_force,2026-01-05,,2025-12-17\n").encode()
    legal_status_import(content=content, filename="feed.csv")
    patent.refresh_from_db()
    assert patent.annual_fee_paid_through == date(2026, 12, 17)


def test_import_is_audited(patent, staff_admin):
    legal_status_import(
        content=(HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\n").encode(),
        filename="a.csv",
        actor=staff_admin,
    )
    legal_status_import(content=b"", filename="b.csv", actor=staff_admin)
    events = AuditEvent.objects.filter(action="pledges.legal_status.import").order_by("id")
    assert [(event.object_id, event.outcome, event.details["applied"]) for event in events] == [
        ("a.csv", "success", 1),
        ("b.csv", "failure", 0),
    ]


def test_command_imports_a_file(patent, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\n", encoding="utf-8")
    out = StringIO()
    call_command("import_legal_status", str(path), stdout=out)
    assert "1" in out.getvalue()
    patent.refresh_from_db()
    assert patent.legal_status == LegalStatus.FEE_GRACE


def test_command_prints_errors_and_fails(patent, tmp_path, english):
    path = tmp_path / "feed.csv"
    path.write_text(
        HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\npatent,1,x,y,,\n", encoding="utf-8"
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_legal_status", str(path), stderr=err)
    assert "line 3" in err.getvalue()
    assert not LegalStatusEvent.objects.exists()


def test_command_exits_with_code_1_on_errors(tmp_path, db):
    path = tmp_path / "missing.csv"
    with pytest.raises(SystemExit) as excinfo:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "import_legal_status", str(path)])
    assert excinfo.value.code == 1
