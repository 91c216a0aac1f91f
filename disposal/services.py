"""Disposal cases: opening, editing, listing, the deal, withdrawal, proceeds and closing (issue 9).

Each write locks the case row, checks ``CASE_TRANSITIONS`` and the party (the actor works for the case's
pledgee), and writes a ``DisposalEvent`` in the same transaction. Proceeds on a loan whose risk
compensation claim was paid become a riskcomp ``Recovery`` (source: disposal) in that same transaction, so
the fund's clawback share is computed with them; the loans app keeps no recoveries of its own, so without
a paid claim the proceeds stay on the case.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from disposal.calculations import to_fen
from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import (
    CASE_TRANSITIONS,
    LISTED_METHODS,
    SYSTEM,
    CaseStatus,
    DisposalCase,
    DisposalEvent,
    Method,
    Proceeds,
)
from disposal.permissions import acts_for_pledgee, is_pledgee_user
from disposal.selectors import disposable_assets, pledged_registrations
from loans.models import Loan
from loans.services.references import next_reference
from portal.accounts.models import User
from riskcomp.models import Claim, ClaimStatus, RecoverySource
from riskcomp.permissions import in_bank_group
from riskcomp.review import recovery_report

SERIES = "CZ"  # 处置
_C = CaseStatus
CASE_FIELDS = ("method", "valuation", "valuer", "valued_on", "reserve_price", "description")


# --- Moves ----------------------------------------------------------------------------------------------


def move(case: DisposalCase, *, actor: User | None, to: str, reason: str = "", details=None) -> DisposalEvent:
    """One move of ``CASE_TRANSITIONS`` on a locked case, with its event; ``actor`` None is the portal."""
    allowed = CASE_TRANSITIONS.get(case.status, {}).get(to)
    if allowed is None:
        raise DisposalInvalid(
            _("A case that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": case.get_status_display(), "to": CaseStatus(to).label}
        )
    if (SYSTEM if actor is None else actor.role) not in allowed:
        raise DisposalNotAllowed(_("Your role does not allow this step."))
    if actor is not None and not acts_for_pledgee(actor, case):
        raise DisposalNotAllowed(_("Only the pledgee's officers handle this case."))
    event = DisposalEvent.objects.create(
        case=case, actor=actor, from_status=case.status, to_status=to, reason=reason, details=details or {}
    )
    case.status = to
    case.save(update_fields=["status", "updated_at"])
    return event


def note(case: DisposalCase, *, actor: User | None, action: str, reason: str = "", details=None) -> None:
    DisposalEvent.objects.create(case=case, actor=actor, action=action, reason=reason, details=details or {})


def locked(case: DisposalCase) -> DisposalCase:
    return DisposalCase.objects.select_for_update().get(pk=case.pk)


def _pledgee(actor: User, case: DisposalCase) -> None:
    if not (is_pledgee_user(actor) and acts_for_pledgee(actor, case)):
        raise DisposalNotAllowed(_("Only the pledgee's officers handle this case."))


# --- Input ------------------------------------------------------------------------------------------------


def money(value, *, field: str, errors: dict, minimum=Decimal("0.01")) -> Decimal | None:
    """A yuan amount with at most two decimals (never rounded silently), at least ``minimum``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter an amount in yuan, such as 1200000.00.")]
        return None
    if not amount.is_finite() or amount != to_fen(amount):
        errors[field] = [_("Enter an amount in yuan with at most two decimals.")]
        return None
    if amount < minimum:
        errors[field] = [_("Enter at least %(min)s.") % {"min": f"{minimum:,.2f}"}]
        return None
    if amount >= Decimal("1e12"):
        errors[field] = [_("The amount is too large.")]
        return None
    return amount


def _past_day(value, *, field: str, errors: dict, message: str) -> date | None:
    if not isinstance(value, date) or value > timezone.localdate():
        errors[field] = [message]
        return None
    return value


def _clean_terms(data: dict, errors: dict) -> dict:
    clean: dict = {}
    if data.get("method") not in Method.values:
        errors["method"] = [_("Choose a method from the list.")]
    else:
        clean["method"] = data["method"]
    clean["valuation"] = money(data.get("valuation"), field="valuation", errors=errors)
    clean["reserve_price"] = money(data.get("reserve_price"), field="reserve_price", errors=errors)
    valuer = (data.get("valuer") or "").strip()
    if not valuer:
        errors["valuer"] = [_("Name the evaluation firm that valued the assets.")]
    clean["valuer"] = valuer[:200]
    clean["valued_on"] = _past_day(
        data.get("valued_on"),
        field="valued_on",
        errors=errors,
        message=_("Enter the date of the valuation report (not in the future)."),
    )
    clean["description"] = (data.get("description") or "").strip()
    return clean


