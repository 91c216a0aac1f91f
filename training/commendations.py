"""Writes of the commendation list (通报表扬, seed policy §9): the promotion centre records outstanding people
and teams, and publishes (or takes back) each entry, with an event row for each of these moves."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import Commendation, CommendationEvent
from training.permissions import can_manage_commendations

FIELDS = ("year", "kind", "name", "organisation_name", "citation")
# The publication moves: action -> (published before, published after).
COMMENDATION_TRANSITIONS = {"publish": (False, True), "unpublish": (True, False)}


def _allowed(actor: User, commendation: Commendation | None = None) -> None:
    allowed, reason = can_manage_commendations(actor)
    if not allowed:
        raise TrainingNotAllowed(reason)
    if commendation is not None and commendation.organisation_id != actor.organisation.pk:
        raise TrainingNotAllowed(_("Only the centre that wrote this commendation may change it."))


@transaction.atomic
def commendation_save(*, actor: User, values: dict, commendation: Commendation | None = None) -> Commendation:
    _allowed(actor, commendation)
    if commendation is None:
        commendation = Commendation(organisation=actor.organisation, created_by=actor)
    else:
        commendation = Commendation.objects.select_for_update().get(pk=commendation.pk)
        if commendation.published:
            raise TrainingInvalid(_("Take the commendation off the public list before changing it."))
    for field in FIELDS:
        if field in values:
            setattr(commendation, field, values[field])
    commendation.save()
    if commendation.created_at and not commendation.events.exists():
        CommendationEvent.objects.create(commendation=commendation, actor=actor, action="create")
    return commendation


@transaction.atomic
def commendation_transition(*, commendation: Commendation, action: str, actor: User) -> Commendation:
    _allowed(actor, commendation)
    commendation = Commendation.objects.select_for_update().get(pk=commendation.pk)
    before, after = COMMENDATION_TRANSITIONS[action]
    if commendation.published != before:
        raise TrainingInvalid(
            _("This commendation is already published.")
            if after
            else _("This commendation is not published.")
        )
    commendation.published = after
    commendation.published_at = timezone.now() if after else None
    commendation.save(update_fields=["published", "published_at"])
    CommendationEvent.objects.create(commendation=commendation, actor=actor, action=action)
    return commendation
