"""Writes for the IP register: assets, their legal status (one event at a time or a feed file), and the
alerts a change sends to whoever holds a pledge over the asset (domain.md §2.1.5)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from pledges.calculations import (
    ANNUAL_FEE_GRACE_MONTHS,
    FeePoint,
    annual_fee_grace_end,
    annual_fee_points_due,
    asset_term_end,
)
from pledges.feed import parse_feed
from pledges.models import (
    ENTERPRISE_ROLES,
    OPEN_STATUSES,
    PLEDGED_STATUSES,
    PLEDGEE_ROLES,
    AssetHolder,
    IpAsset,
    LegalStatus,
    LegalStatusEvent,
    PledgeRegistration,
    RegistrationKind,
    Status,
)
from portal.accounts.models import Membership, Organisation, OrgKind, Role, User
from portal.audit.models import Outcome
from portal.audit.services import audit_record
from portal.identifiers.copyright import check_copyright
from portal.identifiers.patent import PatentType, check_patent
from portal.identifiers.result import CheckResult
from portal.identifiers.trademark import check_nice_class, check_trademark
from portal.notifications.services import notify
from portal.outbox import enqueue
from portal.policy.models import IpKind

_NUMBER_MAX = IpAsset._meta.get_field("number").max_length
_TITLE_MAX = IpAsset._meta.get_field("title").max_length
_HOLDER_MAX = AssetHolder._meta.get_field("name").max_length
_NOTE_MAX = LegalStatusEvent._meta.get_field("note").max_length
_SOURCE_MAX = LegalStatusEvent._meta.get_field("source").max_length

# After these the asset is gone for good: no fee reminders, and a new pledge is refused anyway.
ENDED_STATUSES = frozenset({LegalStatus.TERMINATED, LegalStatus.INVALIDATED, LegalStatus.EXPIRED})
# Cases whose pledgee and commissioner must hear of a legal-status change: the pledge stands, the office
# is working the case, or the pledgee is about to confirm it.
_ALERT_STATUSES = PLEDGED_STATUSES | OPEN_STATUSES | {Status.AWAITING_PLEDGEE}


# ---------------------------------------------------------------------------------------------------
# Numbers


def _check_data_ip(value: str) -> CheckResult:
    # Data IP certificates (数据知识产权登记证书) have no national numbering standard yet: any non-empty
    # text is accepted, with runs of whitespace made one space so the same number is stored one way.
    code = " ".join((value or "").split())
    if not code:
        return CheckResult(value, False, error_code="required", message=_("Enter the certificate number."))
    return CheckResult(value, True, normalized=code)


_NUMBER_CHECKS = {
    IpKind.PATENT: check_patent,
    IpKind.TRADEMARK: check_trademark,
    IpKind.COPYRIGHT: check_copyright,
    IpKind.DATA_IP: _check_data_ip,
}


def asset_number_check(*, kind: str, number: str) -> CheckResult:
    """The register's spelling of a number of the given IP kind (or why it is not one)."""
    if len(number or "") > _NUMBER_MAX:
        return CheckResult(
            number,
            False,
            error_code="format",
            message=_("A number has at most %(max)d characters.") % {"max": _NUMBER_MAX},
        )
    return _NUMBER_CHECKS[IpKind(kind)](number)


# ---------------------------------------------------------------------------------------------------
# Assets


def _holder_names(owner: Organisation, holders: list[str] | None, errors: dict) -> list[str]:
    names: list[str] = []
    for raw in holders or []:
        name = " ".join((raw or "").split())
        if not name or name == owner.name or name in names:
            continue
        if len(name) > _HOLDER_MAX:
            errors.setdefault("holders", []).append(
                _("A holder's name has at most %(max)d characters.") % {"max": _HOLDER_MAX}
            )
            continue
        names.append(name)
    return names


def _check_dates(*, today: date, filing_date, grant_date, errors: dict) -> None:
    for name, value in (("filing_date", filing_date), ("grant_date", grant_date)):
        if value and value > today:
            errors.setdefault(name, []).append(_("This date is in the future."))
    if filing_date and grant_date and grant_date < filing_date:
        errors.setdefault("grant_date", []).append(_("The grant cannot come before the filing."))


