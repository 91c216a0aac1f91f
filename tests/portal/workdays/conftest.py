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
