"""Reads scoped to the user, one scoping function per entity; another organisation's object is a 404."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from matchmaking.models import (
    PUBLIC_EVENT_STATUSES,
    Demand,
    DemandClaim,
    DemandStatus,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from matchmaking.permissions import (
    bank_group_ids,
    claim_bank_ids,
    is_bank_user,
    is_enterprise_user,
    is_oversight,
    is_park_admin,
    park_district,
)
from portal.accounts.models import User
from portal.audit.scope import get_in_scope


def _area(district: str, prefix: str = "enterprise__") -> Q:
    return Q(**{f"{prefix}district": district}) | Q(
        **{f"{prefix}enterprise_profile__park__district": district}
    )


# --- Needs ----------------------------------------------------------------------------------------------


def demand_scope(user: User) -> QuerySet[Demand]:
    """An enterprise its own needs; a park administration those of enterprises in its district; oversight
    every one; a bank the open needs shared with banks plus those its claims touched (its branch, or its
    group at head office); nobody else any."""
    if not user.is_authenticated:
        return Demand.objects.none()
    if is_oversight(user):
        return Demand.objects.all()
    if is_enterprise_user(user):
        return Demand.objects.filter(enterprise=user.organisation)
    if is_park_admin(user):
        district = park_district(user)
        return Demand.objects.filter(_area(district)) if district else Demand.objects.none()
    if is_bank_user(user):
        touched = DemandClaim.objects.filter(bank_id__in=claim_bank_ids(user)).values("demand_id")
        return Demand.objects.filter(Q(status=DemandStatus.OPEN, consent=True) | Q(pk__in=touched))
    return Demand.objects.none()


def _with_related(queryset: QuerySet[Demand]) -> QuerySet[Demand]:
    return queryset.select_related("enterprise", "enterprise__enterprise_profile__park", "bank", "event")


def demand_list(*, user: User, filters: dict | None = None) -> QuerySet[Demand]:
    """Filters (already parsed): status, source, amount_min, amount_max, ip_kind, district, park,
    preferred_me (banks), search (reference or enterprise name)."""
    queryset = _with_related(demand_scope(user))
    filters = filters or {}
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if source := filters.get("source"):
        queryset = queryset.filter(source=source)
    if (low := filters.get("amount_min")) is not None:
        queryset = queryset.filter(amount__gte=low)
    if (high := filters.get("amount_max")) is not None:
        queryset = queryset.filter(amount__lte=high)
    if ip_kind := filters.get("ip_kind"):
        queryset = queryset.filter(pk__in=Demand.objects.filter(ip_assets__kind=ip_kind).values("pk"))
    if district := filters.get("district"):
        queryset = queryset.filter(_area(district))
    if park := filters.get("park"):
        queryset = queryset.filter(enterprise__enterprise_profile__park=park)
    if filters.get("preferred_me") and is_bank_user(user):
        preferred = Demand.objects.filter(preferred_banks__in=bank_group_ids(user)).values("pk")
        queryset = queryset.filter(pk__in=preferred)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(Q(reference__icontains=search) | Q(enterprise__name__icontains=search))
    return queryset.order_by("-pk")


def demand_pool(*, user: User, filters: dict | None = None) -> QuerySet[Demand]:
    """The bank's pool: open needs shared with banks."""
    return demand_list(user=user, filters=filters).filter(status=DemandStatus.OPEN, consent=True)


def demand_get_for_user(*, user: User, pk: int) -> Demand:
    return get_in_scope(_with_related(demand_scope(user)), pk)


# --- Claims and their contacts -----------------------------------------------------------------------------


def claim_scope(user: User) -> QuerySet[DemandClaim]:
    """A bank its own claims (branch, or group at head office); the need's enterprise, the park
    administration of its district and oversight the claims of the needs they see; nobody else any."""
    if is_bank_user(user):
        return DemandClaim.objects.filter(bank_id__in=claim_bank_ids(user))
    if is_oversight(user) or is_enterprise_user(user) or is_park_admin(user):
        return DemandClaim.objects.filter(demand__in=demand_scope(user))
    return DemandClaim.objects.none()


def contacts_visible(user: User) -> bool:
    """Contact notes are the bank's working notes: its own staff, the park and oversight read them; the
    enterprise sees that it was contacted (the count), not the notes."""
    return not is_enterprise_user(user)


def claim_list(*, user: User, live: bool | None = None) -> QuerySet[DemandClaim]:
    queryset = claim_scope(user).select_related("demand", "demand__enterprise", "bank", "claimed_by")
    if live is True:
        queryset = queryset.filter(ended="")
    elif live is False:
        queryset = queryset.exclude(ended="")
    return queryset.order_by("-pk")


# --- Events ---------------------------------------------------------------------------------------------------


def event_scope(user: User) -> QuerySet[Event]:
    """Everyone (anonymous visitors too) sees published, closed and held events; the organiser's own
    organisation also its drafts and cancelled events; oversight every event."""
    visible = Q(status__in=PUBLIC_EVENT_STATUSES)
    if user.is_authenticated and is_oversight(user):
        return Event.objects.all()
    if user.is_authenticated and user.organisation is not None:
        visible |= Q(organiser=user.organisation)
    return Event.objects.filter(visible)


def event_calendar(*, user: User, filters: dict | None = None, upcoming: bool = True) -> QuerySet[Event]:
    queryset = event_scope(user).filter(status__in=[EventStatus.PUBLISHED, EventStatus.CLOSED])
    if upcoming:
        queryset = queryset.filter(ends_at__gte=timezone.now())
    filters = filters or {}
    if kind := filters.get("kind"):
        queryset = queryset.filter(kind=kind)
    if park := filters.get("park"):
        queryset = queryset.filter(park=park)
    return queryset.select_related("organiser", "park").order_by("starts_at", "pk")


def event_manage_list(*, user: User) -> QuerySet[Event]:
    """The events the organiser's organisation runs (oversight: every event)."""
    queryset = (
        Event.objects.all() if is_oversight(user) else Event.objects.filter(organiser=user.organisation)
    )
    return queryset.select_related("organiser", "park").order_by("-starts_at", "-pk")


def event_get_for_user(*, user: User, pk: int) -> Event:
    return get_in_scope(event_scope(user).select_related("organiser", "park", "created_by"), pk)


def registration_for(*, user: User, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def registration_list_for_user(*, user: User) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(user=user, status=RegistrationStatus.REGISTERED)
        .select_related("event")
        .order_by("event__starts_at")
    )


def attendees(event: Event) -> QuerySet[Registration]:
    return (
        event.registrations.filter(status=RegistrationStatus.REGISTERED)
        .select_related("user", "organisation")
        .order_by("organisation__name", "pk")
    )