def _initial_status(asset: IpAsset, today: date) -> str:
    if asset.kind == IpKind.PATENT and asset.grant_date is None:
        return LegalStatus.PENDING
    term_end = asset_term_end(asset)
    if term_end is not None and term_end < today:
        return LegalStatus.EXPIRED
    return LegalStatus.IN_FORCE


def asset_create(
    *,
    owner: Organisation,
    kind: str,
    number: str,
    title: str,
    patent_type: str = "",
    filing_date: date | None = None,
    grant_date: date | None = None,
    annual_fee_paid_through: date | None = None,
    nice_class: int | None = None,
    valid_until: date | None = None,
    holders: list[str] | None = None,
    actor: User,
) -> IpAsset:
    """Enter an asset in an enterprise's register.

    The number is checked for its kind and stored normalised; for a patent the type comes from the
    number (``patent_type`` is only used for old-format numbers that do not state it) and the filing
    year must match ``filing_date``. The owner is the primary holder; ``holders`` names the co-owners.
    Raises ``ValidationError`` with a message per field.
    """
    today = localdate()
    errors: dict[str, list[str]] = {}
    if owner.kind != OrgKind.ENTERPRISE:
        errors[NON_FIELD_ERRORS] = [_("Only an enterprise owns assets in the register.")]
    if kind not in IpKind.values:
        raise ValidationError({"kind": [_("Choose a patent, trademark, copyright or data IP.")]})

    result = asset_number_check(kind=kind, number=number)
    if not result.valid:
        errors["number"] = [result.message]
    elif IpAsset.objects.filter(kind=kind, number=result.normalized).exists():
        errors["number"] = [_("This number is already in the register.")]

    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [_("Enter the title or name of the asset.")]
    elif len(title) > _TITLE_MAX:
        errors["title"] = [_("A title has at most %(max)d characters.") % {"max": _TITLE_MAX}]

    _check_dates(today=today, filing_date=filing_date, grant_date=grant_date, errors=errors)

    if kind == IpKind.PATENT:
        if result.valid:
            stated = result.details.get("patent_type")
            if stated:
                patent_type = stated
            filing_year = result.details.get("filing_year")
            if filing_date and filing_year and filing_date.year != filing_year:
                errors.setdefault("filing_date", []).append(
                    _("The number says the application was filed in %(year)d.") % {"year": filing_year}
                )
        if patent_type and patent_type not in PatentType.values:
            errors.setdefault("patent_type", []).append(_("Choose a patent type."))
        if valid_until:
            errors["valid_until"] = [_("A patent's term is computed from its type and filing date.")]
    else:
        patent_type = ""
        if annual_fee_paid_through:
            errors["annual_fee_paid_through"] = [_("Only patents pay annual fees.")]

    if kind == IpKind.TRADEMARK:
        # One registration covers one Nice class, and the class is part of what is pledged.
        nice = check_nice_class(nice_class)
        if not nice.valid:
            errors["nice_class"] = [nice.message]
        else:
            nice_class = nice.details["nice_class"]
    elif nice_class is not None:
        errors["nice_class"] = [_("Only trademarks have a Nice class.")]

    co_owners = _holder_names(owner, holders, errors)
    if errors:
        raise ValidationError(errors)

    asset = IpAsset(
        owner=owner,
        kind=kind,
        number=result.normalized,
        title=title,
        patent_type=patent_type,
        filing_date=filing_date,
        grant_date=grant_date,
        annual_fee_paid_through=annual_fee_paid_through,
        nice_class=nice_class,
        valid_until=valid_until,
    )
    asset.legal_status = _initial_status(asset, today)
    # Unknown until a dated fact arrives: a feed event dated before today must still be able to apply.
    asset.legal_status_since = grant_date if asset.legal_status == LegalStatus.IN_FORCE else None
    try:
        with transaction.atomic():
            asset.save()
            AssetHolder.objects.create(asset=asset, name=owner.name, organisation=owner, is_primary=True)
            AssetHolder.objects.bulk_create(AssetHolder(asset=asset, name=name) for name in co_owners)
    except IntegrityError:
        # Another request entered the same number between the check and the insert.
        raise ValidationError({"number": [_("This number is already in the register.")]}) from None
    return asset


