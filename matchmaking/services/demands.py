"""Writes of the financing demand pool: posting, collecting and confirming needs, claims, contacts,
outcomes, withdrawal and the hourly sweep (issue 9, domain.md §2.8). Every move goes through
``DEMAND_TRANSITIONS`` on a locked row and writes a ``DemandEvent`` in the same transaction; notices go out
after commit."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan
from loans.services.references import next_reference
from matchmaking.errors import MatchmakingInvalid, MatchmakingNotAllowed
from matchmaking.models import (
    BANK_ROLES,
    DEMAND_TRANSITIONS,
    ENTERPRISE_ROLES,
    SYSTEM,
    ClaimEnd,
    Contact,
    ContactChannel,
    DeclineReason,
    Demand,
    DemandClaim,
    DemandEvent,
    DemandSource,
    DemandStatus,
)
from matchmaking.permissions import (
    bank_group_ids,
    claim_bank_ids,
    in_enterprise,
    in_park_area,
    is_bank_user,
    is_park_admin,
)
from portal.accounts.models import Organisation, OrgKind, User
from portal.accounts.selectors import active_members, bank_scope_ids
from portal.notifications.services import notify
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from portal.workdays.services import add_working_days

SERIES = "XQ"  # 需求
FEN = Decimal("0.01")
_S = DemandStatus


# --- Moves, notices, parameters -------------------------------------------------------------------------


def move(demand: Demand, *, actor: User | None, to: str, reason: str = "", details=None) -> DemandEvent:
    """One transition of ``DEMAND_TRANSITIONS`` on a locked need, with its event; ``actor`` None is the portal."""
    allowed = DEMAND_TRANSITIONS.get(demand.status, {}).get(to)
    if allowed is None:
        raise MatchmakingInvalid(
            _("A need that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": demand.get_status_display(), "to": DemandStatus(to).label}
        )
    if (SYSTEM if actor is None else actor.role) not in allowed:
        raise MatchmakingNotAllowed(_("Your role does not allow this step."))
    event = DemandEvent.objects.create(
        demand=demand,
        actor=actor,
        from_status=demand.status,
        to_status=to,
        reason=reason,
        details=details or {},
    )
    demand.status = to
    return event


def note(demand: Demand, *, actor: User | None, action: str, reason: str = "", details=None) -> None:
    DemandEvent.objects.create(
        demand=demand, actor=actor, action=action, reason=reason, details=details or {}
    )


def locked(demand: Demand) -> Demand:
    return Demand.objects.select_for_update().get(pk=demand.pk)


def enterprise_people(demand: Demand) -> list[User]:
    return active_members([demand.enterprise_id], ENTERPRISE_ROLES)


def bank_people(bank: Organisation) -> list[User]:
    return active_members({bank.pk, bank.parent_id}, BANK_ROLES)


def tell(recipients, demand: Demand, subject: str, key: str, body: str = "") -> None:
    """A notice about the need, sent after commit (once per recipient and key)."""
    recipients = list(recipients)
    context = {
        "subject": subject,
        "body": body
        or _("Financing need %(ref)s of %(enterprise)s: %(status)s.")
        % {
            "ref": demand.reference,
            "enterprise": demand.enterprise.name,
            "status": demand.get_status_display(),
        },
    }
    link = reverse("matchmaking:demand-detail", args=[demand.pk])
    # In the transaction: the notices commit with the change (their e-mails go through the outbox), so a
    # crash after the commit loses none (issue 10, "Nothing lost").
    notify(
        recipients=recipients,
        kind="matchmaking.demand",
        template="matchmaking_notice",
        context=context,
        link=link,
        dedupe_key=f"matchmaking:demand:{demand.pk}:{key}",
    )


def parameters(today: date) -> tuple[int, int]:
    """This year's (expiry days, claim working days)."""
    try:
        parameter_set = parameter_set_for_year(today.year)
    except PolicyYearMissing as missing:
        raise MatchmakingInvalid(str(missing)) from None
    return parameter_set.demand_expiry_days, parameter_set.demand_claim_working_days


# --- Input ------------------------------------------------------------------------------------------------


