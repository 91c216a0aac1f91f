"""Filing a registration: drafts, materials, the precheck and waivers, corrections and the contact log.

Moves between statuses always go through ``workflow.registration_transition``; this module adds the
checks a move needs first (the precheck before submission, the failing items of a correction) and the
writes around it.
"""

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.calculations import asset_term_end
from pledges.checklists import Condition, applicable_items, item_for
from pledges.errors import PledgeError, PledgeValidationError
from pledges.models import (
    ENTERPRISE_ROLES,
    OFFICE_ROLES,
    OPEN_STATUSES,
    PLEDGED_STATUSES,
    PLEDGEE_KINDS,
    PLEDGEE_ROLES,
    WAIVABLE_REASONS,
    ContactKind,
    ContactLog,
    IpAsset,
    LegalStatus,
    Material,
    PledgeRegistration,
    RefusalReason,
    RegistrationAsset,
    RegistrationEvent,
    RegistrationKind,
    Status,
    Waiver,
)
from pledges.permissions import acts_as, can_file_as_pledgee, is_party_pledgee, is_party_pledgor
from pledges.services.workflow import next_reference, registration_transition
from portal.accounts.models import Organisation, OrgKind
from portal.accounts.selectors import own_group_ids
from portal.audit.services import audit_record
from portal.identifiers.patent import PatentType
from portal.policy.models import Channel, IpKind


class FilingInvalid(PledgeValidationError):
    """Input a filing cannot take (400); ``errors`` maps a field name to messages, like the API envelope."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message, errors=errors or {})


class FilingNotAllowed(PledgeError):
    """The actor's role on the case does not allow this step (403)."""

    http_status = 403


def _invalid(field: str, message: str) -> FilingInvalid:
    return FilingInvalid(message, errors={field: [message]})


# ---------------------------------------------------------------------------------------------------
# Drafts

# Who may hold a pledge (domain.md §2.1): a bank (head office or branch) or a guarantor.
# Statuses in which the parties still shape the file: drafts, and cases sent back for a correction.
PARTY_EDITABLE = frozenset({Status.DRAFT, Status.AWAITING_PLEDGEE, Status.NEEDS_CORRECTION})
_DEBT_MAX = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


def _is_office(actor) -> bool:
    organisation = actor.organisation
    return (
        organisation is not None
        and organisation.kind == OrgKind.REGISTRATION_OFFICE
        and actor.role in OFFICE_ROLES
    )


def _check_filer(*, actor, pledgor: Organisation, pledgee: Organisation, channel: str) -> None:
    # The enterprise files online for itself, or its pledgee starts the draft for the enterprise to
    # complete and submit (a joint filing: the office sees it only after both acted); a window filing
    # is typed in by the office for the parties.
    organisation = actor.organisation
    if organisation is None:
        raise FilingNotAllowed(_("Only the parties, or the office for a window filing, may file."))
    if organisation.pk == pledgor.pk and actor.role in ENTERPRISE_ROLES:
        return
    if can_file_as_pledgee(actor)[0] and pledgee.pk in own_group_ids(organisation):
        return
    if _is_office(actor) and channel == Channel.WINDOW:
        return
    raise FilingNotAllowed(_("Only the parties, or the office for a window filing, may file."))