# ---------------------------------------------------------------------------------------------------
# Legal status


def _live_cases(asset_ids) -> list[PledgeRegistration]:
    return list(
        PledgeRegistration.objects.filter(asset_links__asset_id__in=asset_ids, status__in=_ALERT_STATUSES)
        .select_related("pledgee", "commissioner")
        .distinct()
        .order_by("pk")
    )


def pledgee_users(pledgee: Organisation) -> list[User]:
    """Who at the pledgee hears about its pledged assets: its officers and managers, and for a bank
    branch also the head office's managers (they answer for the branch's book)."""
    memberships = Q(organisation=pledgee, role__in=PLEDGEE_ROLES)
    if pledgee.parent_id:
        memberships |= Q(organisation_id=pledgee.parent_id, role=Role.BANK_MANAGER)
    user_ids = Membership.objects.filter(memberships, is_active=True, organisation__is_active=True).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def enterprise_users(owner: Organisation) -> list[User]:
    user_ids = Membership.objects.filter(
        organisation=owner, role__in=ENTERPRISE_ROLES, is_active=True, organisation__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def asset_update_legal_status(
    *,
    asset: IpAsset,
    status: str,
    occurred_on: date,
    source: str,
    note: str = "",
    annual_fee_paid_through: date | None = None,
    actor: User | None = None,
) -> LegalStatusEvent | None:
    """Record a legal-status fact and bring the asset up to date; None when it was already recorded.

    The asset takes the status unless it already holds a later-dated one (a late report of an old fact
    stays in the history without overriding the present). A fee payment may carry the new
    ``annual_fee_paid_through``, which only ever moves forward. When a pledge stands or a case is open
    over the asset, the pledgee and the case's commissioner are told after commit.
    """
    if status not in LegalStatus.values:
        raise ValidationError({"status": [_("Unknown legal status %(status)s.") % {"status": status}]})
    if occurred_on > localdate():
        raise ValidationError({"occurred_on": [_("This date is in the future.")]})
    with transaction.atomic():
        # Locked so two feeds touching one asset apply their events one after the other.
        locked = IpAsset.objects.select_for_update().get(pk=asset.pk)
        if LegalStatusEvent.objects.filter(asset=locked, status=status, occurred_on=occurred_on).exists():
            return None
        try:
            with transaction.atomic():
                event = LegalStatusEvent.objects.create(
                    asset=locked,
                    status=status,
                    occurred_on=occurred_on,
                    note=(note or "")[:_NOTE_MAX],
                    source=(source or "")[:_SOURCE_MAX],
                    recorded_by=actor if actor is not None and actor.is_authenticated else None,
                )
        except IntegrityError:
            return None
        changed = []
        if locked.legal_status_since is None or occurred_on >= locked.legal_status_since:
            locked.legal_status, locked.legal_status_since = status, occurred_on
            changed += ["legal_status", "legal_status_since"]
        if annual_fee_paid_through and (
            locked.annual_fee_paid_through is None or annual_fee_paid_through > locked.annual_fee_paid_through
        ):
            locked.annual_fee_paid_through = annual_fee_paid_through
            changed.append("annual_fee_paid_through")
        if changed:
            locked.save(update_fields=changed)
            for name in changed:
                setattr(asset, name, getattr(locked, name))
        if _live_cases([locked.pk]):
            from pledges.tasks import legal_status_event_notify

            enqueue(legal_status_event_notify, event.pk)
    return event


def legal_status_event_notify(*, event_id: int) -> int:
    """Tell each live case's pledgee and commissioner about one legal-status event (safe to repeat:
    the notification is keyed by the event). Returns how many notices were new."""
    event = LegalStatusEvent.objects.select_related("asset", "asset__owner").filter(pk=event_id).first()
    if event is None:
        return 0
    asset = event.asset
    cases = _live_cases([asset.pk])
    recipients: list[User] = []
    for case in cases:
        recipients += pledgee_users(case.pledgee)
        if case.commissioner is not None:
            recipients.append(case.commissioner)
    if not recipients:
        return 0
    created = notify(
        recipients=recipients,
        kind="pledges.legal_status",
        template="pledges_legal_status",
        context={
            "asset": asset,
            "kind_label": IpKind(asset.kind).label,
            "status_label": LegalStatus(event.status).label,
            "occurred_on": event.occurred_on,
            "note": event.note,
            "references": ", ".join(case.reference for case in cases),
        },
        link=reverse("pledges:asset_detail", args=[asset.pk]),
        dedupe_key=f"legal-status:{event.pk}",
    )
    return len(created)


# ---------------------------------------------------------------------------------------------------
# The legal-status feed


@dataclass(frozen=True)
class ImportResult:
    applied: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason); line 0 = the whole file

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Event:
    line: int
    asset: IpAsset
    status: str
    occurred_on: date
    note: str
    annual_fee_paid_through: date | None


