"""Certificates: numbered per year without gaps or repeats, a real PDF with its number in the text, downloaded
only by the holder, the organiser and promotion officers (anyone else 404), and verified publicly with the
holder's name masked."""

import threading

import pytest
from django.db import connection
from freezegun import freeze_time

from tests.conftest import PASSWORD
from tests.training.factories import attend, completed_with_certificate, make_programme
from training import enrolments, programmes
from training.certificates import certificate_pdf
from training.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(programme, promotion_officer, bank_a_officer):
    return completed_with_certificate(programme, promotion_officer, bank_a_officer).certificate


@freeze_time("2026-06-30 10:00:00+08:00")
def test_numbers_are_sequential_and_unique_across_programmes(
    make_user, bank_a, promotion_officer, park_admin
):
    people = [make_user(f"officer{index}", bank_a, "bank_officer") for index in range(5)]
    for organiser, group in ((promotion_officer, people[:3]), (park_admin, people[3:])):
        programme = make_programme(organiser)
        enrolled = [enrolments.enrol(programme=programme, actor=person) for person in group]
        attend(programme, organiser, {0: set(enrolled), 1: set(enrolled)})
        programmes.programme_close(programme=programme, actor=organiser)
    numbers = list(Certificate.objects.order_by("serial").values_list("number", flat=True))
    assert numbers == [f"PX-2026-{serial:06d}" for serial in range(1, 6)]
    assert len(set(Certificate.objects.values_list("verification_code", flat=True))) == 5


def test_numbering_starts_again_each_year(programme, promotion_officer, bank_a_officer, bank_b_officer):
    with freeze_time("2026-12-31 12:00:00+08:00"):
        completed_with_certificate(programme, promotion_officer, bank_a_officer)
    with freeze_time("2027-01-02 12:00:00+08:00"):
        later = make_programme(promotion_officer)
        completed_with_certificate(later, promotion_officer, bank_b_officer)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [
        "PX-2026-000001",
        "PX-2027-000001",
    ]


def test_the_pdf_is_a_pdf_with_the_number_in_its_text(certificate):
    pdf = certificate_pdf(certificate)
    assert pdf.startswith(b"%PDF")
    assert certificate.number.encode() in pdf
    assert certificate.verification_code.encode() in pdf
    assert b"STSong-Light" in pdf


def test_the_holder_downloads_the_certificate_with_safe_headers(client, certificate, bank_a_officer):
    client.login(username=bank_a_officer.username, password=PASSWORD)
    response = client.get(f"/training/certificates/{certificate.pk}/download/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{certificate.number}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["promotion_officer", "bank_a_officer"])
def test_the_organiser_and_the_holder_may_download(request, client, certificate, who):
    client.login(username=request.getfixturevalue(who).username, password=PASSWORD)
    assert client.get(f"/training/certificates/{certificate.pk}/download/").status_code == 200


@pytest.mark.parametrize("who", ["bank_b_officer", "park_admin", "reviewer", "enterprise_user"])
def test_anyone_else_gets_a_404(request, client, certificate, who):
    client.login(username=request.getfixturevalue(who).username, password=PASSWORD)
    assert client.get(f"/training/certificates/{certificate.pk}/download/").status_code == 404


def test_promotion_officers_download_a_park_programmes_certificate(
    client, park_admin, promotion_officer, bank_a_officer
):
    certificate = completed_with_certificate(
        make_programme(park_admin), park_admin, bank_a_officer
    ).certificate
    for user, expected in ((promotion_officer, 200), (park_admin, 200)):
        client.login(username=user.username, password=PASSWORD)
        assert client.get(f"/training/certificates/{certificate.pk}/download/").status_code == expected


def test_an_anonymous_download_goes_to_sign_in(client, certificate):
    response = client.get(f"/training/certificates/{certificate.pk}/download/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_verification_page_confirms_a_valid_certificate_with_the_name_masked(client, certificate):
    response = client.get(
        "/training/certificates/verify/",
        {"number": certificate.number.lower(), "code": certificate.verification_code.lower()},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="verify-valid"' in page
    assert "李*贷" in page and "李信贷" not in page
    assert "中关村银行海淀支行" in page and certificate.number in page
    assert "download" not in page and not response.content.startswith(b"%PDF")


@pytest.mark.parametrize("wrong", ["number", "code"])
def test_a_wrong_number_or_code_is_not_valid_and_reveals_nothing(client, certificate, wrong):
    query = {"number": certificate.number, "code": certificate.verification_code}
    query[wrong] = "PX-2026-999999" if wrong == "number" else "ZZZZZZZZZZ"
    response = client.get("/training/certificates/verify/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="verify-invalid"' in page
    assert "李" not in page.split('data-testid="verify-result"')[1]


def test_malformed_verification_input_is_a_400_keeping_the_input(client, db):
    response = client.get("/training/certificates/verify/", {"number": "12345", "code": "abc!"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="12345"' in page and "PX-2026-000123" in page


def test_the_empty_verification_page_is_a_form(client, db):
    response = client.get("/training/certificates/verify/")
    assert response.status_code == 200 and 'data-testid="verify-form"' in response.content.decode()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_closings_take_distinct_sequential_numbers(
    make_user, bank_a, promotion_officer, park_admin
):
    organisers = [promotion_officer, park_admin]
    closing = []
    for index, organiser in enumerate(organisers):
        programme = make_programme(organiser)
        people = [make_user(f"officer{index}{n}", bank_a, "bank_officer") for n in range(3)]
        enrolled = [enrolments.enrol(programme=programme, actor=person) for person in people]
        attend(programme, organiser, {0: set(enrolled), 1: set(enrolled)})
        closing.append((programme, organiser))
    start = threading.Barrier(len(closing))
    errors = []

    def close(programme, organiser):
        try:
            start.wait()
            programmes.programme_close(programme=programme, actor=organiser)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=pair) for pair in closing]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = Certificate.objects.values_list("year", flat=True).first()
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert Certificate.objects.filter(year=year).count() == 6
