"""The indicators the joint-meeting office reads, each with its written definition (口径).

An indicator names the subject it is computed from (``stats.subjects``), how its value comes out of the
subject's measures, and the definition shown one click away from every figure: what is counted, which date
decides the period, which statuses are included, and where the data comes from.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

COUNT, YUAN, PERCENT = "count", "yuan", "percent"


@dataclass(frozen=True)
class Indicator:
    slug: str
    section: str
    label: str
    subject: str
    unit: str
    # How the value is read: ("sum", column), ("ratio", numerator, denominator) as a percentage,
    # ("balance",) the principal outstanding at the period's end, ("yoy",) its growth on a year before.
    value: tuple
    counted: str
    date: str
    statuses: str
    source: str
    drill: str = ""  # the stage column that picks the cases behind the figure (rows where it is > 0)
    whole_city_only: bool = False  # no cut applies (a budget is not split by district)
    now: bool = False  # as of the refresh, whatever the period


LENDING = _("Lending")
REGISTRATION = _("Pledge registration")
WHITELIST = _("Whitelist")
SUBSIDY = _("Interest and fee subsidies")
COMPENSATION = _("Risk compensation")
QUALITY = _("Loan quality")
SATISFACTION = _("Satisfaction")

_LOAN_DATE = _("The disbursement date (the loan's first disbursement), in Beijing time.")
_LOAN_SOURCE = _("Loan facts reported by the banks (portal, API or file upload).")
_DIMS_LOANS = _(
    "District, park and industry are the borrower's as registered now; bank is the lending bank's head "
    "office; IP kind is that of the loan's first linked pledge registration (none if not yet linked)."
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "loans_disbursed",
        LENDING,
        _("Loans disbursed"),
        "loans",
        COUNT,
        ("sum", "c1"),
        counted=_("IP pledge loans with a first disbursement in the period, one per loan contract."),
        date=_LOAN_DATE,
        statuses=_(
            "Every loan once disbursed, whatever its status now (repaying, settled, overdue, non-performing, "
            "written off). Contracts never disbursed and cancelled loans are not counted."
        ),
        source=_LOAN_SOURCE,
        drill="c1",
    ),
    Indicator(
        "amount_disbursed",
        LENDING,
        _("Amount disbursed"),
        "loans",
        YUAN,
        ("sum", "a1"),
        counted=_("The amount disbursed on those loans (all their disbursements), in yuan."),
        date=_LOAN_DATE,
        statuses=_("As for loans disbursed."),
        source=_LOAN_SOURCE,
        drill="c1",
    ),
    Indicator(
        "first_time_borrowers",
        LENDING,
        _("First-time borrowers (首贷)"),
        "loans",
        COUNT,
        ("sum", "c2"),
        counted=_(
            "Enterprises whose first IP pledge loan recorded on the portal, with any bank, was disbursed in "
            "the period. The earliest disbursement date decides; on the same day, the loan entered first."
        ),
        date=_LOAN_DATE,
        statuses=_("As for loans disbursed."),
        source=_LOAN_SOURCE,
        drill="c2",
    ),
    Indicator(
        "enterprises_served",
        LENDING,
        _("Enterprises served"),
        "loans",
        COUNT,
        ("sum", "c3"),
        counted=_(
            "Different enterprises with at least one loan disbursed in the period; an enterprise with "
            "several loans counts once (within each bank, district or other cut as well)."
        ),
        date=_LOAN_DATE,
        statuses=_("As for loans disbursed."),
        source=_LOAN_SOURCE,
        drill="c1",  # the loans disbursed to them
    ),
    Indicator(
        "balance",
        LENDING,
        _("Outstanding balance"),
        "balance",
        YUAN,
        ("balance",),
        counted=_(
            "Principal outstanding at the end of the period (or now, for the current period): all "
            "disbursements up to that day, less principal repayments and settlements, less what was "
            "outstanding on loans written off by then."
        ),
        date=_("The date of each disbursement, repayment, settlement or write-off reported by the bank."),
        statuses=_("All loans; settled and written-off loans contribute nothing after they close."),
        source=_("The loan facts ledger (every disbursement and repayment the banks reported)."),
    ),
    Indicator(
        "balance_growth",
        LENDING,
        _("Balance growth on a year before"),
        "balance",
        PERCENT,
        ("yoy",),
        counted=_(
            "The outstanding balance at the end of the period against the balance at the same point a year "
            "before, as a percentage change. Shown as '-' when the balance a year before was zero."
        ),
        date=_("As for the outstanding balance."),
        statuses=_("As for the outstanding balance."),
        source=_("The loan facts ledger."),
    ),
    Indicator(
        "registrations_completed",
        REGISTRATION,
        _("Pledge registrations completed"),
        "registrations",
        COUNT,
        ("sum", "c1"),
        counted=_("Pledge registrations (not changes or cancellations) decided in the period."),
        date=_("The completion date: the day the office registered or refused the pledge."),
        statuses=_("Registered (including those later changed or cancelled) and refused."),
        source=_("Pledge registrations handled on the portal."),
        drill="c1",
    ),
    Indicator(
        "registrations_on_time",
        REGISTRATION,
        _("Registrations on time"),
        "registrations",
        PERCENT,
        ("ratio", "c2", "c4"),
        counted=_(
            "Of the registrations completed in the period with a service deadline, the share completed on "
            "or before it. The deadline is 1 working day online and 3 at the window from acceptance, on the "
            "working-day calendar with its makeup days; a cured correction restarts the clock."
        ),
        date=_("The completion date."),
        statuses=_("Registered and refused; cases with no deadline (history entered by staff) are left out."),
        source=_("The registration's due date as set by the service clock."),
        drill="c4",
    ),
    Indicator(
        "registered_amount",
        REGISTRATION,
        _("Debt secured by registered pledges"),
        "registrations",
        YUAN,
        ("sum", "a1"),
        counted=_("The secured debt of the pledges registered in the period, in yuan."),
        date=_("The completion date."),
        statuses=_("Registered only."),
        source=_("Pledge registrations handled on the portal."),
        drill="c3",
    ),
    Indicator(
        "whitelist_pushed",
        WHITELIST,
        _("Whitelist enterprises pushed to banks"),
        "whitelist",
        COUNT,
        ("sum", "c1"),
        counted=_("Each published whitelist entry once per bank head office it was delivered to."),
        date=_("The publication date of the batch."),
        statuses=_("Published entries of published batches."),
        source=_("Whitelist batches and their deliveries."),
        drill="c1",
    ),
    Indicator(
        "whitelist_feedback_on_time",
        WHITELIST,
        _("Whitelist feedback on time"),
        "whitelist",
        PERCENT,
        ("ratio", "c3", "c1"),
        counted=_(
            "Of the entries pushed, the share the bank answered (any feedback) on or before the batch's "
            "feedback due date."
        ),
        date=_("The publication date of the batch."),
        statuses=_("Published entries of published batches."),
        source=_("Banks' whitelist feedback (portal or API)."),
        drill="c3",
    ),
    Indicator(
        "whitelist_conversion",
        WHITELIST,
        _("Whitelist conversion to credit"),
        "whitelist",
        PERCENT,
        ("ratio", "c4", "c1"),
        counted=_("Of the entries pushed, the share where the bank reported credit granted or a loan."),
        date=_("The publication date of the batch."),
        statuses=_("Published entries of published batches; feedback reported up to the refresh."),
        source=_("Banks' whitelist feedback (portal or API)."),
        drill="c4",
    ),
    Indicator(
        "subsidies_applied",
        SUBSIDY,
        _("Subsidy applied for"),
        "subsidies",
        YUAN,
        ("sum", "a1"),
        counted=_("The calculated subsidy of applications submitted in the period, in yuan."),
        date=_("The submission date."),
        statuses=_("Every submitted application, whatever happened to it later."),
        source=_("Interest and fee subsidy applications."),
        drill="c1",
    ),
    Indicator(
        "subsidies_approved",
        SUBSIDY,
        _("Subsidy approved"),
        "subsidies",
        YUAN,
        ("sum", "a2"),
        counted=_("The approved amount of applications approved by the second reviewer in the period."),
        date=_("The date of the second reviewer's decision."),
        statuses=_("Approved, on public notice, publicised, on a payment list or paid."),
        source=_("Interest and fee subsidy applications."),
        drill="c2",
    ),
    Indicator(
        "subsidies_paid",
        SUBSIDY,
        _("Subsidy paid"),
        "subsidies",
        YUAN,
        ("sum", "a3"),
        counted=_("The approved amount of applications paid in the period."),
        date=_("The payment date of the payment list."),
        statuses=_("Paid."),
        source=_("Payment lists confirmed by the finance bureau."),
        drill="c3",
    ),
    Indicator(
        "subsidy_budget",
        SUBSIDY,
        _("Subsidy budget"),
        "subsidies",
        YUAN,
        ("sum", "a4"),
        counted=_("The budget of subsidy batches opening in the period (not split by district or park)."),
        date=_("The date the batch opens for applications."),
        statuses=_("Published and archived batches."),
        source=_("Subsidy batches and the finance bureau's allocations."),
        whole_city_only=True,
    ),
    Indicator(
        "compensation_claimed",
        COMPENSATION,
        _("Compensation claimed"),
        "riskcomp",
        YUAN,
        ("sum", "a1"),
        counted=_("The compensation calculated on claims submitted in the period, in yuan."),
        date=_("The submission date."),
        statuses=_("Every submitted claim, whatever happened to it later."),
        source=_("Risk compensation claims."),
        drill="c1",
    ),
    Indicator(
        "compensation_paid",
        COMPENSATION,
        _("Compensation paid"),
        "riskcomp",
        YUAN,
        ("sum", "a2"),
        counted=_("The approved compensation of claims paid in the period."),
        date=_("The payment date."),
        statuses=_("Paid."),
        source=_("Risk compensation claims."),
        drill="c2",
    ),
    Indicator(
        "compensation_recovered",
        COMPENSATION,
        _("Recovered after compensation"),
        "riskcomp",
        YUAN,
        ("sum", "a3"),
        counted=_("Recoveries received in the period on claims (disposal proceeds, repayments, other)."),
        date=_("The date the recovery was received."),
        statuses=_("Every recovery reported."),
        source=_("Recoveries and clawbacks on risk compensation claims."),
        drill="a3",  # the claims with a recovery in the period
    ),
    Indicator(
        "npl_ratio",
        QUALITY,
        _("IP-loan NPL ratio"),
        "npl",
        PERCENT,
        ("ratio", "a2", "a1"),
        counted=_(
            "Principal outstanding on non-performing loans (substandard, doubtful, loss) over all principal "
            "outstanding, as of the refresh. Per bank it is compared with the bank's overall NPL ratio: up "
            "to 3 percentage points above it is tolerated (domain.md §2.10)."
        ),
        date=_("As of the refresh; the period does not apply."),
        statuses=_("Loans disbursed, repaying, overdue or non-performing."),
        source=_("Loan facts (classification) and the banks' reported overall NPL ratios."),
        drill="c2",  # the non-performing loans
        now=True,
    ),
)

_RATING_DATE = _(
    "The date of the case's current rating: a case rated again after a rectification counts once, with its "
    "new rating, on the new date."
)
_RATING_STATUSES = _(
    "Closed registrations (registered or refused), loan applications (accepted or declined), subsidy "
    "applications (paid or rejected) and compensation claims (paid or rejected) that were rated; cases "
    "withdrawn by their applicant are not rated."
)
_RATING_SOURCE = _(
    "Ratings (好差评) given on the portal. District, park and industry are the rater's (the enterprise's; "
    "for compensation claims, the claimant bank's); bank is the bank that handled the case."
)
INDICATORS += (
    Indicator(
        "satisfaction_rate",
        SATISFACTION,
        _("Satisfaction rate"),
        "satisfaction",
        PERCENT,
        ("ratio", "c2", "c1"),
        counted=_(
            "Of the cases rated in the period, the share rated 4 or 5 points (satisfied or very satisfied)."
        ),
        date=_RATING_DATE,
        statuses=_RATING_STATUSES,
        source=_RATING_SOURCE,
        drill="c1",
    ),
    Indicator(
        "ratings_received",
        SATISFACTION,
        _("Cases rated"),
        "satisfaction",
        COUNT,
        ("sum", "c1"),
        counted=_("Cases rated by the party served, one per case."),
        date=_RATING_DATE,
        statuses=_RATING_STATUSES,
        source=_RATING_SOURCE,
        drill="c1",
    ),
    Indicator(
        "bad_ratings",
        SATISFACTION,
        _("Bad ratings"),
        "satisfaction",
        COUNT,
        ("sum", "c3"),
        counted=_(
            "Cases whose current rating is 1 or 2 points; each opened a callback and a rectification for "
            "the office or bank responsible."
        ),
        date=_RATING_DATE,
        statuses=_RATING_STATUSES,
        source=_RATING_SOURCE,
        drill="c3",
    ),
)

BY_SLUG = {indicator.slug: indicator for indicator in INDICATORS}
SECTIONS = list(dict.fromkeys(indicator.section for indicator in INDICATORS))
