"""The enterprise IP profile (issue 5, seed §3: "an analysis tool with IP as the core indicator").

For one enterprise: its IP portfolio by type with remaining terms, legal status and annual-fee standing,
its pledge history and current pledges, its indicators and the rules it met in the latest screening, and
a score whose formula is shown next to it (``SCORE_PARTS``: points per item, capped per part; the parts'
caps add up to 100). A serious dishonesty record withholds the score.

Who may see it (``profile_visible``): the enterprise itself; IP bureau whitelist staff and the
joint-meeting office; a bank's users when the enterprise is on a published, unexpired whitelist batch or
has consented to sharing its whitelist data. Anyone else gets a 404.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models import IpAsset, LegalStatus, PledgeRegistration, RegistrationKind, Status
from pledges.selectors import asset_pledge_states
from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.audit.scope import OutOfScope
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from whitelist.models import BatchEntry, Candidate, ConsentStatus, EnterpriseIndicator, RunStatus
from whitelist.permissions import is_whitelist_staff
from whitelist.services import INVENTIONS, UTILITY_MODELS, VALID_STATUSES

# Patent terms from the filing date (domain.md §2.1 table): invention 20 years, utility model 10, design
# 15 (10 for designs filed before the 2021 amendment took effect on 2021-06-01).
TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 15}
DESIGN_15_YEARS_FROM = date(2021, 6, 1)
RATING_POINTS = {"AAA": 14, "AA": 12, "A": 10, "BBB": 6, "BB": 3, "B": 0, "C": 0}


@dataclass(frozen=True)
class ScorePart:
    key: str
    label: str
    rule: str  # the formula in words, shown next to the points
    cap: int


SCORE_PARTS = (
    ScorePart("invention", _("Valid invention patents"), _("10 points each"), 40),
    ScorePart("utility", _("Valid utility models"), _("3 points each"), 12),
    ScorePart("design", _("Valid designs"), _("1 point each"), 4),
    ScorePart("trademarks", _("Registered trademarks"), _("2 points each"), 10),
    ScorePart(
        "term",
        _("Remaining patent term"),
        _("1 point per year of the valid patents' average remaining term"),
        10,
    ),
    ScorePart("rating", _("Credit rating"), _("AAA 14, AA 12, A 10, BBB 6, BB 3, lower 0"), 14),
    ScorePart("rd", _("R&D spending"), _("1 point per percent of revenue"), 10),
)


@dataclass
class Asset:
    asset: IpAsset
    expires_on: date | None
    remaining_years: Decimal | None
    valid: bool
    fee_in_grace: bool
    pledged: bool
    pledgee: Organisation | None


@dataclass
class Profile:
    enterprise: Organisation
    assets: list[Asset]
    counts: dict[str, int]
    pledges: list[PledgeRegistration]
    indicator: EnterpriseIndicator | None
    candidate: Candidate | None
    consented: bool
    whitelisted_until: date | None
    score_rows: list[dict] = field(default_factory=list)
    score: int | None = None
    score_withheld: bool = False


def _patent_kind(patent_type: str) -> str:
    if patent_type in INVENTIONS:
        return "invention"
    if patent_type in UTILITY_MODELS:
        return "utility_model"
    return "design" if patent_type == PatentType.DESIGN else ""


def _expiry(asset: IpAsset) -> date | None:
    if asset.kind != IpKind.PATENT:
        return asset.valid_until
    kind = _patent_kind(asset.patent_type)
    if not kind or asset.filing_date is None:
        return None
    years = TERM_YEARS[kind]
    if kind == "design" and asset.filing_date < DESIGN_15_YEARS_FROM:
        years = 10
    try:
        return asset.filing_date.replace(year=asset.filing_date.year + years)
    except ValueError:  # 29 February
        return asset.filing_date.replace(year=asset.filing_date.year + years, day=28)


def _years(days: int) -> Decimal:
    return (Decimal(days) / Decimal("365.25")).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def whitelisted_until(enterprise: Organisation, today: date) -> date | None:
    """The latest validity date of a published batch the enterprise went out in, if still valid."""
    return (
        BatchEntry.objects.filter(enterprise=enterprise, published=True, batch__valid_until__gte=today)
        .order_by("-batch__valid_until")
        .values_list("batch__valid_until", flat=True)
        .first()
    )


def profile_scope(user: User) -> QuerySet[Organisation]:
    """The active enterprises whose IP profile ``user`` may open: ``profile_visible`` as a queryset, for
    searching (tests/portal/test_search.py holds the two to the same answer for every persona)."""
    enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return enterprises.none()
    if is_whitelist_staff(user) or (
        organisation.kind == OrgKind.JOINT_OFFICE and user.role == Role.JOINT_OFFICE_VIEWER
    ):
        return enterprises
    own = Q(pk=organisation.pk)
    if organisation.kind == OrgKind.BANK:
        whitelisted = BatchEntry.objects.filter(
            enterprise=OuterRef("pk"), published=True, batch__valid_until__gte=timezone.localdate()
        )
        return enterprises.filter(
            own | Q(whitelist_consent__status=ConsentStatus.GRANTED) | Exists(whitelisted)
        )
    return enterprises.filter(own)


def profile_visible(user: User, enterprise: Organisation, *, today: date | None = None) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None or enterprise.kind != OrgKind.ENTERPRISE:
        return False
    if organisation.pk == enterprise.pk or is_whitelist_staff(user):
        return True
    if organisation.kind == OrgKind.JOINT_OFFICE and user.role == Role.JOINT_OFFICE_VIEWER:
        return True
    if organisation.kind == OrgKind.BANK:
        consented = (
            getattr(getattr(enterprise, "whitelist_consent", None), "status", "") == ConsentStatus.GRANTED
        )
        return consented or whitelisted_until(enterprise, today or timezone.localdate()) is not None
    return False


def enterprise_profile(enterprise: Organisation, *, today: date | None = None) -> Profile:
    today = today or timezone.localdate()
    assets = list(IpAsset.objects.filter(owner=enterprise).order_by("kind", "number"))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    rows = []
    for asset in assets:
        expires = _expiry(asset)
        valid = asset.legal_status in VALID_STATUSES and (expires is None or expires >= today)
        rows.append(
            Asset(
                asset=asset,
                expires_on=expires,
                remaining_years=_years((expires - today).days) if expires and valid else None,
                valid=valid,
                fee_in_grace=asset.legal_status == LegalStatus.FEE_GRACE,
                pledged=states[asset.pk]["pledged"],
                pledgee=states[asset.pk]["pledgee"],
            )
        )
    valid_rows = [row for row in rows if row.valid]
    counts = {
        "invention": sum(
            1 for r in valid_rows if r.asset.kind == IpKind.PATENT and r.asset.patent_type in INVENTIONS
        ),
        "utility": sum(
            1 for r in valid_rows if r.asset.kind == IpKind.PATENT and r.asset.patent_type in UTILITY_MODELS
        ),
        "design": sum(
            1
            for r in valid_rows
            if r.asset.kind == IpKind.PATENT and r.asset.patent_type == PatentType.DESIGN
        ),
        "trademarks": sum(1 for r in valid_rows if r.asset.kind == IpKind.TRADEMARK),
        "copyrights": sum(1 for r in valid_rows if r.asset.kind == IpKind.COPYRIGHT),
        "data_ip": sum(1 for r in valid_rows if r.asset.kind == IpKind.DATA_IP),
    }
    pledges = list(
        PledgeRegistration.objects.filter(pledgor=enterprise, kind=RegistrationKind.PLEDGE)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .select_related("pledgee")
        .order_by("-registered_on", "-pk")
    )
    indicator = EnterpriseIndicator.objects.filter(enterprise=enterprise).first()
    candidate = (
        Candidate.objects.filter(enterprise=enterprise, run__status=RunStatus.DONE)
        .select_related("run__rule_set")
        .order_by("-run__finished_at", "-run_id")
        .first()
    )
    consent = getattr(enterprise, "whitelist_consent", None)
    profile = Profile(
        enterprise=enterprise,
        assets=rows,
        counts=counts,
        pledges=pledges,
        indicator=indicator,
        candidate=candidate,
        consented=consent is not None and consent.status == ConsentStatus.GRANTED,
        whitelisted_until=whitelisted_until(enterprise, today),
    )
    _score(profile, valid_rows)
    return profile


def _score(profile: Profile, valid_rows: list[Asset]) -> None:
    indicator = profile.indicator
    patent_terms = [
        r.remaining_years
        for r in valid_rows
        if r.asset.kind == IpKind.PATENT and r.remaining_years is not None
    ]
    average_term = sum(patent_terms) / len(patent_terms) if patent_terms else Decimal(0)
    raw = {
        "invention": 10 * profile.counts["invention"],
        "utility": 3 * profile.counts["utility"],
        "design": profile.counts["design"],
        "trademarks": 2 * profile.counts["trademarks"],
        "term": int(average_term),
        "rating": RATING_POINTS.get(indicator.credit_rating, 0)
        if indicator and indicator.credit_rating
        else 0,
        "rd": int(indicator.rd_ratio_pct) if indicator and indicator.rd_ratio_pct is not None else 0,
    }
    profile.score_rows = [
        {"part": part, "raw": raw[part.key], "points": min(raw[part.key], part.cap)} for part in SCORE_PARTS
    ]
    profile.score_withheld = bool(indicator and indicator.serious_dishonesty)
    profile.score = None if profile.score_withheld else sum(row["points"] for row in profile.score_rows)


def enterprise_for_profile(*, user: User, uscc: str) -> Organisation:
    """The enterprise with that credit code if ``user`` may see its profile; else a 404, audited as a
    denial when the enterprise exists (portal.audit.scope)."""
    enterprise = (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
        .filter(Q(uscc=uscc.strip().upper()))
        .select_related("whitelist_consent", "enterprise_profile")
        .first()
    )
    if enterprise is None:
        raise Http404
    if not profile_visible(user, enterprise):
        raise OutOfScope(Organisation, enterprise.pk)
    return enterprise