def _parse_iso_date(value: str) -> date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:  # well-formed but impossible, such as 2026-02-30
        return None


def _validate_rows(rows) -> tuple[list[_Event], list[tuple[int, str]]]:
    today = localdate()
    errors: list[tuple[int, str]] = []
    checked = []
    for row in rows:
        values = row.values
        reasons = []
        kind = values["kind"].lower()
        number = None
        if kind not in IpKind.values:
            reasons.append(
                _("Unknown kind %(kind)s; use one of %(kinds)s.")
                % {"kind": values["kind"] or "''", "kinds": ", ".join(IpKind.values)}
            )
        else:
            result = asset_number_check(kind=kind, number=values["number"])
            if result.valid:
                number = result.normalized
            else:
                reasons.append(result.message)
        status = values["status"].lower()
        if status not in LegalStatus.values:
            reasons.append(
                _("Unknown status %(status)s; use one of %(statuses)s.")
                % {"status": values["status"] or "''", "statuses": ", ".join(LegalStatus.values)}
            )
        occurred_on = _parse_iso_date(values["occurred_on"])
        if occurred_on is None:
            reasons.append(_("occurred_on must be a date written YYYY-MM-DD."))
        elif occurred_on > today:
            reasons.append(_("occurred_on %(date)s is in the future.") % {"date": occurred_on.isoformat()})
        paid_through = None
        if values["annual_fee_paid_through"]:
            paid_through = _parse_iso_date(values["annual_fee_paid_through"])
            if paid_through is None:
                reasons.append(_("annual_fee_paid_through must be a date written YYYY-MM-DD."))
            elif kind != IpKind.PATENT:
                reasons.append(_("Only patents pay annual fees."))
        if len(values["note"]) > _NOTE_MAX:
            reasons.append(_("The note has at most %(max)d characters.") % {"max": _NOTE_MAX})
        errors.extend((row.line, reason) for reason in reasons)
        checked.append((row, kind, number, status, occurred_on, paid_through, not reasons))

    # One query for every asset the file names, not one per row.
    wanted = {(kind, number) for _row, kind, number, *_rest in checked if number}
    assets: dict[tuple[str, str], IpAsset] = {}
    if wanted:
        condition = Q()
        for kind, number in wanted:
            condition |= Q(kind=kind, number=number)
        assets = {(asset.kind, asset.number): asset for asset in IpAsset.objects.filter(condition)}

    events: list[_Event] = []
    seen: dict[tuple, int] = {}
    for row, kind, number, status, occurred_on, paid_through, valid in checked:
        if number is None:
            continue
        asset = assets.get((kind, number))
        if asset is None:
            errors.append(
                (
                    row.line,
                    _("No %(kind)s numbered %(number)s is in the register.")
                    % {
                        "kind": IpKind(kind).label,
                        "number": number,
                    },
                )
            )
            continue
        if not valid:
            continue
        key = (kind, number, status, occurred_on)
        if key in seen:
            errors.append((row.line, _("The same event as line %(line)d.") % {"line": seen[key]}))
            continue
        seen[key] = row.line
        events.append(_Event(row.line, asset, status, occurred_on, row.values["note"], paid_through))
    errors.sort(key=lambda error: error[0])
    return events, errors


