"""Writes of park events (入园惠企): the organiser's event and its moves, registrations under the capacity,
check-in, and the matches that become claimed needs in the demand pool."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import ProductStatus
from matchmaking.errors import MatchmakingInvalid, MatchmakingNotAllowed
from matchmaking.models import (
    EVENT_TRANSITIONS,
    Demand,
    DemandSource,
    DemandStatus,
    Event,
    EventLog,
    EventStatus,
    Match,
    Registration,
    RegistrationStatus,
)
from matchmaking.permissions import (
    bank_group_ids,
    can_register,
    is_bank_user,
    is_event_organiser,
    is_organiser,
)
from matchmaking.services import demands
from portal.accounts.models import Organisation, OrgKind, User

_E = EventStatus
EDITABLE = frozenset({_E.DRAFT, _E.PUBLISHED, _E.CLOSED})
FIELDS = (
    "kind",
    "title",
    "agenda",
    "place",
    "park",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_deadline",
)


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _log(event: Event, *, actor, action: str, details=None, reason: str = "") -> None:
    EventLog.objects.create(event=event, actor=actor, action=action, details=details or {}, reason=reason)


def _clean(values: dict, *, registered: int = 0) -> dict:
    errors: dict[str, list[str]] = {}
    starts, ends, deadline = (
        values.get("starts_at"),
        values.get("ends_at"),
        values.get("registration_deadline"),
    )
    if starts and ends and ends <= starts:
        errors["ends_at"] = [_("The event must end after it starts.")]
    if starts and deadline and deadline > starts:
        errors["registration_deadline"] = [_("Registration must close by the start of the event.")]
    capacity = values.get("capacity")
    if not isinstance(capacity, int) or capacity < 1:
        errors["capacity"] = [_("Enter a capacity of at least 1.")]
    elif capacity < registered:
        errors["capacity"] = [
            _("%(count)s people have registered already: the capacity cannot be lower.")
            % {"count": registered}
        ]
    banks = list(values.get("banks") or [])
    if any(bank.kind != OrgKind.BANK for bank in banks):
        errors["banks"] = [_("Choose banks only.")]
    products = list(values.get("products") or [])
    if any(product.status != ProductStatus.PUBLISHED for product in products):
        errors["products"] = [_("Choose published products only.")]
    if errors:
        raise MatchmakingInvalid(_("Nothing was saved: correct the fields marked."), errors)
    return {**{name: values.get(name) for name in FIELDS}, "banks": banks, "products": products}


@transaction.atomic
def event_create(*, actor: User, values: dict) -> Event:
    if not is_organiser(actor):
        raise MatchmakingNotAllowed(_("Only park administrators and the promotion centre organise events."))
    cleaned = _clean(values)
    banks, products = cleaned.pop("banks"), cleaned.pop("products")
    event = Event.objects.create(organiser=actor.organisation, created_by=actor, **cleaned)
    event.banks.set(banks)
    event.products.set(products)
    EventLog.objects.create(event=event, actor=actor, to_status=_E.DRAFT, action="created")
    return event


@transaction.atomic
def event_update(*, event: Event, actor: User, values: dict) -> Event:
    event = _locked(event)
    if not is_event_organiser(actor, event):
        raise MatchmakingNotAllowed(_("Only the organiser changes its event."))
    if event.status not in EDITABLE:
        raise MatchmakingInvalid(_("A held or cancelled event cannot be changed."))
    cleaned = _clean(values, registered=event.registered_count)
    banks, products = cleaned.pop("banks"), cleaned.pop("products")
    for name, value in cleaned.items():
        setattr(event, name, value)
    event.save()
    event.banks.set(banks)
    event.products.set(products)
    _log(event, actor=actor, action="edited")
    return event


@transaction.atomic
def event_transition(*, event: Event, actor: User, to: str, reason: str = "") -> Event:
    event = _locked(event)
    if not is_event_organiser(actor, event):
        raise MatchmakingNotAllowed(_("Only the organiser moves its event."))
    allowed = EVENT_TRANSITIONS.get(event.status, {}).get(to)
    if allowed is None:
        raise MatchmakingInvalid(
            _("An event that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": event.get_status_display(), "to": EventStatus(to).label if to in _E.values else to}
        )
    if actor.role not in allowed:
        raise MatchmakingNotAllowed(_("Your role does not allow this step."))
    if to == _E.HELD and timezone.now() < event.starts_at:
        raise MatchmakingInvalid(_("An event is marked held once it has started."))
    EventLog.objects.create(event=event, actor=actor, from_status=event.status, to_status=to, reason=reason)
    event.status = to
    event.save()
    return event


def available_event_transitions(event: Event, user: User) -> list[str]:
    if not is_event_organiser(user, event):
        return []
    return [to for to, roles in EVENT_TRANSITIONS.get(event.status, {}).items() if user.role in roles]


# --- Registration --------------------------------------------------------------------------------------------


def registration_refusal(event: Event, user: User) -> str:
    """Why the user cannot register now, or "" when they can."""
    if not can_register(user):
        return _("Enterprise users and bank staff register for events.")
    if event.status != _E.PUBLISHED:
        return _("Registration for this event is closed.")
    if timezone.now() > event.registration_deadline:
        return _("The registration deadline has passed.")
    if event.is_full:
        return _("The event is full.")
    return ""


@transaction.atomic
def registration_create(*, event: Event, actor: User) -> Registration:
    """Register the user (one registration per user per event). The seat is taken by a conditional update
    of ``registered_count`` below the capacity, so concurrent registrations never overfill the event."""
    if not can_register(actor):
        raise MatchmakingNotAllowed(_("Enterprise users and bank staff register for events."))
    event = Event.objects.get(pk=event.pk)
    existing = Registration.objects.filter(event=event, user=actor).first()
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        raise MatchmakingInvalid(_("You are already registered for this event."))
    refusal = registration_refusal(event, actor)
    if refusal:
        raise MatchmakingInvalid(refusal)
    taken = Event.objects.filter(pk=event.pk, status=_E.PUBLISHED, registered_count__lt=F("capacity")).update(
        registered_count=F("registered_count") + 1
    )
    if taken != 1:
        raise MatchmakingInvalid(_("The event is full."))
    try:
        with transaction.atomic():
            if existing is not None:
                updated = Registration.objects.filter(
                    pk=existing.pk, status=RegistrationStatus.CANCELLED
                ).update(
                    status=RegistrationStatus.REGISTERED, cancelled_at=None, organisation=actor.organisation
                )
                if updated != 1:
                    raise IntegrityError("registered twice at once")
                registration = Registration.objects.get(pk=existing.pk)
            else:
                registration = Registration.objects.create(
                    event=event, user=actor, organisation=actor.organisation
                )
    except IntegrityError:
        # The seat taken above is given back by the rollback of the whole transaction.
        raise MatchmakingInvalid(_("You are already registered for this event.")) from None
    return registration


@transaction.atomic
def registration_cancel(*, event: Event, actor: User) -> Registration:
    registration = Registration.objects.select_for_update().filter(event=event, user=actor).first()
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        raise MatchmakingInvalid(_("You are not registered for this event."))
    if timezone.now() >= event.starts_at:
        raise MatchmakingInvalid(_("The event has started: the registration can no longer be cancelled."))
    if registration.checked_in_at:
        raise MatchmakingInvalid(_("You have been checked in already."))
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, timezone.now()
    registration.save()
    Event.objects.filter(pk=event.pk, registered_count__gt=0).update(
        registered_count=F("registered_count") - 1
    )
    return registration


@transaction.atomic
def registration_check_in(*, registration: Registration, actor: User) -> Registration:
    registration = (
        Registration.objects.select_for_update().select_related("event", "user").get(pk=registration.pk)
    )
    event = registration.event
    if not is_event_organiser(actor, event):
        raise MatchmakingNotAllowed(_("Only the organiser checks attendees in."))
    if event.status not in (_E.PUBLISHED, _E.CLOSED, _E.HELD):
        raise MatchmakingInvalid(_("Attendees are checked in at a published event."))
    if timezone.localdate() < timezone.localtime(event.starts_at).date():
        raise MatchmakingInvalid(_("Attendees are checked in on the day of the event."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise MatchmakingInvalid(_("This registration was cancelled."))
    if registration.checked_in_at is None:
        registration.checked_in_at, registration.checked_in_by = timezone.now(), actor
        registration.save()
        _log(event, actor=actor, action="checked_in", details={"user": str(registration.user)})
    return registration


# --- Matches ------------------------------------------------------------------------------------------------


def attending_enterprises(event: Event):
    ids = event.registrations.filter(
        status=RegistrationStatus.REGISTERED,
        checked_in_at__isnull=False,
        organisation__kind=OrgKind.ENTERPRISE,
    ).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def can_record_match(user: User, event: Event) -> bool:
    """The organiser, or a checked-in bank attendee whose bank group takes part in the event."""
    if is_event_organiser(user, event):
        return True
    if not is_bank_user(user):
        return False
    attended = event.registrations.filter(
        user=user, status=RegistrationStatus.REGISTERED, checked_in_at__isnull=False
    ).exists()
    return attended and event.banks.filter(pk__in=bank_group_ids(user)).exists()


def match_banks(event: Event, user: User):
    banks = event.banks.all().order_by("name")
    if is_event_organiser(user, event):
        return banks
    return banks.filter(pk__in=bank_group_ids(user))


@transaction.atomic
def match_record(
    *, event: Event, actor: User, enterprise: Organisation, bank: Organisation, values: dict
) -> Match:
    """A match between an attending enterprise and a participating bank: reuse the enterprise's open need
    (or create one of source "event"), claimed by that bank for the usual exclusive period."""
    event = _locked(event)
    if not can_record_match(actor, event):
        raise MatchmakingNotAllowed(
            _("Only the organiser or a participating bank's attendee records matches.")
        )
    if event.status not in (_E.PUBLISHED, _E.CLOSED, _E.HELD):
        raise MatchmakingInvalid(_("Matches are recorded at a published or held event."))
    errors: dict[str, list[str]] = {}
    if not attending_enterprises(event).filter(pk=enterprise.pk).exists():
        errors["enterprise"] = [_("Choose an enterprise checked in at this event.")]
    if not match_banks(event, actor).filter(pk=bank.pk).exists():
        errors["bank"] = [_("Choose a bank taking part in this event.")]
    if Match.objects.filter(event=event, enterprise=enterprise, bank=bank).exists():
        errors["bank"] = [_("This enterprise and bank are already matched at this event.")]
    if errors:
        raise MatchmakingInvalid(_("Nothing was saved: correct the fields marked."), errors)
    demand = (
        Demand.objects.select_for_update()
        .filter(enterprise=enterprise, status=DemandStatus.OPEN)
        .order_by("-pk")
        .first()
    )
    if demand is None:
        cleaned = demands._clean_values(
            enterprise,
            {
                "amount": values.get("amount"),
                "term_months": values.get("term_months"),
                "purpose": values.get("purpose") or _("Matched at %(event)s") % {"event": event.title},
            },
        )
        demand = demands._create(
            enterprise=enterprise,
            actor=actor,
            cleaned=cleaned,
            source=DemandSource.EVENT,
            status=DemandStatus.OPEN,
            consent=False,
            event=event,
        )
        demands._open(demand, timezone.localdate())
        demand.save()
    elif demand.expires_on and demand.expires_on < timezone.localdate():
        raise MatchmakingInvalid(_("The enterprise's open need has expired; it must post a new one."))
    claim = demands.claim_for(demand=demand, bank=bank, actor=actor, event=event)
    match = Match.objects.create(
        event=event,
        enterprise=enterprise,
        bank=bank,
        demand=demand,
        note=(values.get("note") or "").strip(),
        recorded_by=actor,
    )
    _log(event, actor=actor, action="match", details={"enterprise": enterprise.name, "bank": bank.name})
    demand = Demand.objects.select_related("enterprise").get(pk=demand.pk)
    demands.tell(
        demands.bank_people(bank),
        demand,
        _("Follow up %(enterprise)s, matched with you at %(event)s")
        % {"enterprise": enterprise.name, "event": event.title},
        f"matched:{claim.pk}",
        _("Need %(ref)s is claimed for your bank until %(until)s: log your contacts and the outcome.")
        % {"ref": demand.reference, "until": claim.claim_until.isoformat()},
    )
    return match