# --- Opening and editing ------------------------------------------------------------------------------------


@transaction.atomic
def case_open(*, loan: Loan, actor: User, assets, data: dict) -> DisposalCase:
    """The pledgee opens a draft case over some of the loan's pledged assets it holds."""
    if not is_pledgee_user(actor):
        raise DisposalNotAllowed(_("Only the pledgee's officers open disposal cases."))
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if not loan.is_non_performing:
        raise DisposalInvalid(_("Only a non-performing loan's pledged IP is disposed of."))
    errors: dict[str, list[str]] = {}
    clean = _clean_terms(data, errors)
    available = {asset.pk: asset for asset in disposable_assets(loan=loan, user=actor)}
    chosen = [available.get(getattr(asset, "pk", asset)) for asset in assets]
    if not chosen or None in chosen:
        errors["assets"] = [_("Choose one or more of the loan's pledged assets that no other case covers.")]
    if errors:
        raise DisposalInvalid(_("The case was not opened: correct the fields marked."), errors)
    holders = {
        link.registration.pledgee
        for asset in chosen
        for link in asset.registration_links.select_related("registration__pledgee").filter(
            registration__in=pledged_registrations(loan=loan, user=actor)
        )
    }
    if len(holders) != 1:
        raise DisposalInvalid(
            _("The chosen assets are pledged to different institutions: open one case per pledgee."),
            {"assets": [_("Choose assets pledged to one institution.")]},
        )
    case = DisposalCase.objects.create(
        reference=next_reference(series=SERIES, year=timezone.localdate().year),
        loan=loan,
        pledgee=holders.pop(),
        created_by=actor,
        **clean,
    )
    case.assets.set(chosen)
    DisposalEvent.objects.create(
        case=case, actor=actor, to_status=_C.DRAFT, action="opened", details={"assets": len(chosen)}
    )
    return case


@transaction.atomic
def case_update(*, case: DisposalCase, actor: User, data: dict) -> DisposalCase:
    case = locked(case)
    _pledgee(actor, case)
    if case.status != _C.DRAFT:
        raise DisposalInvalid(_("Only a draft case can be changed."))
    errors: dict[str, list[str]] = {}
    clean = _clean_terms(data, errors)
    if errors:
        raise DisposalInvalid(_("The case was not saved: correct the fields marked."), errors)
    changed = {name: str(value) for name, value in clean.items() if getattr(case, name) != value}
    for name, value in clean.items():
        setattr(case, name, value)
    case.save()
    if changed:
        note(case, actor=actor, action="updated", details=changed)
    return case


# --- Listing, the deal, unsold, withdrawal, reopening -------------------------------------------------------


@transaction.atomic
def case_list_publicly(*, case: DisposalCase, actor: User) -> DisposalCase:
    """Exchange listing, tender, licensing or pledge-to-equity: the case goes on the public listing."""
    case = locked(case)
    _pledgee(actor, case)
    if case.method not in LISTED_METHODS:
        raise DisposalInvalid(_("This method is not concluded through a listing."))
    move(case, actor=actor, to=_C.LISTED)
    return case


@transaction.atomic
def deal_record(
    *, case: DisposalCase, actor: User, price, counterparty: str, deal_on, reason: str = ""
) -> DisposalCase:
    """The pledgee records the deal of an agreed conversion price or of a listed case."""
    case = locked(case)
    _pledgee(actor, case)
    if case.method == Method.AUCTION:
        raise DisposalInvalid(_("An auction is decided by its rounds, not entered by hand."))
    if case.status == _C.DRAFT and case.method != Method.AGREED_PRICE:
        raise DisposalInvalid(
            _("List the case first: only an agreed conversion price is concluded from a draft.")
        )
    errors: dict[str, list[str]] = {}
    value = money(price, field="price", errors=errors)
    counterparty = (counterparty or "").strip()
    if not counterparty:
        errors["counterparty"] = [_("Name the buyer or counterparty.")]
    _past_day(
        deal_on, field="deal_on", errors=errors, message=_("Enter the day of the deal (not in the future).")
    )
    if errors:
        raise DisposalInvalid(_("The deal was not recorded: correct the fields marked."), errors)
    move(
        case,
        actor=actor,
        to=_C.SOLD,
        reason=reason,
        details={"price": f"{value:.2f}", "counterparty": counterparty},
    )
    case.deal_price, case.counterparty, case.deal_on = value, counterparty[:200], deal_on
    case.save(update_fields=["deal_price", "counterparty", "deal_on", "updated_at"])
    return case