def _clean_values(enterprise: Organisation, values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    amount = values.get("amount")
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    else:
        amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    term = values.get("term_months")
    if not isinstance(term, int) or not 1 <= term <= 360:
        errors["term_months"] = [_("Enter a term from 1 to 360 months.")]
    purpose = (values.get("purpose") or "").strip()
    if not purpose:
        errors["purpose"] = [_("Say what the financing is for.")]
    assets = list(values.get("ip_assets") or [])
    if any(asset.owner_id != enterprise.pk for asset in assets):
        errors["ip_assets"] = [_("Offer only IP the enterprise owns.")]
    banks = list(values.get("preferred_banks") or [])
    if any(bank.kind != OrgKind.BANK for bank in banks):
        errors["preferred_banks"] = [_("Choose banks only.")]
    if errors:
        raise MatchmakingInvalid(_("Nothing was saved: correct the fields marked."), errors)
    return {
        "amount": amount,
        "term_months": term,
        "purpose": purpose,
        "ip_note": (values.get("ip_note") or "").strip(),
        "ip_assets": assets,
        "preferred_banks": banks,
    }


def _create(
    *,
    enterprise: Organisation,
    actor: User,
    cleaned: dict,
    source: str,
    status: str,
    consent: bool,
    event=None,
) -> Demand:
    today = timezone.localdate()
    demand = Demand.objects.create(
        reference=next_reference(series=SERIES, year=today.year),
        enterprise=enterprise,
        source=source,
        event=event,
        amount=cleaned["amount"],
        term_months=cleaned["term_months"],
        purpose=cleaned["purpose"],
        ip_note=cleaned["ip_note"],
        consent=consent,
        consent_at=timezone.now() if consent else None,
        status=status,
        posted_on=today,
        created_by=actor,
    )
    demand.ip_assets.set(cleaned["ip_assets"])
    demand.preferred_banks.set(cleaned["preferred_banks"])
    DemandEvent.objects.create(demand=demand, actor=actor, to_status=status, action="posted")
    return demand


def _open(demand: Demand, today: date) -> None:
    expiry_days, _claim_days = parameters(today)
    demand.opened_on = today
    demand.expires_on = today + timedelta(days=expiry_days)


# --- Posting, collecting, confirming ------------------------------------------------------------------------


@transaction.atomic
def demand_post(*, actor: User, values: dict) -> Demand:
    """An enterprise user posts a need; it opens at once (visible to banks only with the consent)."""
    enterprise = actor.organisation
    if not in_enterprise(actor, enterprise):
        raise MatchmakingNotAllowed(_("Only an enterprise's users post its financing needs."))
    cleaned = _clean_values(enterprise, values)
    today = timezone.localdate()
    parameters(today)  # refuse before drawing a number when the year has no parameters
    consent = bool(values.get("consent"))
    demand = _create(
        enterprise=enterprise,
        actor=actor,
        cleaned=cleaned,
        source=DemandSource.ENTERPRISE,
        status=_S.OPEN,
        consent=consent,
    )
    _open(demand, today)
    demand.save()
    return demand


@transaction.atomic
def demand_collect(*, actor: User, enterprise: Organisation, values: dict) -> Demand:
    """A park administration collects a need of an enterprise in its district; the enterprise confirms it."""
    if not is_park_admin(actor):
        raise MatchmakingNotAllowed(_("Only park administrators collect needs on an enterprise's behalf."))
    if enterprise.kind != OrgKind.ENTERPRISE or not in_park_area(actor, enterprise):
        raise MatchmakingInvalid(
            _("Choose an enterprise in your park."), {"enterprise": [_("Choose an enterprise in your park.")]}
        )
    cleaned = _clean_values(enterprise, values)
    parameters(timezone.localdate())
    demand = _create(
        enterprise=enterprise,
        actor=actor,
        cleaned=cleaned,
        source=DemandSource.PARK,
        status=_S.AWAITING_CONFIRMATION,
        consent=False,
    )
    tell(
        enterprise_people(demand),
        demand,
        _("Please confirm financing need %(ref)s collected by your park") % {"ref": demand.reference},
        "collected",
    )
    return demand


@transaction.atomic
def demand_confirm(
    *, demand: Demand, actor: User, confirmed: bool, consent: bool = False, reason: str = ""
) -> Demand:
    """The enterprise confirms a need its park collected (it opens) or declines it."""
    demand = locked(demand)
    if not in_enterprise(actor, demand.enterprise):
        raise MatchmakingNotAllowed(_("Only the enterprise's own users confirm its needs."))
    if confirmed:
        move(demand, actor=actor, to=_S.OPEN, details={"consent": consent})
        today = timezone.localdate()
        _open(demand, today)
        if consent:
            demand.consent, demand.consent_at = True, timezone.now()
    else:
        move(demand, actor=actor, to=_S.NOT_CONFIRMED, reason=reason)
        demand.closed_at = timezone.now()
    demand.save()
    return demand


@transaction.atomic
def demand_share(*, demand: Demand, actor: User) -> Demand:
    """The enterprise agrees to show an open need to every bank."""
    demand = locked(demand)
    if not in_enterprise(actor, demand.enterprise):
        raise MatchmakingNotAllowed(_("Only the enterprise's own users share its needs."))
    if demand.status not in (_S.OPEN, _S.CLAIMED) or demand.consent:
        raise MatchmakingInvalid(_("This need cannot be shared now."))
    demand.consent, demand.consent_at = True, timezone.now()
    demand.save()
    note(demand, actor=actor, action="shared")
    return demand


def _end_claim(demand: Demand, how: str, credit_amount=None) -> DemandClaim | None:
    claim = demand.claims.filter(ended="").first()
    if claim is not None:
        claim.ended, claim.ended_at = how, timezone.now()
        if credit_amount is not None:
            claim.credit_amount = credit_amount
        claim.save()
    return claim


@transaction.atomic
def demand_withdraw(*, demand: Demand, actor: User, reason: str = "") -> Demand:
    demand = locked(demand)
    if not in_enterprise(actor, demand.enterprise):
        raise MatchmakingNotAllowed(_("Only the enterprise's own users withdraw its needs."))
    claim = _end_claim(demand, ClaimEnd.WITHDRAWN) if demand.status == _S.CLAIMED else None
    move(demand, actor=actor, to=_S.WITHDRAWN, reason=reason)
    demand.claim_until, demand.closed_at = None, timezone.now()
    demand.save()
    if claim is not None:
        tell(
            bank_people(claim.bank),
            demand,
            _("Financing need %(ref)s was withdrawn by the enterprise") % {"ref": demand.reference},
            f"withdrawn:{claim.pk}",
        )
    return demand


# --- Claims ---------------------------------------------------------------------------------------------


def claim_for(*, demand: Demand, bank: Organisation, actor: User, event=None) -> DemandClaim:
    """Claim a locked open need for ``bank`` (inside the caller's transaction)."""
    today = timezone.localdate()
    if demand.status == _S.CLAIMED:
        raise MatchmakingInvalid(_("Another bank has already claimed this need."))
    if demand.status == _S.OPEN and demand.expires_on and demand.expires_on < today:
        raise MatchmakingInvalid(_("This need has expired."))
    _expiry, claim_days = parameters(today)
    until = add_working_days(today, claim_days).due_date
    move(demand, actor=actor, to=_S.CLAIMED, details={"bank": bank.name, "claim_until": until.isoformat()})
    # The conditional update is the guard of last resort: a second claimant that slipped past the lock
    # changes nothing (and the unique live-claim constraint below refuses its row).
    changed = Demand.objects.filter(pk=demand.pk, status=_S.OPEN).update(
        status=_S.CLAIMED, bank=bank, claim_until=until, updated_at=timezone.now()
    )
    if changed != 1:
        raise MatchmakingInvalid(_("Another bank has already claimed this need."))
    demand.bank, demand.claim_until = bank, until
    try:
        with transaction.atomic():
            claim = DemandClaim.objects.create(
                demand=demand,
                bank=bank,
                claimed_by=actor,
                claimed_on=today,
                claim_until=until,
                via_event=event,
            )
    except IntegrityError:
        raise MatchmakingInvalid(_("Another bank has already claimed this need.")) from None
    return claim


@transaction.atomic
def demand_claim(*, demand: Demand, actor: User) -> DemandClaim:
    """A bank claims an open need shared with banks for the exclusive contact period."""
    if not is_bank_user(actor):
        raise MatchmakingNotAllowed(_("Only bank officers and managers claim needs."))
    demand = locked(demand)
    if not demand.consent:
        raise MatchmakingInvalid(_("The enterprise has not shared this need with banks."))
    claim = claim_for(demand=demand, bank=actor.organisation, actor=actor)
    demand = Demand.objects.select_related("enterprise").get(pk=demand.pk)
    tell(
        enterprise_people(demand),
        demand,
        _("%(bank)s took up your financing need %(ref)s")
        % {"bank": claim.bank.name, "ref": demand.reference},
        f"claimed:{claim.pk}",
        _("%(bank)s will contact you by %(until)s about need %(ref)s.")
        % {"bank": claim.bank.name, "until": claim.claim_until.isoformat(), "ref": demand.reference},
    )
    return claim


def _live_claim_of(demand: Demand, actor: User) -> DemandClaim:
    claim = demand.claims.filter(ended="").select_related("bank").first()
    if demand.status != _S.CLAIMED or claim is None:
        raise MatchmakingInvalid(_("This need is not claimed."))
    if claim.bank_id not in claim_bank_ids(actor):
        raise MatchmakingNotAllowed(_("Only the claiming bank works this need."))
    return claim


@transaction.atomic
def contact_log(*, demand: Demand, actor: User, values: dict) -> Contact:
    """The claiming bank logs a contact. One contact within the period keeps the claim until an outcome."""
    demand = locked(demand)
    claim = _live_claim_of(demand, actor)
    errors: dict[str, list[str]] = {}
    contacted_on = values.get("contacted_on")
    today = timezone.localdate()
    if not isinstance(contacted_on, date):
        errors["contacted_on"] = [_("Enter the date of the contact.")]
    elif not claim.claimed_on <= contacted_on <= today:
        errors["contacted_on"] = [
            _("The contact must be dated from %(start)s to today.") % {"start": claim.claimed_on.isoformat()}
        ]
    if values.get("channel") not in ContactChannel.values:
        errors["channel"] = [_("Choose how you made contact.")]
    summary = (values.get("summary") or "").strip()
    if not summary:
        errors["summary"] = [_("Summarise the contact.")]
    if errors:
        raise MatchmakingInvalid(_("Nothing was saved: correct the fields marked."), errors)
    contact = Contact.objects.create(
        claim=claim,
        contacted_on=contacted_on,
        channel=values["channel"],
        summary=summary,
        next_step=(values.get("next_step") or "").strip(),
        recorded_by=actor,
    )
    note(demand, actor=actor, action="contact_logged", details={"channel": contact.channel})
    return contact


@transaction.atomic
def demand_hand_back(*, demand: Demand, actor: User, reason: str = "") -> Demand:
    """The claiming bank gives the need back to the pool before its period ends."""
    demand = locked(demand)
    claim = _live_claim_of(demand, actor)
    move(demand, actor=actor, to=_S.OPEN, reason=reason, details={"bank": claim.bank.name})
    _end_claim(demand, ClaimEnd.HANDED_BACK)
    demand.claim_until = None
    demand.save()
    return demand


OUTCOMES = {
    _S.CREDIT_GRANTED: ClaimEnd.CREDIT_GRANTED,
    _S.LOAN: ClaimEnd.LOAN,
    _S.DECLINED: ClaimEnd.DECLINED,
}


def _served_claim(demand: Demand, actor: User) -> DemandClaim:
    """The claim an outcome is recorded on: the live one, or (credit granted, then the loan) the last one."""
    if demand.status == _S.CREDIT_GRANTED:
        claim = demand.claims.exclude(ended="").select_related("bank").order_by("-pk").first()
        if claim is None or claim.bank_id not in claim_bank_ids(actor):
            raise MatchmakingNotAllowed(_("Only the bank that granted the credit records the loan."))
        return claim
    return _live_claim_of(demand, actor)


def _clean_outcome(demand: Demand, claim: DemandClaim, outcome: str, values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if outcome in (_S.CREDIT_GRANTED, _S.LOAN):
        amount = values.get("credit_amount")
        if amount is None and outcome == _S.LOAN:
            amount = demand.credit_amount
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            errors["credit_amount"] = [_("Enter the amount granted.")]
        else:
            cleaned["credit_amount"] = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    if outcome == _S.LOAN and (loan := values.get("loan")) is not None:
        if loan.enterprise_id != demand.enterprise_id or loan.bank_id not in bank_scope_ids(claim.bank):
            errors["loan"] = [_("Choose a loan of this enterprise from your bank.")]
        cleaned["loan"] = loan
    if outcome == _S.DECLINED:
        if values.get("decline_reason") not in DeclineReason.values:
            errors["decline_reason"] = [_("Choose why the bank declines.")]
        cleaned["decline_reason"] = values.get("decline_reason") or ""
        cleaned["decline_note"] = (values.get("decline_note") or "").strip()
        if cleaned["decline_reason"] == DeclineReason.OTHER and not cleaned["decline_note"]:
            errors["decline_note"] = [_("Explain the reason.")]
    if errors:
        raise MatchmakingInvalid(_("Nothing was saved: correct the fields marked."), errors)
    return cleaned


@transaction.atomic
def demand_outcome(*, demand: Demand, actor: User, outcome: str, values: dict) -> Demand:
    """The claiming bank closes the need: credit granted (amount), a loan (optionally linked), or declined
    (reason code and text); a need with credit granted may later record its loan."""
    if not is_bank_user(actor):
        raise MatchmakingNotAllowed(_("Only bank officers and managers record outcomes."))
    if outcome not in OUTCOMES:
        raise MatchmakingInvalid(_("Choose an outcome."), {"outcome": [_("Choose an outcome.")]})
    demand = locked(demand)
    claim = _served_claim(demand, actor)
    cleaned = _clean_outcome(demand, claim, outcome, values)
    move(
        demand,
        actor=actor,
        to=outcome,
        reason=cleaned.get("decline_note", ""),
        details={"bank": claim.bank.name},
    )
    for name, value in cleaned.items():
        setattr(demand, name, value)
    demand.claim_until, demand.closed_at = None, timezone.now()
    demand.save()
    if claim.ended:
        claim.ended, claim.credit_amount = (
            OUTCOMES[outcome],
            cleaned.get("credit_amount", claim.credit_amount),
        )
        claim.save()
    else:
        _end_claim(demand, OUTCOMES[outcome], cleaned.get("credit_amount"))
    demand = Demand.objects.select_related("enterprise").get(pk=demand.pk)
    tell(
        enterprise_people(demand),
        demand,
        _("%(bank)s recorded an outcome on your financing need %(ref)s: %(outcome)s")
        % {"bank": claim.bank.name, "ref": demand.reference, "outcome": demand.get_status_display()},
        f"outcome:{claim.pk}:{outcome}",
    )
    return demand


def loans_for_outcome(demand: Demand, user: User):
    """The loans the bank may link to the need's outcome: the enterprise's loans from the user's bank group."""
    return (
        Loan.objects.filter(enterprise=demand.enterprise, bank_id__in=bank_group_ids(user))
        .select_related("bank")
        .order_by("-pk")
    )


# --- The hourly sweep -----------------------------------------------------------------------------------------


def _release(pk: int, today: date) -> bool:
    with transaction.atomic():
        demand = (
            Demand.objects.select_for_update(of=("self",)).select_related("enterprise").filter(pk=pk).first()
        )
        # Re-checked under the lock: a second sweep, a contact or an outcome may have come first.
        if (
            demand is None
            or demand.status != _S.CLAIMED
            or demand.claim_until is None
            or demand.claim_until >= today
        ):
            return False
        claim = demand.claims.filter(ended="").select_related("bank").first()
        if claim is None or claim.contacts.filter(contacted_on__lte=claim.claim_until).exists():
            return False
        move(
            demand,
            actor=None,
            to=_S.OPEN,
            reason=_("No contact was logged by %(until)s.") % {"until": claim.claim_until.isoformat()},
            details={"bank": claim.bank.name, "released": True},
        )
        claim.ended, claim.ended_at = ClaimEnd.RELEASED, timezone.now()
        claim.save()
        demand.claim_until = None
        demand.save()
        subject = _("Financing need %(ref)s is open to every bank again") % {"ref": demand.reference}
        body = _(
            "%(bank)s logged no contact on need %(ref)s by %(until)s, so its exclusive period ended and the need "
            "went back to the pool."
        ) % {"bank": claim.bank.name, "ref": demand.reference, "until": claim.claim_until.isoformat()}
        tell(
            enterprise_people(demand) + bank_people(claim.bank), demand, subject, f"released:{claim.pk}", body
        )
        return True


def _expire(pk: int, today: date) -> bool:
    with transaction.atomic():
        demand = Demand.objects.select_for_update().select_related("enterprise").filter(pk=pk).first()
        if (
            demand is None
            or demand.status != _S.OPEN
            or demand.expires_on is None
            or demand.expires_on >= today
        ):
            return False
        move(demand, actor=None, to=_S.EXPIRED, reason=_("Open past %(day)s.") % {"day": demand.expires_on})
        demand.closed_at = timezone.now()
        demand.save()
        tell(
            enterprise_people(demand),
            demand,
            _("Your financing need %(ref)s expired") % {"ref": demand.reference},
            "expired",
            _(
                "Need %(ref)s was open until %(day)s without a bank's outcome; post it again if you still need it."
            )
            % {"ref": demand.reference, "day": demand.expires_on.isoformat()},
        )
        return True


def demand_sweep(*, today: date | None = None, batch: int = 500) -> dict[str, int]:
    """Release claims with no contact by their ``claim_until`` (the day after it), then close open needs past
    ``expires_on`` as expired. Each need is its own transaction under a row lock and re-checked there, and the
    notices carry dedupe keys, so two sweeps at once (or one run twice) change and tell each need once."""
    today = today or timezone.localdate()
    released = expired = 0
    due = Demand.objects.filter(status=_S.CLAIMED, claim_until__lt=today).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)[:batch]):
        released += _release(pk, today)
    stale = Demand.objects.filter(status=_S.OPEN, expires_on__lt=today).order_by("pk")
    for pk in list(stale.values_list("pk", flat=True)[:batch]):
        expired += _expire(pk, today)
    return {"released": released, "expired": expired}
