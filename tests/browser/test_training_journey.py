"""In Chromium, talent training from publication to a verified certificate (issue 9): a promotion officer
creates a programme with two courses and publishes it; a bank officer enrols; the officer marks attendance
for both courses and closes the programme; the bank officer downloads the certificate PDF; the public
verification page (signed out) confirms it with the name masked."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from training.models import Certificate, Programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COURSES = [
    ("知识产权质押融资政策解读", "2026-03-02T09:00", "2026-03-02T12:00", "4.00"),
    ("专利价值评估实务", "2026-03-09T09:00", "2026-03-09T12:00", "6.00"),
]


def test_programme_to_verified_certificate(browse, promotion_officer, bank_a_officer):
    def officer_publishes(page):
        sign_in(page, promotion_officer.username, PASSWORD)
        page.goto("/training/manage/")
        page.click("[data-testid=new-programme]")
        page.fill("input[name=title]", "银行信贷人员实务培训班")
        page.select_option("select[name=audience]", "bank_credit")
        page.fill("input[name=capacity]", "30")
        page.click("[data-testid=programme-save]")
        for title, starts, ends, hours in COURSES:
            page.click("[data-testid=add-course]")
            page.fill("input[name=title]", title)
            page.fill("input[name=teacher]", "刘教授")
            page.fill("input[name=starts_at]", starts)
            page.fill("input[name=ends_at]", ends)
            page.fill("input[name=place]", "北京市知识产权局培训教室")
            page.fill("input[name=hours]", hours)
            page.click("[data-testid=course-save]")
            page.wait_for_selector(f"[data-testid=course-row]:has-text('{title}')")
        page.click("[data-testid=publish]")
        page.wait_for_selector("[data-testid=close]")

    def bank_officer_enrols(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/training/")
        page.click("[data-testid=programme-row] a")
        page.wait_for_selector("[data-testid=total-hours]:has-text('10.00')")
        page.click("[data-testid=enrol]")
        page.wait_for_selector("[data-testid=withdraw]")

    def officer_marks_attendance_and_closes(page):
        programme = Programme.objects.get()
        sign_in(page, promotion_officer.username, PASSWORD)
        for index in (1, 2):
            page.goto(f"/training/manage/{programme.pk}/")
            page.click(f"[data-testid=register-{index}]")
            page.check(f"[data-testid=present-{bank_a_officer.username}]")
            page.click("[data-testid=register-save]")
            page.wait_for_selector("[data-testid=enrolment-list]")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("[data-testid=close]")
        page.wait_for_selector("[data-testid=enrolment-row] a[download]")

    def bank_officer_downloads(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/training/mine/")
        with page.expect_download() as info:
            page.click("[data-testid=certificate-download]")
        download = info.value
        with open(download.path(), "rb") as pdf:
            return download.suggested_filename, pdf.read()

    def anyone_verifies(page):
        certificate = Certificate.objects.get()
        page.goto("/training/certificates/verify/")
        page.fill("input[name=number]", certificate.number)
        page.fill("input[name=code]", certificate.verification_code)
        page.click("[data-testid=verify-submit]")
        page.wait_for_selector("[data-testid=verify-valid]")
        return page.inner_text("[data-testid=verify-name]")

    browse(officer_publishes)
    browse(bank_officer_enrols)
    browse(officer_marks_attendance_and_closes)
    name, pdf = browse(bank_officer_downloads)
    certificate = Certificate.objects.get()
    assert name == f"{certificate.number}.pdf"
    assert pdf.startswith(b"%PDF") and certificate.number.encode() in pdf
    assert browse(anyone_verifies) == "李*贷"