@transaction.atomic
def case_mark_unsold(*, case: DisposalCase, actor: User, reason: str) -> DisposalCase:
    case = locked(case)
    _pledgee(actor, case)
    if not (reason or "").strip():
        raise DisposalInvalid(_("Say why the listing ended unsold."), {"reason": [_("Enter a reason.")]})
    move(case, actor=actor, to=_C.UNSOLD, reason=reason.strip())
    return case


@transaction.atomic
def case_withdraw(*, case: DisposalCase, actor: User, reason: str) -> DisposalCase:
    """Withdrawn (the debt was repaid, a court ordered it...): an open auction round is cancelled and the
    assets are free for another case."""
    from disposal.auction import cancel_open_round

    case = locked(case)
    _pledgee(actor, case)
    if not (reason or "").strip():
        raise DisposalInvalid(_("Say why the case is withdrawn."), {"reason": [_("Enter a reason.")]})
    if case.status == _C.AUCTIONING:
        cancel_open_round(case)
    move(case, actor=actor, to=_C.WITHDRAWN, reason=reason.strip())
    return case


@transaction.atomic
def case_reopen(*, case: DisposalCase, actor: User, method: str, reason: str = "") -> DisposalCase:
    """After an unsold auction or listing the pledgee chooses another method (the case goes back to draft)."""
    case = locked(case)
    _pledgee(actor, case)
    if method not in Method.values:
        raise DisposalInvalid(_("Choose a method from the list."), {"method": [_("Choose a method.")]})
    move(case, actor=actor, to=_C.DRAFT, reason=reason, details={"method": method, "was": case.method})
    case.method = method
    case.save(update_fields=["method", "updated_at"])
    return case


# --- Proceeds and closing -----------------------------------------------------------------------------------


def paid_claim(loan: Loan) -> Claim | None:
    """The loan's risk compensation claim once paid: its recoveries feed the fund's clawback."""
    return Claim.objects.filter(loan=loan, status=ClaimStatus.PAID).select_related("bank").first()


@transaction.atomic
def proceeds_record(*, case: DisposalCase, actor: User, amount, received_on, note_text: str = "") -> Proceeds:
    case = locked(case)
    _pledgee(actor, case)
    if case.status not in (_C.SOLD, _C.PROCEEDS_RECEIVED):
        raise DisposalInvalid(_("Proceeds are recorded once the case is sold or the deal concluded."))
    errors: dict[str, list[str]] = {}
    value = money(amount, field="amount", errors=errors)
    _past_day(
        received_on,
        field="received_on",
        errors=errors,
        message=_("Enter the day the money came in (not in the future)."),
    )
    if errors:
        raise DisposalInvalid(_("The proceeds were not recorded: correct the fields marked."), errors)
    recovery = None
    claim = paid_claim(case.loan)
    # Only the claimant bank reports recoveries to the fund; a guarantor pledgee's proceeds stay on the case
    # for the bank to report.
    if claim is not None and in_bank_group(actor, claim.bank):
        recovery = recovery_report(
            claim=claim,
            actor=actor,
            amount=value,
            received_on=received_on,
            source=RecoverySource.DISPOSAL,
            note_text=_("Disposal case %(ref)s") % {"ref": case.reference}
            + (f": {note_text.strip()}" if note_text and note_text.strip() else ""),
        )
    proceeds = Proceeds.objects.create(
        case=case,
        amount=value,
        received_on=received_on,
        note=(note_text or "").strip(),
        recovery=recovery,
        recorded_by=actor,
    )
    DisposalCase.objects.filter(pk=case.pk).update(proceeds_total=F("proceeds_total") + value)
    case.refresh_from_db(fields=["proceeds_total"])
    details = {"amount": f"{value:.2f}", "claim": claim.reference if recovery else ""}
    if recovery is not None:
        details["fund_share"] = f"{recovery.fund_share:.2f}"
    if case.status == _C.SOLD:
        move(case, actor=actor, to=_C.PROCEEDS_RECEIVED, details=details)
    else:
        note(case, actor=actor, action="proceeds", details=details)
    return proceeds


@transaction.atomic
def case_close(*, case: DisposalCase, actor: User, reason: str = "") -> DisposalCase:
    case = locked(case)
    _pledgee(actor, case)
    move(case, actor=actor, to=_C.CLOSED, reason=reason)
    return case
