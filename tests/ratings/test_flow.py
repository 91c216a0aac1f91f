"""The rating loop: a bad rating opens a callback and a rectification; once both are recorded the rater
rates again, once."""

from datetime import date

import pytest
from freezegun import freeze_time

from portal.notifications.models import Notification
from ratings import services
from ratings.errors import RatingInvalid, RatingNotAllowed
from ratings.models import FollowUp, FollowUpKind, FollowUpStatus, InvitationEvent, InvitationStatus, Rating
from tests.ratings.factories import answers, beijing, rate, refreshed

S = InvitationStatus


@freeze_time(beijing("2026-09-30"))
def test_bad_rating_callback_rectification_and_one_re_rating(
    invitation, enterprise_user, commissioner, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = rate(invitation, enterprise_user, 1, "补正要求说了三次")
    assert refreshed(invitation).status == S.CALLBACK_DUE
    callback, rectification = FollowUp.objects.filter(invitation=invitation).order_by("pk")
    assert (callback.kind, rectification.kind) == (FollowUpKind.CALLBACK, FollowUpKind.RECTIFICATION)
    assert callback.responsible_org == invitation.responsible_org == commissioner.organisation
    # The commissioner in charge and the office's supervisor hear of it.
    told = set(
        Notification.objects.filter(kind="ratings.bad_rating").values_list("recipient__username", flat=True)
    )
    assert told == {"commissioner", "supervisor"}

    services.follow_up_complete(follow_up=callback, actor=commissioner, note="已回访，企业反映补正清单不一致")
    assert refreshed(invitation).status == S.RECTIFYING
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_up_complete(follow_up=rectification, actor=supervisor, note="统一一次性告知补正清单")
    assert refreshed(invitation).status == S.REINVITED
    assert Notification.objects.filter(kind="ratings.reinvited", recipient=enterprise_user).count() == 1

    second = rate(refreshed(invitation), enterprise_user, 4)
    assert refreshed(invitation).status == S.RERATED
    assert second.attempt == 2 and second.is_current
    first.refresh_from_db()
    assert not first.is_current
    with pytest.raises(RatingInvalid, match="at most twice"):
        rate(refreshed(invitation), enterprise_user, 5)
    assert Rating.objects.filter(invitation=invitation).count() == 2
    moves = list(
        InvitationEvent.objects.filter(invitation=invitation, action="transition").values_list(
            "from_status", "to_status"
        )
    )
    assert moves == [
        (S.INVITED, S.CALLBACK_DUE),
        (S.CALLBACK_DUE, S.RECTIFYING),
        (S.RECTIFYING, S.REINVITED),
        (S.REINVITED, S.RERATED),
    ]
    assert InvitationEvent.objects.filter(invitation=invitation, action="follow_up_done").count() == 2


def test_good_rating_opens_nothing(invitation, enterprise_user):
    rating = rate(invitation, enterprise_user, 3)
    assert not rating.is_bad
    assert refreshed(invitation).status == S.RATED
    assert not FollowUp.objects.exists()
    with pytest.raises(RatingInvalid):
        rate(refreshed(invitation), enterprise_user, 5)


@freeze_time(beijing("2026-09-30"))
def test_bad_rating_on_the_eve_of_national_day_is_called_back_the_next_working_day(
    invitation, enterprise_user
):
    rate(invitation, enterprise_user, 2)
    due = dict(FollowUp.objects.values_list("kind", "due_on"))
    # 2026-10-01..07 are the National Day holiday: one working day after Wed 30 Sep is Thu 8 Oct.
    assert due[FollowUpKind.CALLBACK] == date(2026, 10, 8)
    # 15 days after 30 Sep is Thu 15 Oct, a working day.
    assert due[FollowUpKind.RECTIFICATION] == date(2026, 10, 15)


def test_rectification_waits_for_the_callback(invitation, enterprise_user, commissioner):
    rate(invitation, enterprise_user, 1)
    rectification = FollowUp.objects.get(kind=FollowUpKind.RECTIFICATION)
    with pytest.raises(RatingInvalid, match="callback first"):
        services.follow_up_complete(follow_up=rectification, actor=commissioner, note="已整改")
    rectification.refresh_from_db()
    assert rectification.status == FollowUpStatus.OPEN


def test_a_bad_rating_needs_a_comment_and_every_scale(invitation, enterprise_user):
    with pytest.raises(RatingInvalid) as refused:
        services.rating_submit(invitation=invitation, actor=enterprise_user, values=answers(1))
    assert "comment" in refused.value.errors
    with pytest.raises(RatingInvalid) as refused:
        services.rating_submit(invitation=invitation, actor=enterprise_user, values=answers(4, clarity=6))
    assert list(refused.value.errors) == ["clarity"]
    assert not Rating.objects.exists()


def test_only_the_party_served_rates_and_only_the_responsible_party_follows_up(
    invitation, enterprise_user, outsider, commissioner, bank_a_officer
):
    with pytest.raises(RatingNotAllowed):
        rate(invitation, outsider, 5)
    with pytest.raises(RatingNotAllowed):
        rate(invitation, commissioner, 5)
    rate(invitation, enterprise_user, 1)
    callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
    with pytest.raises(RatingNotAllowed):
        services.follow_up_complete(follow_up=callback, actor=bank_a_officer, note="x")
    with pytest.raises(RatingNotAllowed):
        services.follow_up_complete(follow_up=callback, actor=enterprise_user, note="x")


def test_the_rater_may_decline_to_rate(invitation, enterprise_user):
    services.invitation_decline(invitation=invitation, actor=enterprise_user, reason="不需要")
    assert refreshed(invitation).status == S.CLOSED
    with pytest.raises(RatingInvalid):
        rate(refreshed(invitation), enterprise_user, 5)