def _clean_terms(
    *,
    pledgor: Organisation,
    pledgee: Organisation,
    kind: str,
    ip_kind: str,
    channel: str,
    assets: list[IpAsset],
    debt_amount,
    debt_start: date,
    debt_end: date,
    original: PledgeRegistration | None,
) -> Decimal:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if pledgor.kind != OrgKind.ENTERPRISE:
        add("pledgor", _("The pledgor must be an enterprise."))
    if pledgee.kind not in PLEDGEE_KINDS or not pledgee.is_active:
        add("pledgee", _("The pledgee must be an active bank (head office or branch) or guarantor."))
    if kind not in RegistrationKind.values:
        add("kind", _("Choose a filing kind."))
    if ip_kind not in IpKind.values:
        add("ip_kind", _("Choose an IP kind."))
    if channel not in Channel.values:
        add("channel", _("Choose a channel."))
    if kind == RegistrationKind.EXTENSION and ip_kind != IpKind.TRADEMARK:
        add("kind", _("A term extension exists for trademark pledges only."))

    if kind == RegistrationKind.PLEDGE:
        if original is not None:
            add("original", _("A new pledge does not refer to an earlier registration."))
    elif original is None:
        add("original", _("Choose the registration this filing changes or cancels."))
    else:
        if original.status not in PLEDGED_STATUSES:
            add("original", _("Only a registered pledge can be changed, extended or cancelled."))
        if original.pledgor_id != pledgor.pk or original.ip_kind != ip_kind:
            add("original", _("The registration must be this pledgor's, over the same IP kind."))

    if not assets:
        add("assets", _("Choose at least one asset to pledge."))
    elif len({asset.pk for asset in assets}) != len(assets):
        add("assets", _("Each asset can be chosen once."))
    for asset in assets:
        if asset.owner_id != pledgor.pk:
            add("assets", _("%(number)s is not in the pledgor's register.") % {"number": asset.number})
        elif asset.kind != ip_kind:
            add(
                "assets",
                _("%(number)s is a %(kind)s, not a %(wanted)s.")
                % {
                    "number": asset.number,
                    "kind": asset.get_kind_display(),
                    "wanted": IpKind(ip_kind).label if ip_kind in IpKind.values else ip_kind,
                },
            )
    if original is not None and assets and not errors.get("original"):
        covered = set(original.asset_links.values_list("asset_id", flat=True))
        if any(asset.pk not in covered for asset in assets):
            add("assets", _("A change or cancellation covers only assets of the original registration."))

    try:
        amount = Decimal(debt_amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount > _DEBT_MAX:
        add("debt_amount", _("Enter the secured debt in yuan, more than 0."))
    if debt_start and debt_end and debt_end < debt_start:
        add("debt_end", _("The debt term cannot end before it starts."))
    if errors:
        raise FilingInvalid(_("The filing has errors; see the fields marked."), errors=errors)
    return amount


def _link_assets(
    registration: PledgeRegistration, assets: list[IpAsset], co_owner_consent: dict | None
) -> None:
    consent = co_owner_consent or {}
    registration.asset_links.all().delete()
    RegistrationAsset.objects.bulk_create(
        RegistrationAsset(
            registration=registration, asset=asset, co_owner_consent=bool(consent.get(asset.pk))
        )
        for asset in assets
    )


def _event(registration, *, actor, action: str, reason: str = "", details: dict | None = None) -> None:
    RegistrationEvent.objects.create(
        registration=registration,
        actor=actor,
        from_status=registration.status,
        to_status=registration.status,
        action=action,
        reason=reason,
        details=details or {},
    )


@transaction.atomic
def registration_draft_create(
    *,
    pledgor: Organisation,
    pledgee: Organisation,
    kind: str,
    ip_kind: str,
    channel: str,
    assets: list[IpAsset],
    debt_amount: Decimal,
    debt_start: date,
    debt_end: date,
    original: PledgeRegistration | None = None,
    co_owner_consent: dict[int, bool] | None = None,
    valued: bool = False,
    via_agent: bool = False,
    actor,
) -> PledgeRegistration:
    """A new draft case over assets of the pledgor's register.

    ``co_owner_consent`` maps an asset id to whether all its co-owners consent (domain.md §2.1.1:
    co-owned patents need every co-owner's consent). ``valued`` and ``via_agent`` are the request
    form's answers that decide which materials the checklist asks for.
    """
    _check_filer(actor=actor, pledgor=pledgor, pledgee=pledgee, channel=channel)
    assets = list(assets)
    amount = _clean_terms(
        pledgor=pledgor,
        pledgee=pledgee,
        kind=kind,
        ip_kind=ip_kind,
        channel=channel,
        assets=assets,
        debt_amount=debt_amount,
        debt_start=debt_start,
        debt_end=debt_end,
        original=original,
    )
    registration = PledgeRegistration.objects.create(
        reference=next_reference(year=timezone.localdate().year),
        kind=kind,
        ip_kind=ip_kind,
        channel=channel,
        status=Status.DRAFT,
        pledgor=pledgor,
        pledgee=pledgee,
        original=original,
        debt_amount=amount,
        debt_start=debt_start,
        debt_end=debt_end,
        valued=valued,
        via_agent=via_agent,
        created_by=actor,
    )
    _link_assets(registration, assets, co_owner_consent)
    _event(registration, actor=actor, action="created")
    return registration


@transaction.atomic
def registration_draft_update(
    *,
    registration: PledgeRegistration,
    pledgee: Organisation,
    channel: str,
    assets: list[IpAsset],
    debt_amount: Decimal,
    debt_start: date,
    debt_end: date,
    co_owner_consent: dict[int, bool] | None = None,
    valued: bool = False,
    via_agent: bool = False,
    actor,
) -> PledgeRegistration:
    """Change a draft's terms; only the filer's side may, and only while it is a draft."""
    registration = PledgeRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.DRAFT:
        raise FilingNotAllowed(
            _("Only a draft can be edited; this case is %(status)s.")
            % {"status": registration.get_status_display()}
        )
    # The pledgor (or the office, for a window case) shapes the terms; the pledgee confirms or sends back.
    if not acts_as(actor, registration) & (ENTERPRISE_ROLES | OFFICE_ROLES):
        raise FilingNotAllowed(_("Only the pledgor, or the office for a window filing, edits the draft."))
    assets = list(assets)
    amount = _clean_terms(
        pledgor=registration.pledgor,
        pledgee=pledgee,
        kind=registration.kind,
        ip_kind=registration.ip_kind,
        channel=channel,
        assets=assets,
        debt_amount=debt_amount,
        debt_start=debt_start,
        debt_end=debt_end,
        original=registration.original,
    )
    registration.pledgee = pledgee
    registration.channel = channel
    registration.debt_amount = amount
    registration.debt_start = debt_start
    registration.debt_end = debt_end
    registration.valued = valued
    registration.via_agent = via_agent
    registration.save()
    _link_assets(registration, assets, co_owner_consent)
    # The parties confirmed waivers for the old terms; new terms are a new file to look at.
    registration.waivers.all().delete()
    _event(registration, actor=actor, action="edited")
    return registration


# ---------------------------------------------------------------------------------------------------
# Materials

# Magic bytes of the accepted types (security.md check 24): the content decides, never the name or
# the browser's Content-Type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\"<>:|?*]+")


def detect_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) for a file starting with ``head``, or None when it is not accepted."""
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def safe_file_name(name: str, *, fallback: str = "document") -> str:
    """A display name without paths, control characters or quoting hazards (for Content-Disposition)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _NAME_UNSAFE.sub("_", name).strip(" ._")
    return name[:150] or fallback


