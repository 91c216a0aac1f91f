"""Whatever a client sends to the public API, the answer is a 200 or a 400 envelope, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/public/identifiers/uscc/": ["value"],
    "/api/v1/public/identifiers/patent/": ["value"],
    "/api/v1/public/calendar/due-date/": ["start", "working_days", "calendar_days"],
}
# Text a user or a script might plausibly send: digits, dates, Chinese, control characters, huge numbers.
values = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["", " ", "NaN", "Infinity", "2026-02-30", "0", "366", "1e3", "\x00", "２０２６-０１-０１"]
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(sorted(ENDPOINTS)),
    data=st.data(),
    language=st.sampled_from(["zh-hans", "en", "fr", ""]),
)
def test_public_endpoints_answer_200_or_400_for_any_query(client, settings_override, path, data, language):
    names = ENDPOINTS[path]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    query = {name: data.draw(values) for name in chosen}
    response = client.get(path, query, headers={"accept-language": language})
    assert response.status_code in (200, 400), (path, query, response.content[:300])
    body = response.json()
    if response.status_code == 400:
        assert set(body) == {"message", "errors"} and body["errors"]


@pytest.fixture
def settings_override(settings):
    # The examples share one client address; the throttle is tested on its own elsewhere.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public": "100000/min"}}
