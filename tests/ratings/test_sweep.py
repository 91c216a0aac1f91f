"""The hourly sweep: one reminder per unrated invitation, one notice per overdue follow-up, and invitations
for closed cases the signal missed (the backstop)."""

from datetime import date

from freezegun import freeze_time

from pledges.models import RegistrationEvent
from pledges.models import Status as RegistrationStatus
from portal.notifications.models import Notification
from ratings.models import FollowUp, FollowUpKind, Invitation, InvitationEvent, InvitationStatus
from ratings.sweep import ratings_sweep
from ratings.tasks import ratings_sweep as ratings_sweep_task
from tests.ratings.factories import beijing, invite, rate, refreshed, registered_case


def test_an_unrated_invitation_is_reminded_once_after_the_reminder_days(
    invitation, enterprise_user, django_capture_on_commit_callbacks
):
    with freeze_time(beijing("2026-09-07")):
        invitation.created_at = invitation.created_at.replace(year=2026, month=9, day=1)
        invitation.save(update_fields=["created_at"])
        assert ratings_sweep()["reminded"] == 0  # six days: too early (7 in the 2026 parameters)
    with freeze_time(beijing("2026-09-09")), django_capture_on_commit_callbacks(execute=True):
        assert ratings_sweep()["reminded"] == 1
        assert ratings_sweep_task.delay().get()["reminded"] == 0  # the second run finds nothing to claim
    invitation = refreshed(invitation)
    assert invitation.status == InvitationStatus.REMINDED and invitation.reminded_at is not None
    assert Notification.objects.filter(kind="ratings.reminder", recipient=enterprise_user).count() == 1
    assert (
        InvitationEvent.objects.filter(invitation=invitation, to_status=InvitationStatus.REMINDED).count()
        == 1
    )
    rate(invitation, enterprise_user, 5)  # a reminded invitation is still rated
    assert refreshed(invitation).status == InvitationStatus.RATED


def test_an_overdue_follow_up_is_flagged_once(
    invitation, enterprise_user, commissioner, django_capture_on_commit_callbacks
):
    with freeze_time(beijing("2026-09-30")):
        rate(invitation, enterprise_user, 1)
    with freeze_time(beijing("2026-10-09")), django_capture_on_commit_callbacks(execute=True):
        assert ratings_sweep()["overdue"] == 1  # the callback was due on 8 Oct
        assert ratings_sweep()["overdue"] == 0
    callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
    assert callback.overdue_notified_at is not None
    assert Notification.objects.filter(kind="ratings.overdue", recipient=commissioner).count() == 1


def test_the_sweep_invites_for_a_closed_case_whose_signal_was_lost(
    enterprise, bank_a_branch, commissioner, enterprise_user
):
    with freeze_time(beijing("2026-09-01")):
        case = registered_case(
            pledgor=enterprise, pledgee=bank_a_branch, commissioner=commissioner, actor=commissioner
        )
        # The event was written but its after-commit invitation never ran (a transaction rolled back the
        # callback, a worker died): only the history says the case closed.
        RegistrationEvent.objects.create(
            registration=case, actor=commissioner, from_status="under_review", to_status="registered"
        )
        withdrawn = registered_case(
            pledgor=enterprise,
            pledgee=bank_a_branch,
            commissioner=commissioner,
            actor=enterprise_user,
            status=RegistrationStatus.WITHDRAWN,
        )
        RegistrationEvent.objects.create(registration=withdrawn, actor=enterprise_user, to_status="withdrawn")
    with freeze_time(beijing("2026-09-20")):
        assert ratings_sweep()["invited"] == 1
        assert ratings_sweep()["invited"] == 0
    invitation = Invitation.objects.get()
    assert invitation.subject_id == case.pk
    assert invitation.closed_at.date() == date(2026, 9, 1)
    with freeze_time(beijing("2026-11-01")):
        Invitation.objects.all().delete()
        assert ratings_sweep()["invited"] == 0  # closed more than 30 days ago: out of the backstop's reach


def test_a_case_invited_twice_by_signal_and_sweep_has_one_invitation(registered, enterprise_user):
    invite(registered)
    RegistrationEvent.objects.create(registration=registered, to_status="registered")
    ratings_sweep()
    assert Invitation.objects.count() == 1
