"""'Check before you start': can this enterprise apply for an IP-pledge loan now? (issue 4).

The rules are pure functions on plain facts (``EnterpriseFacts``, ``AssetFacts``, ``Answers``) so they
can be tested without the database; ``eligibility_check`` reads the facts from the register and applies
them. The check records nothing: it is a self-check (the view writes one audit row with the verdict).

Sources: Beijing registration and the loan in Beijing are conditions of the special fund (domain.md §2.4,
[V-1]); the asset rules mirror the grounds on which a pledge registration is refused (§2.1.1 [V-5]:
not granted, terminated, annual fee unpaid or in grace, debt term past the IP's term, already pledged,
invalidation requested, preserved) and the trademark renewal window (§2.1.5 [V-12b]).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from pledges.calculations import (
    FeeStanding,
    add_months,
    annual_fee_grace_end,
    annual_fee_standing,
    asset_term_end,
)
from pledges.models import LegalStatus
from pledges.selectors import asset_list, asset_pledge_states
from portal.accounts.models import District, OrgKind
from portal.policy.models import IpKind

BEIJING_AREA_PREFIX = "11"  # GB/T 2260: Beijing's division codes are 11xxxx (USCC positions 3-8).
# Trademark Law Art. 40: renewal may be filed in the 12 months before expiry, or within 6 months after.
TRADEMARK_RENEWAL_OPENS_MONTHS = 12
TRADEMARK_RENEWAL_GRACE_MONTHS = 6

_ENDED_STATUSES = frozenset({LegalStatus.TERMINATED, LegalStatus.INVALIDATED, LegalStatus.EXPIRED})


class Outcome:
    YES = "yes"
    NOT_YET = "not_yet"
    NO = "no"


class Severity:
    """How a reason weighs: ``no`` decides a NO, ``fix`` a NOT_YET, ``ok`` supports a YES, ``info`` is
    advice that changes nothing."""

    NO = "no"
    FIX = "fix"
    OK = "ok"
    INFO = "info"


class AssetState:
    PLEDGEABLE = "pledgeable"
    FIXABLE = "fixable"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Answers:
    for_beijing_operations: bool
    amount: Decimal
    term_months: int
    guarantor_available: bool
    combination_acceptable: bool


@dataclass(frozen=True)
class EnterpriseFacts:
    district: str
    uscc: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssetFacts:
    """What the rules need of an ``IpAsset`` (with its pledge state and number of right holders)."""

    pk: int
    kind: str
    number: str
    title: str
    legal_status: str
    patent_type: str = ""
    filing_date: date | None = None
    valid_until: date | None = None
    annual_fee_paid_through: date | None = None
    pledged: bool = False
    holder_count: int = 1


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    severity: str


@dataclass(frozen=True)
class NextStep:
    """Something to do; ``url_name``/``url_args`` name a portal page (resolved by the view)."""

    code: str
    text: str
    url_name: str = ""
    url_args: tuple = ()


@dataclass(frozen=True)
class AssetAssessment:
    asset: AssetFacts
    state: str
    term_end: date | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reasons: tuple[Reason, ...]
    next_steps: tuple[NextStep, ...]
    assets: tuple[AssetAssessment, ...]
    loan_end: date
    categories: tuple[str, ...] = field(default=())

    @property
    def pledgeable(self) -> tuple[AssetAssessment, ...]:
        return tuple(item for item in self.assets if item.state == AssetState.PLEDGEABLE)

    @property
    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]


def is_beijing_registered(*, district: str, uscc: str) -> bool:
    """Registered in Beijing: a Beijing district of record, or a credit code issued in Beijing.

    The district decides when both are known: a credit code is issued once and keeps the area of first
    registration, so an enterprise that moved its registration to Beijing keeps a code from elsewhere.
    """
    if district:
        return district in District.values
    return len(uscc or "") == 18 and uscc[2:4] == BEIJING_AREA_PREFIX


def loan_end_date(*, today: date, term_months: int) -> date:
    """The last day of a loan of ``term_months`` starting today (a loan from 5 January for 12 months runs
    to 4 January)."""
    return add_months(today, term_months) - timedelta(days=1)


def longest_term_months(*, today: date, term_end: date) -> int:
    """The longest whole-month term starting today that ends on or before ``term_end`` (0 if none)."""
    months = 0
    while loan_end_date(today=today, term_months=months + 1) <= term_end:
        months += 1
    return months


def assess_asset(asset: AssetFacts, *, today: date, loan_end: date) -> AssetAssessment:
    """Whether one asset can be pledged for a loan ending on ``loan_end``, could be after a fix, or not."""
    term_end = asset_term_end(asset)
    blocking: list[Reason] = []
    fixable: list[Reason] = []
    notes: list[Reason] = []

    def no(code, message):
        blocking.append(Reason(code, message, Severity.NO))

    def fix(code, message):
        fixable.append(Reason(code, message, Severity.FIX))

    if asset.legal_status in _ENDED_STATUSES:
        no(
            "asset_not_in_force",
            _("No longer in force (%(status)s).") % {"status": LegalStatus(asset.legal_status).label},
        )

    standing = None
    if asset.kind == IpKind.PATENT and asset.legal_status != LegalStatus.PENDING:
        standing = annual_fee_standing(asset.annual_fee_paid_through, today)
    if standing == FeeStanding.LAPSED:
        # Unpaid beyond the grace window, the patent terminates from the original due date.
        no(
            "annual_fee_lapsed",
            _("The annual fee was not paid within the grace period; the patent has lapsed."),
        )

    if term_end is not None and term_end < today:
        renewal_closes = add_months(term_end, TRADEMARK_RENEWAL_GRACE_MONTHS)
        if asset.kind == IpKind.TRADEMARK and today <= renewal_closes:
            fix(
                "trademark_renewal_due",
                _("The registration ended on %(end)s; renew it by %(last)s (grace period) before pledging.")
                % {"end": term_end.isoformat(), "last": renewal_closes.isoformat()},
            )
        else:
            no("term_ended", _("Its term ended on %(end)s.") % {"end": term_end.isoformat()})

    if not blocking:
        if asset.legal_status == LegalStatus.PENDING:
            fix(
                "not_yet_granted",
                _("Still an application: only a granted or registered right can be pledged."),
            )
        if asset.legal_status == LegalStatus.FEE_GRACE or standing == FeeStanding.GRACE:
            paid_through = asset.annual_fee_paid_through
            if paid_through is not None:
                message = _("The annual fee is overdue; pay it with the surcharge by %(last)s.") % {
                    "last": annual_fee_grace_end(paid_through).isoformat()
                }
            else:
                message = _("The annual fee is overdue; pay it with the surcharge within the grace period.")
            fix("annual_fee_grace", message)
        if asset.legal_status == LegalStatus.INVALIDATION_REQUESTED:
            fix(
                "invalidation_requested",
                _(
                    "An invalidation request is pending: the registration is refused unless both parties confirm after being told."
                ),
            )
        if asset.legal_status == LegalStatus.PRESERVED:
            fix(
                "preserved",
                _(
                    "Preserved by a court or suspended by a dispute: it cannot be pledged until that is lifted."
                ),
            )
        if term_end is not None and today <= term_end < loan_end:
            renewal_opens = add_months(term_end, -TRADEMARK_RENEWAL_OPENS_MONTHS)
            if asset.kind == IpKind.TRADEMARK and today >= renewal_opens:
                fix(
                    "trademark_renewal_due",
                    _(
                        "The registration ends on %(end)s, before the loan would; renew it first (renewal is open now)."
                    )
                    % {"end": term_end.isoformat()},
                )
            else:
                months = longest_term_months(today=today, term_end=term_end)
                if months:
                    fix(
                        "term_ends_before_loan",
                        _(
                            "Its term ends on %(end)s, before the loan would; choose a term of at most %(months)s months."
                        )
                        % {"end": term_end.isoformat(), "months": months},
                    )
                else:
                    no(
                        "term_ends_before_loan",
                        _("Its term ends on %(end)s, too soon for any loan.") % {"end": term_end.isoformat()},
                    )
        if asset.pledged:
            fix("already_pledged", _("Already pledged: it is free again once that pledge is cancelled."))

    if asset.holder_count > 1:
        notes.append(
            Reason("co_owned", _("Co-owned: every co-owner must consent to the pledge."), Severity.INFO)
        )
    if standing == FeeStanding.UNKNOWN:
        notes.append(
            Reason(
                "annual_fee_not_recorded",
                _("The annual fee payments are not recorded in the register."),
                Severity.INFO,
            )
        )

    if blocking:
        state = AssetState.UNUSABLE
    elif fixable:
        state = AssetState.FIXABLE
    else:
        state = AssetState.PLEDGEABLE
    return AssetAssessment(
        asset=asset, state=state, term_end=term_end, reasons=tuple(blocking + fixable + notes)
    )


def _percent(share: Decimal) -> str:
    return format((share * 100).quantize(Decimal("0.01")).normalize(), "f")


def decide(
    *,
    enterprise: EnterpriseFacts,
    assets: list[AssetFacts],
    answers: Answers,
    today: date,
    min_ip_share: Decimal | None = None,
) -> Verdict:
    """The verdict, its reasons and the next steps, from the facts and the answers."""
    loan_end = loan_end_date(today=today, term_months=answers.term_months)
    assessed = [assess_asset(asset, today=today, loan_end=loan_end) for asset in assets]
    reasons: list[Reason] = []
    steps: list[NextStep] = []

    if not is_beijing_registered(district=enterprise.district, uscc=enterprise.uscc):
        reasons.append(
            Reason(
                "not_beijing_enterprise",
                _(
                    "The enterprise is not registered in Beijing: the portal's loans and subsidies are for Beijing enterprises."
                ),
                Severity.NO,
            )
        )
    if not answers.for_beijing_operations:
        reasons.append(
            Reason(
                "loan_outside_beijing",
                _(
                    "The loan is not for operations in Beijing: Beijing's IP-pledge support covers loans for them only."
                ),
                Severity.NO,
            )
        )

    pledgeable = [item for item in assessed if item.state == AssetState.PLEDGEABLE]
    fixable = [item for item in assessed if item.state == AssetState.FIXABLE]
    if not assessed:
        reasons.append(
            Reason(
                "no_ip_in_register",
                _("Your IP register is empty: a pledge loan needs IP to pledge."),
                Severity.NO,
            )
        )
        steps.append(
            NextStep(
                "add_ip",
                _("Add your patents, trademarks or copyrights to the register."),
                "pledges:asset_list",
            )
        )
    elif not pledgeable and not fixable:
        reasons.append(
            Reason(
                "no_valid_ip",
                _("None of your IP can be pledged: every asset has ended, lapsed or runs out too soon."),
                Severity.NO,
            )
        )
        steps.append(NextStep("add_ip", _("Add IP that is in force to the register."), "pledges:asset_list"))
    elif pledgeable:
        reasons.append(
            Reason(
                "ready",
                _("%(count)s of your assets can be pledged for a loan ending on %(end)s.")
                % {"count": len(pledgeable), "end": loan_end.isoformat()},
                Severity.OK,
            )
        )
    else:
        # Nothing pledgeable today, but something will be once fixed: one reason per kind of fix.
        by_code: dict[str, list[AssetAssessment]] = {}
        for item in fixable:
            for code in dict.fromkeys(r.code for r in item.reasons if r.severity == Severity.FIX):
                by_code.setdefault(code, []).append(item)
        for code, items in by_code.items():
            numbers = ", ".join(item.asset.number for item in items)
            reasons.append(Reason(code, _FIX_SUMMARIES[code]() % {"numbers": numbers}, Severity.FIX))
            if code in _FIX_STEPS:
                steps.extend(
                    NextStep(
                        code,
                        _FIX_STEPS[code]() % {"number": item.asset.number},
                        "pledges:asset_detail",
                        (item.asset.pk,),
                    )
                    for item in items
                )
            elif code == "term_ends_before_loan":
                steps.append(NextStep(code, _("Check again with a shorter term.")))
        if not any(step.url_name == "pledges:asset_list" for step in steps):
            steps.append(
                NextStep("add_ip", _("Add other IP you hold to the register."), "pledges:asset_list")
            )

    if enterprise.categories:
        reasons.append(
            Reason(
                "categories",
                _("Recorded categories: %(names)s. Banks' whitelist products look for them.")
                % {"names": ", ".join(enterprise.categories)},
                Severity.INFO,
            )
        )
    else:
        reasons.append(
            Reason(
                "no_category",
                _(
                    "No category (high-tech, specialised SME, tech-based SME, IP advantage) is recorded; some products require one."
                ),
                Severity.INFO,
            )
        )
    if not answers.guarantor_available and not answers.combination_acceptable:
        reasons.append(
            Reason(
                "ip_only",
                _(
                    "You want the IP as the only security and no guarantor: fewer products fit than with a guarantor or insurer."
                ),
                Severity.INFO,
            )
        )
    if answers.combination_acceptable and min_ip_share is not None:
        reasons.append(
            Reason(
                "combination_ip_share",
                _(
                    "In a combination loan only the IP share counts for the interest subsidy, and it must be at least %(share)s%% (certified by the bank)."
                )
                % {"share": _percent(min_ip_share)},
                Severity.INFO,
            )
        )

    severities = {reason.severity for reason in reasons}
    if Severity.NO in severities:
        outcome = Outcome.NO
    elif pledgeable:
        outcome = Outcome.YES
    else:
        outcome = Outcome.NOT_YET
    return Verdict(
        outcome=outcome,
        reasons=tuple(reasons),
        next_steps=tuple(steps),
        assets=tuple(assessed),
        loan_end=loan_end,
        categories=enterprise.categories,
    )


# Summaries of a fix over several assets, and the step per asset; callables so they translate late.
_FIX_SUMMARIES = {
    "not_yet_granted": lambda: _("Not yet granted: %(numbers)s."),
    "annual_fee_grace": lambda: _("Annual fee overdue (grace period): %(numbers)s."),
    "already_pledged": lambda: _("Already pledged: %(numbers)s."),
    "trademark_renewal_due": lambda: _("Trademark registration to renew first: %(numbers)s."),
    "term_ends_before_loan": lambda: _("Term ends before the loan would: %(numbers)s."),
    "invalidation_requested": lambda: _("Invalidation requested: %(numbers)s."),
    "preserved": lambda: _("Preserved by a court or suspended: %(numbers)s."),
}
_FIX_STEPS = {
    "not_yet_granted": lambda: _("Check again once %(number)s is granted."),
    "annual_fee_grace": lambda: _("Pay the annual fee and surcharge for %(number)s."),
    "trademark_renewal_due": lambda: _("Renew the trademark registration %(number)s."),
}


def _facts_of(asset, pledged: bool) -> AssetFacts:
    return AssetFacts(
        pk=asset.pk,
        kind=asset.kind,
        number=asset.number,
        title=asset.title,
        legal_status=asset.legal_status,
        patent_type=asset.patent_type,
        filing_date=asset.filing_date,
        valid_until=asset.valid_until,
        annual_fee_paid_through=asset.annual_fee_paid_through,
        pledged=pledged,
        holder_count=asset.holder_count,
    )


def _min_ip_share(year: int) -> Decimal | None:
    from portal.policy.selectors import PolicyYearMissing, parameter_set_for_year

    try:
        return parameter_set_for_year(year).interest_min_ip_share
    except PolicyYearMissing:
        return None


def eligibility_check(*, user, answers: Answers, today: date | None = None) -> Verdict:
    """The verdict for the enterprise ``user`` acts for, from its register (read through the scoping
    selector, so only its own assets count)."""
    organisation = user.organisation
    if organisation is None or organisation.kind != OrgKind.ENTERPRISE:
        raise ValueError("The eligibility check is for enterprises")
    today = today or localdate()
    profile = getattr(organisation, "enterprise_profile", None)
    assets = list(asset_list(user=user).filter(owner=organisation).annotate(holder_count=Count("holders")))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    return decide(
        enterprise=EnterpriseFacts(
            district=organisation.district,
            uscc=organisation.uscc or "",
            categories=tuple(profile.category_labels) if profile else (),
        ),
        assets=[_facts_of(asset, states[asset.pk]["pledged"]) for asset in assets],
        answers=answers,
        today=today,
        min_ip_share=_min_ip_share(today.year),
    )
