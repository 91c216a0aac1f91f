"""Certificates of completion (结业证书): numbered without gaps per year, issued when a programme is closed,
drawn as a PDF on each download and verifiable by anyone with the number and the verification code.

The PDF is written with page compression off, always: the certificate is one short page (a few kB either
way), and an uncompressed content stream keeps the certificate number readable as plain text in the file,
which is what the tests check and what a text search of an archive finds. Chinese text uses reportlab's
built-in STSong-Light CID font (the reader supplies the glyphs: no font file ships with the portal); the
number, code and URL are drawn in Helvetica so they stay plain ASCII in the content stream."""

import secrets
from io import BytesIO
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from training.calculations import certificate_number
from training.models import Certificate, CertificateSequence, Enrolment, Programme

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
# No 0/O or 1/I/L: the code is read off paper and typed in.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def _next_serial(year: int) -> int:
    """The next serial of the year under the sequence row's lock: concurrent closings queue here, and a
    rolled-back closing gives its numbers back with its transaction (no gaps, no repeats)."""
    sequence, _created = CertificateSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _index in range(CODE_LENGTH))


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, programme: Programme) -> Certificate:
    year = enrolment.completed_on.year
    serial = _next_serial(year)
    user = enrolment.user
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        number=certificate_number(year, serial),
        year=year,
        serial=serial,
        verification_code=new_verification_code(),
        holder_name=user.full_name or user.username,
        organisation_name=enrolment.organisation.name,
        programme_title=programme.title,
        hours=enrolment.hours_attended,
        completed_on=enrolment.completed_on,
        issuer_name=programme.organiser.name,
    )
    enrolment.certificate = certificate
    return certificate


def verification_url(certificate: Certificate) -> str:
    query = urlencode({"number": certificate.number, "code": certificate.verification_code})
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{reverse('training:certificate-verify')}?{query}"


def certificate_verify(*, number: str, code: str) -> Certificate | None:
    """The certificate with this number if the code matches it; None otherwise (the same answer for a
    wrong number and a wrong code)."""
    certificate = Certificate.objects.filter(number=number.strip().upper()).first()
    if certificate is None or not secrets.compare_digest(
        certificate.verification_code, code.strip().upper().encode("ascii", "ignore").decode()
    ):
        return None
    return certificate


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _centred(pdf, text: str, *, x: float, y: float, size: float, room: float) -> None:
    """A centred line in the CJK font, made smaller until it fits ``room`` (long programme titles)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 8 and stringWidth(text, CJK_FONT, size) > room:
        size -= 1
    pdf.setFont(CJK_FONT, size)
    pdf.drawCentredString(x, y, text)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 landscape PDF, in the portal's language."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    _fonts()
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=0)
    pdf.setTitle(certificate.number)
    pdf.setAuthor(certificate.issuer_name)
    with translation.override(settings.LANGUAGE_CODE):
        pdf.setLineWidth(3)
        pdf.rect(30, 30, width - 60, height - 60)
        pdf.setFont(CJK_FONT, 34)
        pdf.drawCentredString(width / 2, height - 110, _("Certificate of Completion"))
        pdf.setFont(CJK_FONT, 16)
        lines = [
            _("This is to certify that %(name)s of %(organisation)s")
            % {"name": certificate.holder_name, "organisation": certificate.organisation_name},
            _("completed the training programme “%(title)s”,") % {"title": certificate.programme_title},
            _("attending %(hours)s hours of courses.") % {"hours": certificate.hours},
        ]
        y = height - 180
        for line in lines:
            _centred(pdf, line, x=width / 2, y=y, size=16, room=width - 120)
            y -= 32
        pdf.setFont(CJK_FONT, 13)
        pdf.drawString(80, 150, _("Issuer: %(issuer)s") % {"issuer": certificate.issuer_name})
        pdf.drawString(
            80, 125, _("Completed on: %(date)s") % {"date": certificate.completed_on.strftime("%Y-%m-%d")}
        )
        pdf.drawString(80, 100, _("Certificate number:"))
        pdf.drawString(80, 75, _("Verification code:"))
        pdf.drawString(80, 50, _("Verify at:"))
    pdf.setFont(LATIN_FONT, 12)
    pdf.drawString(200, 100, certificate.number)
    pdf.drawString(200, 75, certificate.verification_code)
    pdf.setFont(LATIN_FONT, 9)
    pdf.drawString(200, 50, verification_url(certificate))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
