"""Pages of the batch upload of loan facts: the form with the format and samples, the bank's uploads,
one upload with its progress bar, result, error table and error report; scoped to the bank."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from loans.models import ImportStatus, Loan, LoanImport
from loans.services.imports import loan_import_create, loan_import_run
from tests.loans.imports_factory import csv_bytes, day, loan_life, row, upload_file

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def borrower(make_enterprise):
    return make_enterprise("北京芯算科技有限公司")


def _queued(user, content: bytes, name: str = "facts.csv") -> LoanImport:
    """An upload whose task has not run (on_commit does not fire inside the test's transaction)."""
    return loan_import_create(bank=user.organisation, uploaded_file=upload_file(content, name), actor=user)


def _rejected(user) -> LoanImport:
    loan_import = _queued(user, csv_bytes([row("NOPE-1", "interest", day(5), "10")]))
    return loan_import_run(import_id=loan_import.pk, language="en")


# --- The upload form ---------------------------------------------------------------------------------


def test_the_form_explains_the_format_and_offers_samples(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get(reverse("loans:import_create"), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("bank_loan_ref", "银行贷款编号", "五级分类结果", "write_off", "核销", "GBK", "row 1"):
        assert text in page
    assert reverse("loans:import_sample_csv") in page
    assert reverse("loans:import_sample_xlsx") in page


def test_an_officer_uploads_a_file_and_sees_it_applied(
    client, bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    client.force_login(bank_a_officer)
    content = csv_bytes(loan_life("W-1", borrower.uscc))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("loans:import_create"), {"file": upload_file(content, "八月.csv")}, headers=EN
        )
    loan_import = LoanImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("loans:import_detail", args=[loan_import.pk])
    page = client.get(response.url, headers=EN).content.decode()
    assert "八月.csv" in page
    assert 'data-testid="import-result"' in page
    assert "1 loan(s) created, 4 fact(s) recorded" in page
    assert "hx-get" not in page  # finished: no more polling
    assert Loan.objects.filter(bank_loan_ref="W-1", bank=bank_a_officer.organisation).exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("bank_loan_ref,fact\r\n".encode("utf-16"), "UTF-16"),
        (b"\x00\x01\x02binary", "neither CSV nor Excel"),
        (b"", "The submitted file is empty"),
    ],
    ids=["utf16", "binary", "empty"],
)
def test_an_unreadable_file_is_refused_with_a_message(client, bank_a_officer, content, words):
    client.force_login(bank_a_officer)
    response = client.post(reverse("loans:import_create"), {"file": upload_file(content)}, headers=EN)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not LoanImport.objects.exists()


def test_posting_without_a_file_is_a_400(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(reverse("loans:import_create"), {}, headers=EN)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


@pytest.mark.parametrize("name", ["import_list", "import_create", "import_sample_csv", "import_sample_xlsx"])
def test_enterprise_users_may_not_open_the_upload_pages(client, enterprise_user, name):
    client.force_login(enterprise_user)
    assert client.get(reverse(f"loans:{name}")).status_code == 403


def test_an_enterprise_cannot_post_an_upload(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(reverse("loans:import_create"), {"file": upload_file(b"a,b\r\n")})
    assert response.status_code == 403
    assert not LoanImport.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("loans:import_list"))
    assert response.status_code == 302
    assert "login" in response.url


# --- Lists and scoping -------------------------------------------------------------------------------


def test_a_bank_lists_only_its_own_uploads(client, bank_a_officer, bank_b_officer, borrower):
    ours = _queued(bank_a_officer, csv_bytes(loan_life("L-1", borrower.uscc)), "ours.csv")
    _queued(bank_b_officer, csv_bytes(loan_life("L-1", borrower.uscc)), "theirs.csv")
    client.force_login(bank_a_officer)
    page = client.get(reverse("loans:import_list"), headers=EN).content.decode()
    assert "ours.csv" in page and "theirs.csv" not in page
    assert reverse("loans:import_detail", args=[ours.pk]) in page


def test_the_head_office_sees_its_branchs_uploads(client, bank_a_officer, bank_a_manager, borrower):
    _queued(bank_a_officer, csv_bytes(loan_life("H-1", borrower.uscc)), "branch.csv")
    client.force_login(bank_a_manager)
    assert "branch.csv" in client.get(reverse("loans:import_list")).content.decode()


@pytest.mark.parametrize("name", ["import_detail", "import_progress", "import_errors"])
def test_bank_b_cannot_open_bank_as_upload(client, bank_a_officer, bank_b_officer, name):
    loan_import = _rejected(bank_a_officer)
    client.force_login(bank_b_officer)
    assert client.get(reverse(f"loans:{name}", args=[loan_import.pk])).status_code == 404


@pytest.mark.parametrize("name", ["import_detail", "import_progress", "import_errors"])
def test_enterprise_users_get_403_on_an_upload(client, bank_a_officer, enterprise_user, name):
    loan_import = _rejected(bank_a_officer)
    client.force_login(enterprise_user)
    assert client.get(reverse(f"loans:{name}", args=[loan_import.pk])).status_code == 403


# --- Progress ------------------------------------------------------------------------------------------


def test_a_queued_upload_shows_a_polling_progress_bar_and_a_refresh_link(client, bank_a_officer, borrower):
    loan_import = _queued(bank_a_officer, csv_bytes(loan_life("Q-1", borrower.uscc)))
    client.force_login(bank_a_officer)
    page = client.get(reverse("loans:import_detail", args=[loan_import.pk]), headers=EN).content.decode()
    progress_url = reverse("loans:import_progress", args=[loan_import.pk])
    assert "<progress" in page
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    assert f'href="{reverse("loans:import_detail", args=[loan_import.pk])}">Refresh' in page


def test_the_progress_fragment_shows_rows_checked(client, bank_a_officer, borrower):
    loan_import = _queued(bank_a_officer, csv_bytes(loan_life("Q-2", borrower.uscc)))
    LoanImport.objects.filter(pk=loan_import.pk).update(
        status=ImportStatus.RUNNING, total_rows=4000, processed_rows=2000
    )
    client.force_login(bank_a_officer)
    response = client.get(
        reverse("loans:import_progress", args=[loan_import.pk]), headers={**EN, "HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<progress max="4000" value="2000"' in page
    assert "2000 of 4000 rows checked (50%)" in page
    assert "hx-get" in page
    assert "<html" not in page  # a fragment, not a page


def test_the_progress_fragment_reloads_the_page_once_the_run_is_over(client, bank_a_officer):
    loan_import = _rejected(bank_a_officer)
    client.force_login(bank_a_officer)
    response = client.get(
        reverse("loans:import_progress", args=[loan_import.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Refresh"] == "true"


# --- Errors and the error report ---------------------------------------------------------------------


def test_a_rejected_upload_shows_its_errors_and_the_report_link(client, bank_a_officer):
    loan_import = _rejected(bank_a_officer)
    client.force_login(bank_a_officer)
    page = client.get(reverse("loans:import_detail", args=[loan_import.pk]), headers=EN).content.decode()
    assert 'data-testid="import-errors"' in page
    assert "Nothing was applied" in page
    assert "NOPE-1" in page
    assert reverse("loans:import_errors", args=[loan_import.pk]) in page


def test_the_page_shows_the_first_200_errors(client, bank_a_officer, borrower):
    rows = [row(f"M-{n}", "interest", day(5), "10") for n in range(205)]
    loan_import = loan_import_run(import_id=_queued(bank_a_officer, csv_bytes(rows)).pk, language="en")
    assert loan_import.error_count == 205
    client.force_login(bank_a_officer)
    page = client.get(reverse("loans:import_detail", args=[loan_import.pk]), headers=EN).content.decode()
    assert "M-199" in page and "M-200" not in page
    assert "The first 200 errors are shown; 5 more are not." in page


def test_the_error_report_is_a_csv_excel_reads_as_utf8(client, bank_a_officer):
    loan_import = _rejected(bank_a_officer)
    client.force_login(bank_a_officer)
    response = client.get(reverse("loans:import_errors", args=[loan_import.pk]), headers=EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"loan-import-{loan_import.pk}-errors.csv" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["Row", "Field", "Value", "Message"]
    assert rows[1][:3] == ["2", "bank_loan_ref", "NOPE-1"]
    assert "NOPE-1" in rows[1][3]


def test_the_error_report_keeps_chinese_readable(client, bank_a_officer):
    loan_import = _queued(
        bank_a_officer,
        csv_bytes([["甲-1", "付息", day(5), "10"]], header=["银行贷款编号", "事项", "日期", "金额"]),
    )
    loan_import_run(import_id=loan_import.pk)
    client.force_login(bank_a_officer)
    body = client.get(reverse("loans:import_errors", args=[loan_import.pk])).content.decode("utf-8-sig")
    assert "银行贷款编号" in body and "甲-1" in body


# --- Samples -----------------------------------------------------------------------------------------


def test_the_csv_sample_has_chinese_headers_by_default_and_english_on_request(client, bank_a_officer):
    client.force_login(bank_a_officer)
    chinese = client.get(reverse("loans:import_sample_csv"))
    assert chinese.status_code == 200
    assert chinese.content.startswith(b"\xef\xbb\xbf")
    assert chinese.content.decode("utf-8-sig").startswith("银行贷款编号,事项,日期,金额")
    assert "attachment" in chinese["Content-Disposition"]
    english = client.get(reverse("loans:import_sample_csv"), headers=EN)
    assert english.content.decode("utf-8-sig").startswith("bank_loan_ref,fact,date,amount")


def test_the_xlsx_sample_opens_in_excel(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get(reverse("loans:import_sample_xlsx"), headers=EN)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("bank_loan_ref", "fact", "date")
    assert rows[1][1] == "contract"