def case_facts(registration: PledgeRegistration) -> dict[str, bool]:
    """The facts the checklist's conditions read."""
    co_owned = any(
        link.asset.holders.count() > 1 for link in registration.asset_links.select_related("asset")
    )
    return {
        Condition.VALUED: registration.valued,
        Condition.VIA_AGENT: registration.via_agent,
        Condition.CO_OWNED: co_owned,
    }


def _check_party_or_office(*, registration, actor) -> set[str]:
    roles = acts_as(actor, registration)
    if not roles:
        raise FilingNotAllowed(_("Only the parties and the registration office may do this."))
    return roles


@transaction.atomic
def material_upload(*, registration: PledgeRegistration, item: str, uploaded_file, actor) -> Material:
    """Store one document for a checklist item under a generated name; the newest upload for an item
    is the one the office checks."""
    roles = _check_party_or_office(registration=registration, actor=actor)
    office = bool(roles & OFFICE_ROLES)
    if registration.status not in PARTY_EDITABLE and not (office and registration.status in OPEN_STATUSES):
        raise FilingNotAllowed(
            _("Documents can be added while the case is a draft or needs correction; it is %(status)s.")
            % {"status": registration.get_status_display()}
        )
    if item_for(registration.kind, registration.ip_kind, item) is None:
        raise _invalid("item", _("Choose an item of this filing's checklist."))
    if uploaded_file is None:
        raise _invalid("file", _("Choose a file to upload."))
    limit = settings.UPLOAD_MAX_BYTES
    size = uploaded_file.size or 0
    if size > limit:
        raise _invalid(
            "file",
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
        )
    if size == 0:
        raise _invalid("file", _("The file is empty."))
    uploaded_file.seek(0)
    detected = detect_type(uploaded_file.read(16))
    if detected is None:
        raise _invalid(
            "file",
            _("Only PDF, JPEG and PNG files are accepted; this file's content is none of them."),
        )
    content_type, extension = detected
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    material = Material(
        registration=registration,
        item=item,
        original_name=safe_file_name(uploaded_file.name)[:200],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # The stored name is ours: a user-supplied name never reaches the file system.
    material.file.save(f"{uuid.uuid4().hex}{extension}", uploaded_file, save=False)
    try:
        material.save()
        _event(
            registration,
            actor=actor,
            action="material_uploaded",
            details={"item": item, "material": material.pk},
        )
    except Exception:
        # No row points at the file now: remove it rather than leave an orphan nobody can reach.
        material.file.delete(save=False)
        raise
    return material


def _megabytes(size: int) -> str:
    return str((Decimal(size) / Decimal(1024 * 1024)).quantize(Decimal("0.1")))


@transaction.atomic
def material_tick(*, material: Material, accepted: bool, comment: str = "", actor) -> Material:
    """The commissioner marks a document fine or in need of correction."""
    # Read afresh: the caller's copy of the case may predate its last move.
    registration = PledgeRegistration.objects.select_related("pledgor", "pledgee").get(
        pk=material.registration_id
    )
    if not acts_as(actor, registration) & OFFICE_ROLES:
        raise FilingNotAllowed(_("Only the registration office checks documents."))
    if registration.status not in OPEN_STATUSES:
        raise FilingNotAllowed(
            _("Documents are checked while the office works the case; it is %(status)s.")
            % {"status": registration.get_status_display()}
        )
    comment = (comment or "").strip()
    if not accepted and not comment:
        raise _invalid("comment", _("Say what is wrong with the document, so the parties can correct it."))
    Material.objects.filter(pk=material.pk).update(
        accepted=accepted, comment=comment[:300], checked_by=actor, checked_at=timezone.now()
    )
    material.refresh_from_db()
    return material


def latest_materials(registration: PledgeRegistration) -> dict[str, Material]:
    """The newest upload per checklist item."""
    latest: dict[str, Material] = {}
    for material in registration.materials.order_by("item", "-uploaded_at", "-id"):
        latest.setdefault(material.item, material)
    return latest


@dataclass(frozen=True)
class FailingItem:
    code: str
    label: str
    problem: str  # "missing" or "rejected"
    comment: str = ""


def failing_items(registration: PledgeRegistration) -> list[FailingItem]:
    """Required items with no document, and items whose newest document the office rejected."""
    latest = latest_materials(registration)
    failing = []
    for item in applicable_items(registration.kind, registration.ip_kind, case_facts(registration)):
        material = latest.get(item.code)
        if material is None:
            if item.required:
                failing.append(FailingItem(item.code, str(item.label), "missing"))
        elif material.accepted is False:
            failing.append(FailingItem(item.code, str(item.label), "rejected", material.comment))
    return failing


def registration_office_move(
    *, registration: PledgeRegistration, to: str, actor, reason: str = "", details: dict | None = None
) -> PledgeRegistration:
    """A move made by the office. Acceptance starts the clock, so it needs a complete file: every
    required item uploaded and none rejected (the commissioner checks completeness before accepting,
    domain.md §2.1.4); otherwise the case goes back for correction instead."""
    if to == Status.ACCEPTED and (failing := failing_items(registration)):
        labels = "; ".join(item.label for item in failing)
        raise FilingInvalid(
            _("The file is not complete, so it cannot be accepted: %(items)s. Request a correction instead.")
            % {"items": labels},
            errors={"materials": [item.label for item in failing]},
        )
    return registration_transition(
        registration=registration, to=to, actor=actor, reason=reason, details=details
    )


# ---------------------------------------------------------------------------------------------------
# Precheck and waivers


@dataclass(frozen=True)
class Finding:
    reason_code: str
    asset: IpAsset | None
    message: str
    waivable: bool


def _pledgor_holds(asset: IpAsset, pledgor: Organisation, holders: list) -> bool:
    if asset.owner_id != pledgor.pk:
        return False
    if not holders:
        return True
    return any(holder.organisation_id == pledgor.pk or holder.name == pledgor.name for holder in holders)


def _same_day_twin(asset: IpAsset) -> bool:
    # Patent Law Art. 9: the same applicant may file a utility model and an invention for the same
    # creation on the same day; the register shows it as two patents with one title and filing date.
    twin_type = {
        PatentType.INVENTION: PatentType.UTILITY_MODEL,
        PatentType.UTILITY_MODEL: PatentType.INVENTION,
    }.get(asset.patent_type)
    if twin_type is None or asset.filing_date is None:
        return False
    return (
        IpAsset.objects.filter(
            kind=IpKind.PATENT,
            owner_id=asset.owner_id,
            patent_type=twin_type,
            filing_date=asset.filing_date,
            title=asset.title,
        )
        .exclude(pk=asset.pk)
        .exists()
    )


def _findings_for_asset(registration, link, today: date) -> list[Finding]:
    asset = link.asset
    holders = list(asset.holders.all())
    found: list[tuple[str, str]] = []
    label = asset.number

    if not _pledgor_holds(asset, registration.pledgor, holders):
        found.append(
            (
                RefusalReason.PLEDGOR_NOT_REGISTERED_OWNER,
                _("%(asset)s: %(pledgor)s is not among its registered holders.")
                % {"asset": label, "pledgor": registration.pledgor.name},
            )
        )
    status = asset.legal_status
    if status in (LegalStatus.TERMINATED, LegalStatus.INVALIDATED):
        found.append(
            (
                RefusalReason.PATENT_TERMINATED_OR_INVALIDATED,
                _("%(asset)s is %(status)s.") % {"asset": label, "status": asset.get_legal_status_display()},
            )
        )
    term_end = asset_term_end(asset)
    if status == LegalStatus.EXPIRED or (term_end is not None and term_end < today):
        found.append((RefusalReason.EXPIRED, _("%(asset)s: its term has ended.") % {"asset": label}))
    if status == LegalStatus.PRESERVED:
        found.append(
            (
                RefusalReason.SUSPENDED_OR_PRESERVED,
                _("%(asset)s is preserved by a court.") % {"asset": label},
            )
        )
    needs_grant = asset.kind in (IpKind.PATENT, IpKind.TRADEMARK)
    if status == LegalStatus.PENDING or (needs_grant and asset.grant_date is None):
        found.append(
            (
                RefusalReason.NOT_YET_GRANTED,
                _("%(asset)s is an application, not yet granted.") % {"asset": label},
            )
        )
    if asset.kind == IpKind.PATENT and (
        status == LegalStatus.FEE_GRACE
        or (asset.annual_fee_paid_through is not None and asset.annual_fee_paid_through < today)
    ):
        found.append(
            (
                RefusalReason.ANNUAL_FEE_UNPAID,
                _("%(asset)s: the annual fee is unpaid or in the grace period.") % {"asset": label},
            )
        )
    if registration.kind == RegistrationKind.PLEDGE:
        others = (
            RegistrationAsset.objects.filter(
                asset=asset,
                registration__status__in=PLEDGED_STATUSES | OPEN_STATUSES | {Status.AWAITING_PLEDGEE},
            )
            .exclude(registration=registration)
            .select_related("registration")
            .first()
        )
        if others is not None:
            found.append(
                (
                    RefusalReason.ALREADY_PLEDGED,
                    _("%(asset)s is already pledged or in another pledge filing (%(case)s).")
                    % {"asset": label, "case": others.registration.reference},
                )
            )
    if term_end is not None and registration.debt_end > term_end:
        found.append(
            (
                RefusalReason.DEBT_TERM_EXCEEDS_PATENT_TERM,
                _("%(asset)s: the debt ends %(debt_end)s, after the IP's term ends %(term_end)s.")
                % {
                    "asset": label,
                    "debt_end": registration.debt_end.isoformat(),
                    "term_end": term_end.isoformat(),
                },
            )
        )
    if len(holders) > 1 and not link.co_owner_consent:
        found.append(
            (
                RefusalReason.CO_OWNER_CONSENT_MISSING,
                _("%(asset)s has %(count)d holders; every co-owner's consent is needed.")
                % {"asset": label, "count": len(holders)},
            )
        )
    if status == LegalStatus.INVALIDATION_REQUESTED:
        found.append(
            (
                RefusalReason.INVALIDATION_PROCEEDING_STARTED,
                _(
                    "%(asset)s: an invalidation request is pending. Both parties may confirm they "
                    "still want the pledge registered."
                )
                % {"asset": label},
            )
        )
    if asset.kind == IpKind.PATENT and _same_day_twin(asset):
        found.append(
            (
                RefusalReason.SAME_DAY_UM_AND_INVENTION,
                _(
                    "%(asset)s was filed on the same day as a utility model or invention for the same "
                    "creation. Both parties may confirm they still want the pledge registered."
                )
                % {"asset": label},
            )
        )
    return [Finding(code, asset, message, code in WAIVABLE_REASONS) for code, message in found]


def waived_reasons(registration: PledgeRegistration) -> set[str]:
    """Grounds both parties have waived; one party's confirmation alone waives nothing."""
    by_reason: dict[str, set[int]] = {}
    for reason, party_id in registration.waivers.values_list("reason", "party_id"):
        by_reason.setdefault(reason, set()).add(party_id)
    both = {registration.pledgor_id, registration.pledgee_id}
    return {reason for reason, parties in by_reason.items() if both <= parties}


def precheck(registration: PledgeRegistration, *, include_waived: bool = False) -> list[Finding]:
    """The refusal grounds the register's data shows for this case (domain.md §2.1.1).

    A waivable ground disappears once both parties have confirmed it (``include_waived`` keeps it, for
    pages that show what was waived).
    """
    today = timezone.localdate()
    links = (
        registration.asset_links.select_related("asset")
        .prefetch_related("asset__holders")
        .order_by("asset__number")
    )
    findings: list[Finding] = []
    for link in links:
        findings.extend(_findings_for_asset(registration, link, today))
    if include_waived:
        return findings
    waived = waived_reasons(registration)
    return [finding for finding in findings if not (finding.waivable and finding.reason_code in waived)]


def _party_of(actor, registration: PledgeRegistration) -> Organisation | None:
    roles = acts_as(actor, registration)
    if roles & ENTERPRISE_ROLES and is_party_pledgor(actor, registration):
        return registration.pledgor
    if roles & PLEDGEE_ROLES and is_party_pledgee(actor, registration):
        return registration.pledgee
    return None


@transaction.atomic
def waiver_confirm(*, registration: PledgeRegistration, reason: str, actor) -> Waiver:
    """Record that the actor's party, told of a waivable ground, still wants the pledge registered."""
    party = _party_of(actor, registration)
    if party is None:
        raise FilingNotAllowed(_("Only the pledgor and the pledgee confirm a waiver."))
    if reason not in WAIVABLE_REASONS:
        raise _invalid("reason", _("This ground cannot be waived."))
    if registration.status not in PARTY_EDITABLE | {Status.SUBMITTED, Status.PRECHECK}:
        raise FilingNotAllowed(_("Waivers are confirmed before the office accepts the case."))
    if not any(finding.reason_code == reason for finding in precheck(registration, include_waived=True)):
        raise _invalid("reason", _("The precheck does not show this ground for this case."))
    waiver, created = Waiver.objects.get_or_create(
        registration=registration, reason=reason, party=party, defaults={"confirmed_by": actor}
    )
    if created:
        _event(
            registration,
            actor=actor,
            action="waiver_confirmed",
            details={"reason": reason, "party": party.pk},
        )
    return waiver


def _explain(findings: list[Finding]) -> str:
    return " ".join(finding.message for finding in findings)


def _refuse_on_findings(registration: PledgeRegistration) -> None:
    findings = precheck(registration)
    if findings:
        raise FilingInvalid(
            _("The precheck found grounds for refusal: %(findings)s") % {"findings": _explain(findings)},
            errors={"precheck": [finding.message for finding in findings]},
        )


@transaction.atomic
def registration_submit(*, registration: PledgeRegistration, actor) -> PledgeRegistration:
    """The pledgor sends its draft to the pledgee for confirmation (online), or the office files a
    window case (draft -> submitted); refused while the precheck shows a ground not waived."""
    _refuse_on_findings(registration)
    to = Status.SUBMITTED if acts_as(actor, registration) & OFFICE_ROLES else Status.AWAITING_PLEDGEE
    return registration_transition(registration=registration, to=to, actor=actor)


@transaction.atomic
def registration_confirm(*, registration: PledgeRegistration, actor) -> PledgeRegistration:
    """The pledgee confirms the joint filing; the case goes to the office (awaiting pledgee -> submitted).

    The precheck runs again: the register may have changed since the pledgor submitted.
    """
    _refuse_on_findings(registration)
    return registration_transition(registration=registration, to=Status.SUBMITTED, actor=actor)


@transaction.atomic
def registration_send_back(*, registration: PledgeRegistration, reason: str, actor) -> PledgeRegistration:
    """The pledgee returns the draft to the pledgor with a reason (awaiting pledgee -> draft)."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the filing goes back, so the enterprise can fix it."))
    return registration_transition(registration=registration, to=Status.DRAFT, actor=actor, reason=reason)


# ---------------------------------------------------------------------------------------------------
# Corrections and the contact log


@transaction.atomic
def correction_request(*, registration: PledgeRegistration, actor, note: str = "") -> PledgeRegistration:
    """Send the case back to the parties listing only what fails: rejected documents, missing required
    documents and the precheck's grounds (domain.md §2.1.1: the clock restarts once all are cured)."""
    if not acts_as(actor, registration) & OFFICE_ROLES:
        raise FilingNotAllowed(_("Only the registration office requests corrections."))
    items = failing_items(registration)
    findings = precheck(registration)
    note = (note or "").strip()
    if not items and not findings:
        raise _invalid(
            "note",
            _("Nothing fails: every required document is there and accepted, and the precheck is clear."),
        )
    details = {
        "items": [
            {"code": i.code, "label": i.label, "problem": i.problem, "comment": i.comment} for i in items
        ],
        "findings": [{"reason": f.reason_code, "message": f.message} for f in findings],
    }
    lines = [
        (_("%(label)s: missing") % {"label": i.label})
        if i.problem == "missing"
        else (_("%(label)s: %(comment)s") % {"label": i.label, "comment": i.comment})
        for i in items
    ] + [f.message for f in findings]
    # The list is the move's reason, so the timeline and the workflow's notice to the parties both
    # carry exactly what fails, and nothing else.
    reason = "\n".join(f"- {line}" for line in lines)
    if note:
        reason += "\n" + note
    return registration_transition(
        registration=registration, to=Status.NEEDS_CORRECTION, actor=actor, reason=reason, details=details
    )


@transaction.atomic
def correction_cure(*, registration: PledgeRegistration, actor, note: str = "") -> PledgeRegistration:
    """A party reports the correction done (needs correction -> corrected); refused while a required
    document is still missing or the newest one for a rejected item is the rejected one."""
    still = failing_items(registration)
    if still:
        raise FilingInvalid(
            _("Still to correct: %(items)s") % {"items": ", ".join(item.label for item in still)},
            errors={"items": [item.label for item in still]},
        )
    return registration_transition(
        registration=registration, to=Status.CORRECTED, actor=actor, reason=(note or "").strip()
    )


@transaction.atomic
def contact_log_add(*, registration: PledgeRegistration, kind: str, note: str, actor) -> ContactLog:
    """The commissioner records a call, visit or message with the parties."""
    if not acts_as(actor, registration) & OFFICE_ROLES:
        raise FilingNotAllowed(_("Only the registration office keeps the contact log."))
    if kind not in ContactKind.values:
        raise _invalid("kind", _("Choose a call, visit or message."))
    note = (note or "").strip()
    if not note:
        raise _invalid("note", _("Write what was said or agreed."))
    return ContactLog.objects.create(registration=registration, kind=kind, note=note, by=actor)


def material_download_recorded(*, material: Material, actor) -> None:
    """Audit a download: case documents carry contracts and identity proofs."""
    audit_record(
        action="pledges.material.download",
        actor=actor,
        object_type="pledges.material",
        object_id=material.pk,
        details={"registration": material.registration_id, "item": material.item},
    )
