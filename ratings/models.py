"""Satisfaction ratings (好差评) of closed service cases (issue 9, domain.md §2.9).

When a pledge registration, a loan application, a subsidy application or a risk compensation claim closes,
the party it served gets an ``Invitation`` to rate it (the enterprise; for a compensation claim the
claimant bank). A ``Rating`` scores it on five points overall and on timeliness, helpfulness and clarity.
A bad rating (overall 1 or 2) opens two ``FollowUp`` tasks for the responsible organisation: a callback
(what the rater said) within a few working days and a rectification (what was fixed) within a number of
days; once the rectification is done the rater may rate again, once. Every move of an invitation follows
``INVITATION_TRANSITIONS``, every move of a follow-up ``FOLLOW_UP_TRANSITIONS``, and each writes an
``InvitationEvent``.

For statistics: the *current* rating of an invitation (``Rating.is_current``) is the latest attempt; the
satisfaction rate is the share of current ratings scoring 4 or 5.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organisation


class SubjectKind(models.TextChoices):
    REGISTRATION = "registration", _("Pledge registration")
    LOAN_APPLICATION = "loan_application", _("Loan application")
    SUBSIDY = "subsidy", _("Subsidy application")
    COMPENSATION = "compensation", _("Risk compensation claim")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited to rate")
    REMINDED = "reminded", _("Reminded to rate")
    RATED = "rated", _("Rated")
    CALLBACK_DUE = "callback_due", _("Bad rating: callback due")
    RECTIFYING = "rectifying", _("Bad rating: rectification under way")
    REINVITED = "reinvited", _("Rectified: invited to rate again")
    RERATED = "rerated", _("Rated again")
    CLOSED = "closed", _("Closed without a rating")


# The parties who move an invitation; permissions.py decides which party a user is for an invitation.
RATER = "rater"
RESPONSIBLE = "responsible"
SYSTEM = "system"

_S = InvitationStatus
# A good first rating ends the invitation (RATED); a bad one opens the follow-ups (CALLBACK_DUE). The
# callback comes first (what did the rater say), then the rectification; its completion re-invites the
# rater, whose second rating (RERATED) is final: there is no third. The rater may also decline to rate.
INVITATION_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _S.INVITED: {
        _S.REMINDED: frozenset({SYSTEM}),
        _S.RATED: frozenset({RATER}),
        _S.CALLBACK_DUE: frozenset({RATER}),
        _S.CLOSED: frozenset({RATER}),
    },
    _S.REMINDED: {
        _S.RATED: frozenset({RATER}),
        _S.CALLBACK_DUE: frozenset({RATER}),
        _S.CLOSED: frozenset({RATER}),
    },
    _S.RATED: {},
    _S.CALLBACK_DUE: {_S.RECTIFYING: frozenset({RESPONSIBLE})},
    _S.RECTIFYING: {_S.REINVITED: frozenset({RESPONSIBLE})},
    _S.REINVITED: {_S.RERATED: frozenset({RATER}), _S.CLOSED: frozenset({RATER})},
    _S.RERATED: {},
    _S.CLOSED: {},
}
# Statuses in which the rater is asked for a rating (the first, or the second after a rectification).
AWAITING_RATING = frozenset({_S.INVITED, _S.REMINDED, _S.REINVITED})
FOLLOWING_UP = frozenset({_S.CALLBACK_DUE, _S.RECTIFYING})


class Invitation(models.Model):
    subject_kind = models.CharField(_("kind of case"), max_length=24, choices=SubjectKind.choices)
    subject_id = models.PositiveBigIntegerField(_("case id"))
    reference = models.CharField(_("case number"), max_length=40)
    title = models.CharField(_("case"), max_length=300)
    outcome = models.CharField(_("case outcome"), max_length=32, blank=True)
    rater_org = models.ForeignKey(
        Organisation,
        verbose_name=_("rated by"),
        on_delete=models.PROTECT,
        related_name="rating_invitations",
    )
    responsible_org = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="rating_responsibilities",
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rating_responsibilities",
    )
    closed_at = models.DateTimeField(_("case closed at"))
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=_S.INVITED
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("invited at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("rating invitation")
        verbose_name_plural = _("rating invitations")
        constraints = [
            models.UniqueConstraint(fields=["subject_kind", "subject_id"], name="ratings_invitation_once"),
        ]
        indexes = [
            models.Index(fields=["rater_org", "status"], name="ratings_inv_rater"),
            models.Index(fields=["responsible_org", "status"], name="ratings_inv_responsible"),
            models.Index(fields=["status", "created_at"], name="ratings_inv_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.reference}"

    @property
    def awaiting_rating(self) -> bool:
        return self.status in AWAITING_RATING


class Score(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_SCORE_MAX = 2  # 1 or 2 overall is a bad rating (差评)
SATISFIED_SCORE_MIN = 4  # 4 or 5 counts as satisfied (domain.md §2.9)


def _score_range(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 1, f"{field}__lte": 5}), name=f"ratings_rating_{field}_1_to_5"
    )


class Rating(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="ratings")
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    score = models.PositiveSmallIntegerField(_("overall"), choices=Score.choices)
    timeliness = models.PositiveSmallIntegerField(_("timeliness"), choices=Score.choices)
    helpfulness = models.PositiveSmallIntegerField(_("helpfulness"), choices=Score.choices)
    clarity = models.PositiveSmallIntegerField(_("clarity"), choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True)
    # The latest attempt counts: a re-rating supersedes the first (set by the service, one per invitation).
    is_current = models.BooleanField(_("current"), default=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["invitation", "attempt"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "attempt"], name="ratings_rating_attempt_once"),
            models.UniqueConstraint(
                fields=["invitation"], condition=Q(is_current=True), name="ratings_rating_one_current"
            ),
            models.CheckConstraint(condition=Q(attempt__in=[1, 2]), name="ratings_rating_attempt_1_or_2"),
            _score_range("score"),
            _score_range("timeliness"),
            _score_range("helpfulness"),
            _score_range("clarity"),
        ]
        indexes = [models.Index(fields=["is_current", "submitted_at"], name="ratings_rating_current")]

    def __str__(self) -> str:
        return f"{self.invitation_id}#{self.attempt}: {self.score}"

    @property
    def is_bad(self) -> bool:
        return self.score <= BAD_SCORE_MAX


class FollowUpKind(models.TextChoices):
    CALLBACK = "callback", _("Callback")
    RECTIFICATION = "rectification", _("Rectification")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", _("Done")


FOLLOW_UP_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    FollowUpStatus.OPEN: {FollowUpStatus.DONE: frozenset({RESPONSIBLE})},
    FollowUpStatus.DONE: {},
}


class FollowUp(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="follow_ups")
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("task"), max_length=16, choices=FollowUpKind.choices)
    responsible_org = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="rating_follow_ups",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    note = models.TextField(_("record"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        constraints = [
            models.UniqueConstraint(fields=["rating", "kind"], name="ratings_follow_up_once_per_rating"),
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True) | Q(status="done", done_at__isnull=False),
                name="ratings_follow_up_done_has_time",
            ),
        ]
        indexes = [models.Index(fields=["responsible_org", "status", "due_on"], name="ratings_fu_queue")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.invitation_id}"

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_on < timezone.localdate()

    @property
    def done_on_time(self) -> bool | None:
        if self.done_at is None:
            return None
        return timezone.localdate(self.done_at) <= self.due_on


class InvitationEvent(models.Model):
    """One row per move of an invitation or of one of its follow-ups (``follow_up`` set), and per notice
    the sweep sends (reminder, overdue)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="events")
    follow_up = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the portal itself made the move."),
    )
    action = models.CharField(_("action"), max_length=32, default="transition")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("rating event")
        verbose_name_plural = _("rating events")

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.from_status or '-'} → {self.to_status or self.action}"
