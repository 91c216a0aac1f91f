"""The training demo: an open programme, a closed one with the demo bank officer's certificate, the 2025
commendations published; all of it once however often seed_demo runs."""

import pytest

from portal.management.demo import seed_demo as seed_portal
from training.demo import CLOSED_TITLE, OPEN_TITLE
from training.demo import seed_demo as seed_training
from training.models import Certificate, Commendation, Enrolment, Programme, ProgrammeStatus

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_each_stage_once(client):
    seed_portal()
    seed_training()
    seed_training()
    assert Programme.objects.get(title=OPEN_TITLE).status == ProgrammeStatus.PUBLISHED
    assert Programme.objects.get(title=CLOSED_TITLE).status == ProgrammeStatus.CLOSED
    certificate = Certificate.objects.get()
    assert certificate.enrolment.user.username == "demo_bank_officer"
    assert Enrolment.objects.filter(status="failed").count() == 1
    assert Commendation.objects.filter(year=2025, published=True).count() == 3
    assert client.get("/training/commended/").status_code == 200
    assert client.get("/training/").content.decode().count('data-testid="programme-row"') == 1
