from datetime import date, timedelta

import pytest

DUE_DATE_URL = "/api/v1/public/calendar/due-date/"


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.fixture
def due_date_api(client):
    """GET the public due-date endpoint in the given language."""

    def _get(language="en", **params):
        return client.get(DUE_DATE_URL, params, headers={"accept-language": language})

    return _get


@pytest.fixture(autouse=True)
def _recheck_version_on_every_lookup(monkeypatch):
    """These tests simulate other processes by editing the shared cache and expect the very next lookup
    to notice; test_version_is_trusted_for_a_moment covers the production recheck interval."""
    from portal.workdays import services

    monkeypatch.setattr(services, "_VERSION_RECHECK_SECONDS", 0)