def legal_status_import(*, content: bytes | str, filename: str, actor: User | None = None) -> ImportResult:
    """Apply a legal-status feed file (docs/legal-status-feed.md) all or nothing.

    Every row is checked first (known asset, status, dates, duplicates within the file); if any row
    fails, nothing is written and the errors come back with their line numbers. Otherwise every event
    is recorded in one transaction; events already recorded (a file imported twice) count as unchanged.
    """
    rows, errors = parse_feed(content, filename)
    events: list[_Event] = []
    if rows:
        events, row_errors = _validate_rows(rows)
        errors = sorted(errors + row_errors, key=lambda error: error[0])
    elif not errors:
        errors = [(0, _("The file has no events."))]
    if errors:
        result = ImportResult(errors=errors)
    else:
        applied = unchanged = 0
        with transaction.atomic():
            # Oldest first, so an asset ends on the latest fact of the file whatever the row order.
            for event in sorted(events, key=lambda item: (item.occurred_on, item.line)):
                recorded = asset_update_legal_status(
                    asset=event.asset,
                    status=event.status,
                    occurred_on=event.occurred_on,
                    source=f"{filename}:{event.line}",
                    note=event.note,
                    annual_fee_paid_through=event.annual_fee_paid_through,
                    actor=actor,
                )
                if recorded is None:
                    unchanged += 1
                else:
                    applied += 1
        result = ImportResult(applied=applied, unchanged=unchanged)
    audit_record(
        action="pledges.legal_status.import",
        actor=actor,
        object_type="legal_status_feed",
        object_id=filename,
        outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
        details={"applied": result.applied, "unchanged": result.unchanged, "errors": len(result.errors)},
    )
    return result


# ---------------------------------------------------------------------------------------------------
# Annual-fee reminders


def annual_fee_reminders_send(*, today: date | None = None) -> int:
    """Send the annual-fee reminder points owed today for every pledged patent (domain.md §2.1.5).

    Each point goes once per asset, due date and point (the notification's dedupe key), so the task
    may run twice a day or be retried. Returns how many notices were new.
    """
    today = today or localdate()
    # Only fees whose reminder window is open today: from 60 days before the due date to the end of
    # the 6-month grace window (a month is at most 31 days).
    earliest_due = today - timedelta(days=31 * ANNUAL_FEE_GRACE_MONTHS)
    latest_due = today + timedelta(days=60)
    pledged = PledgeRegistration.objects.filter(kind=RegistrationKind.PLEDGE, status__in=PLEDGED_STATUSES)
    assets = (
        IpAsset.objects.filter(
            kind=IpKind.PATENT,
            annual_fee_paid_through__range=(earliest_due, latest_due),
            registration_links__registration__in=pledged,
        )
        .exclude(legal_status__in=ENDED_STATUSES)
        .select_related("owner")
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for asset in assets:
        due = asset.annual_fee_paid_through
        owed = annual_fee_points_due(due, today)
        if not owed:
            continue
        pledgees = {
            case.pledgee for case in pledged.filter(asset_links__asset=asset).select_related("pledgee")
        }
        recipients = enterprise_users(asset.owner)
        for pledgee in sorted(pledgees, key=lambda organisation: organisation.pk):
            recipients += pledgee_users(pledgee)
        for point, _on in owed:
            sent += len(
                notify(
                    recipients=recipients,
                    kind="pledges.annual_fee",
                    template="pledges_annual_fee",
                    context={
                        "asset": asset,
                        "due": due,
                        "grace_end": annual_fee_grace_end(due),
                        "point_label": FeePoint(point).label,
                        "in_grace": today > due,
                    },
                    link=reverse("pledges:asset_detail", args=[asset.pk]),
                    dedupe_key=f"annual-fee:{asset.pk}:{due.isoformat()}:{point}",
                )
            )
    return sent
