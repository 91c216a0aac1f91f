"""Nothing lost in the queue (security.md check 34): the Celery settings that make a crash redeliver a task
instead of dropping it, pinned so a later edit cannot quietly loosen them."""

from django.conf import settings

from loans.tasks import loan_import_run_task
from portal.celery import app as celery_app
from portal.notifications.tasks import send_notification_email


def test_a_task_is_acknowledged_only_after_it_ran_and_comes_back_if_the_worker_dies():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS is True
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True


def test_a_worker_reserves_one_message_at_a_time():
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert celery_app.conf.worker_prefetch_multiplier == 1


def test_every_task_has_a_time_limit_with_a_soft_warning_first():
    assert 0 < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert celery_app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT


def test_the_visibility_timeout_outlasts_every_countdown_and_retry_delay():
    """A task waiting longer than the visibility timeout (a countdown, a retry's backoff, a long run) is
    handed to a second worker while the first still holds it."""
    import_retry = settings.CELERY_TASK_TIME_LIMIT + 120  # loans/whitelist import tasks' retry countdown
    longest = max(settings.CELERY_TASK_TIME_LIMIT, import_retry, send_notification_email.retry_backoff_max)
    assert loan_import_run_task.max_retries == 3
    assert 2 * longest < settings.BROKER_VISIBILITY_TIMEOUT
    if settings.REDIS_URL:
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert visibility == settings.BROKER_VISIBILITY_TIMEOUT


def test_results_are_not_stored_and_eager_mode_is_off_outside_tests():
    assert settings.CELERY_TASK_IGNORE_RESULT is True
    assert settings.CELERY_TASK_ALWAYS_EAGER is False  # the test suite turns it on per test (conftest)


def test_the_outbox_relay_runs_every_half_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-relay"]
    assert entry["task"] == "portal.outbox.tasks.relay"
    assert 30 <= entry["schedule"] <= 60
