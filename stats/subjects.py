"""What each rollup subject counts: one SQL query per subject over the base tables (the "stage").

The stage yields one row per counted thing (a disbursed loan, a ledger movement, a completed registration,
a whitelist entry delivered to a bank, a subsidy or compensation event) with:

- ``id``: the base row, for drill-down (a loan, registration, whitelist entry, application or claim);
- ``d``: the Beijing date that decides the period (absent for "as of now" subjects);
- the five dimensions (``district``, ``park_id``, ``bank_id``, ``ip_kind``, ``industry``), never NULL:
  '' or 0 means "none recorded";
- breakdown columns (``brk_*``), and for loans the first-loan flags that count distinct borrowers;
- measures ``c1``..``c5`` (counts, 0/1 per row) and ``a1``..``a4`` (yuan).

The rollup (``stats.rollup``) groups the stage by period and grain; the live computation groups the same
stage with the filters in a WHERE clause. One query, two uses: the figures cannot drift apart.

Dimensions, for every subject where they apply:
- district, park, industry: the enterprise's, as registered now (Organisation.district,
  EnterpriseProfile.park / industry);
- bank: the lending (or pledgee, or receiving) bank's head office;
- IP kind: for loans, the kind of the loan's first linked pledge registration (lowest id); for
  registrations, the registration's own.
"""

from dataclasses import dataclass, field

from django.conf import settings

from stats.dims import Dim

ALL_DIMS = frozenset(Dim)
LOAN_DIMS_TABLE = "stats_loan_dims"

NON_PERFORMING = ("substandard", "doubtful", "loss")
ACTIVE_LOANS = ("disbursed", "repaying", "overdue", "non_performing")


@dataclass(frozen=True)
class Subject:
    name: str
    kinds: tuple[str, ...]  # period kinds held: ("M", "Q", "Y") or ("N",)
    counts: tuple[str, ...]  # c-columns summed
    amounts: tuple[str, ...]  # a-columns summed
    distinct: tuple[str, ...] = ()  # c-columns counting distinct borrowers, from the first-loan flags
    dims: frozenset = ALL_DIMS
    # breakdown column -> the grains (filters) it is kept for
    breakdowns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    uses_loan_dims: bool = False

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(
            m
            for m in ("c1", "c2", "c3", "c4", "c5", "a1", "a2", "a3", "a4")
            if m in self.counts + self.amounts + self.distinct
        )

    def stage(self, vendor: str) -> str:
        return _STAGES[self.name](SQL(vendor))


class SQL:
    """The few spots where PostgreSQL and SQLite (the demo database) spell things differently."""

    def __init__(self, vendor: str):
        self.vendor = vendor

    def local_date(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST(({column} AT TIME ZONE '{settings.TIME_ZONE}') AS DATE)"
        # SQLite keeps UTC text; Beijing has had no daylight saving since 1991.
        return f"date({column}, '+8 hours')"

    def year(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
        return f"CAST(strftime('%%Y', {column}) AS INTEGER)"

    def month(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
        return f"CAST(strftime('%%m', {column}) AS INTEGER)"

    @property
    def true(self) -> str:
        return "TRUE" if self.vendor == "postgresql" else "1"


def loan_dims_sql() -> str:
    """Every loan's dimensions (and borrower), computed once per refresh into a temporary table."""
    return """
        SELECT l.id AS loan_id, o.district AS district,
               COALESCE(p.park_id, 0) AS park_id, COALESCE(b.parent_id, b.id) AS bank_id,
               COALESCE(p.industry, '') AS industry,
               COALESCE((SELECT r.ip_kind FROM loans_loan_registrations lr
                         JOIN pledges_pledgeregistration r ON r.id = lr.pledgeregistration_id
                         WHERE lr.loan_id = l.id ORDER BY r.id LIMIT 1), '') AS ip_kind
        FROM loans_loan l
        JOIN accounts_organisation o ON o.id = l.enterprise_id
        LEFT JOIN accounts_enterpriseprofile p ON p.organisation_id = l.enterprise_id
        JOIN accounts_organisation b ON b.id = l.bank_id
    """


_LOAN_DIM_COLUMNS = "d.district, d.park_id, d.bank_id, d.ip_kind, d.industry"
_ENTERPRISE_JOIN = """
    JOIN accounts_organisation o ON o.id = {ent}
    LEFT JOIN accounts_enterpriseprofile p ON p.organisation_id = {ent}
"""
_ENTERPRISE_DIM_COLUMNS = (
    "o.district, COALESCE(p.park_id, 0) AS park_id, {bank} AS bank_id, {ip} AS ip_kind, "
    + ("COALESCE(p.industry, '') AS industry")
)


# Distinct enterprises are counted as a sum, so the rollup stays one hash aggregation instead of a sort per
# grouping set (COUNT(DISTINCT) cannot be hashed): each loan carries a flag per period kind saying whether it
# is its borrower's first loan (lowest id) in that period, and the same within its bank, its IP kind, and
# both. District, park and industry are the borrower's own, so they never split a borrower; bank and IP
# kind do, hence the four variants. ``stats.rollup`` picks the flag matching each row's grain.
FIRST_VARIANTS = {"o": (), "b": ("d.bank_id",), "i": ("d.ip_kind",), "bi": ("d.bank_id", "d.ip_kind")}
FIRST_PERIODS = {"y": ("l.fy",), "q": ("l.fy", "l.fq"), "m": ("l.fy", "l.fq", "l.fm")}


def first_flag(variant: str, period: str) -> str:
    return f"first_{variant}_{period}"


def _loans(sql: SQL) -> str:
    # c1 loans disbursed, a1 amount disbursed, c2 first-time borrower (the enterprise's first disbursed
    # loan ever, earliest date then lowest id), c3 enterprises served (distinct borrowers, by the flags).
    flags = ",\n".join(
        f"CASE WHEN l.id = MIN(l.id) OVER (PARTITION BY {', '.join(('l.enterprise_id', *dims, *parts))}) "
        f"THEN 1 ELSE 0 END AS {first_flag(variant, period)}"
        for variant, dims in FIRST_VARIANTS.items()
        for period, parts in FIRST_PERIODS.items()
    )
    month = sql.month("x.disbursed_on")
    return f"""
        SELECT l.id, l.disbursed_on AS d, {_LOAN_DIM_COLUMNS},
               1 AS c1, l.disbursed_amount AS a1,
               CASE WHEN ROW_NUMBER() OVER (PARTITION BY l.enterprise_id ORDER BY l.disbursed_on, l.id) = 1
                    THEN 1 ELSE 0 END AS c2,
               {flags}
        FROM (
            SELECT x.*, {sql.year("x.disbursed_on")} AS fy, {month} AS fm, ({month} + 2) / 3 AS fq
            FROM loans_loan x WHERE x.disbursed_on IS NOT NULL
        ) l JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = l.id
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _balance(sql: SQL) -> str:
    # a1: the change in principal outstanding on day d. Disbursements add; repayments and settlement
    # amounts subtract; a write-off removes what was outstanding when it was written off.
    return f"""
        SELECT f.loan_id AS id, f.occurred_on AS d, {_LOAN_DIM_COLUMNS},
               CASE WHEN f.kind = 'disbursement' THEN f.amount ELSE -f.amount END AS a1
        FROM loans_loanfact f JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = f.loan_id
        WHERE f.kind IN ('disbursement', 'repayment', 'settlement') AND f.amount IS NOT NULL
        UNION ALL
        SELECT l.id, l.written_off_on, {_LOAN_DIM_COLUMNS}, -(l.disbursed_amount - l.principal_repaid)
        FROM loans_loan l JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = l.id
        WHERE l.status = 'written_off' AND l.written_off_on IS NOT NULL
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _npl(sql: SQL) -> str:
    # As of the refresh: c1 loans outstanding, a1 their principal outstanding; c2 and a2 the same for the
    # non-performing ones (substandard, doubtful, loss).
    npl = "l.classification IN ('substandard', 'doubtful', 'loss')"
    return f"""
        SELECT l.id, {_LOAN_DIM_COLUMNS},
               1 AS c1, l.disbursed_amount - l.principal_repaid AS a1,
               CASE WHEN {npl} THEN 1 ELSE 0 END AS c2,
               CASE WHEN {npl} THEN l.disbursed_amount - l.principal_repaid ELSE 0 END AS a2
        FROM loans_loan l JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = l.id
        WHERE l.status IN ('disbursed', 'repaying', 'overdue', 'non_performing')
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _registrations(sql: SQL) -> str:
    # Pledge registrations completed (registered or refused) on day d. c1 completed, c4 of them with a
    # service deadline, c2 of those completed on or before it, c3 registered, a1 debt secured by them.
    # Breakdowns: the channel, the commissioner, and the commissioner's registration office.
    return f"""
        SELECT r.id, r.completed_on AS d,
               {
        _ENTERPRISE_DIM_COLUMNS.format(
            bank="CASE WHEN b.kind = 'bank' THEN COALESCE(b.parent_id, b.id) ELSE 0 END", ip="r.ip_kind"
        )
    },
               r.channel AS brk_channel,
               COALESCE(co.office_id, 0) AS brk_office,
               COALESCE(r.commissioner_id, 0) AS brk_commissioner,
               1 AS c1,
               CASE WHEN r.due_date IS NOT NULL AND r.completed_on <= r.due_date THEN 1 ELSE 0 END AS c2,
               CASE WHEN r.status <> 'refused' AND r.registered_on IS NOT NULL THEN 1 ELSE 0 END AS c3,
               CASE WHEN r.due_date IS NOT NULL THEN 1 ELSE 0 END AS c4,
               CASE WHEN r.status <> 'refused' AND r.registered_on IS NOT NULL
                    THEN r.debt_amount ELSE 0 END AS a1
        FROM pledges_pledgeregistration r
        {_ENTERPRISE_JOIN.format(ent="r.pledgor_id")}
        JOIN accounts_organisation b ON b.id = r.pledgee_id
        LEFT JOIN (
            SELECT m.user_id, MIN(m.organisation_id) AS office_id
            FROM accounts_membership m JOIN accounts_organisation x ON x.id = m.organisation_id
            WHERE x.kind = 'registration_office' AND m.role = 'commissioner'
            GROUP BY m.user_id
        ) co ON co.user_id = r.commissioner_id
        WHERE r.kind = 'pledge' AND r.completed_on IS NOT NULL
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _whitelist(sql: SQL) -> str:
    # One row per published entry and receiving bank (head office), dated by the batch's publication.
    # c1 pushed, c2 answered, c3 answered by the feedback due date, c4 credit granted (or a loan),
    # c5 loan disbursed.
    def answered(extra: str = "") -> str:
        return f"""CASE WHEN EXISTS (
                SELECT 1 FROM whitelist_feedback f JOIN accounts_organisation fb ON fb.id = f.bank_id
                WHERE f.entry_id = e.id AND COALESCE(fb.parent_id, fb.id) = dl.bank_id {extra}
            ) THEN 1 ELSE 0 END"""  # nosec B608 # SQL assembled from this module's constants; filter values are bound

    return f"""
        SELECT e.id, {sql.local_date("bt.published_at")} AS d,
               {_ENTERPRISE_DIM_COLUMNS.format(bank="dl.bank_id", ip="''")},
               1 AS c1,
               {answered()} AS c2,
               {answered("AND " + sql.local_date("f.reported_at") + " <= bt.feedback_due_on")} AS c3,
               {answered("AND f.kind IN ('credit_granted', 'loan_disbursed')")} AS c4,
               {answered("AND f.kind = 'loan_disbursed'")} AS c5
        FROM whitelist_batchentry e
        JOIN whitelist_batch bt ON bt.id = e.batch_id
        JOIN whitelist_delivery dl ON dl.batch_id = bt.id
        {_ENTERPRISE_JOIN.format(ent="e.enterprise_id")}
        WHERE e.published = {sql.true} AND bt.published_at IS NOT NULL
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _subsidies(sql: SQL) -> str:
    # Three dated events per application and the batches' budgets: c1/a1 submitted (the calculated
    # subsidy), c2/a2 approved (the approved amount, on the second reviewer's decision), c3/a3 paid (on
    # the payment list's payment date), a4 the budget of batches opening in the period (whole city only).
    dims = _ENTERPRISE_DIM_COLUMNS.format(bank="0", ip="''")
    join = _ENTERPRISE_JOIN.format(ent="a.enterprise_id")
    approved = "('approved', 'publicity', 'publicised', 'payment_listed', 'paid')"
    return f"""
        SELECT a.id, {sql.local_date("a.submitted_at")} AS d, {dims},
               1 AS c1, a.calculated AS a1, 0 AS c2, 0 AS a2, 0 AS c3, 0 AS a3, 0 AS a4
        FROM subsidies_application a {join}
        WHERE a.submitted_at IS NOT NULL
        UNION ALL
        SELECT a.id, {sql.local_date("a.decided_at")}, {dims}, 0, 0, 1, a.approved_amount, 0, 0, 0
        FROM subsidies_application a {join}
        WHERE a.status IN {approved} AND a.approved_amount IS NOT NULL AND a.decided_at IS NOT NULL
        UNION ALL
        SELECT a.id, pl.paid_on, {dims}, 0, 0, 0, 0, 1, a.approved_amount, 0
        FROM subsidies_application a {join}
        JOIN subsidies_paymentlist pl ON pl.id = a.payment_id
        WHERE a.status = 'paid' AND pl.paid_on IS NOT NULL
        UNION ALL
        SELECT 0, bt.opens_on, '', 0, 0, '', '', 0, 0, 0, 0, 0, 0, bt.budget
        FROM subsidies_batch bt WHERE bt.status <> 'draft'
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _riskcomp(sql: SQL) -> str:
    # c1/a1 claims submitted (the compensation calculated), c2/a2 claims paid (the approved compensation,
    # on its payment date), a3 recoveries received after payment, a4 the fund's share of them.
    return f"""
        SELECT c.id, {sql.local_date("c.submitted_at")} AS d, {_LOAN_DIM_COLUMNS},
               1 AS c1, c.total AS a1, 0 AS c2, 0 AS a2, 0 AS a3, 0 AS a4
        FROM riskcomp_claim c JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = c.loan_id
        WHERE c.submitted_at IS NOT NULL
        UNION ALL
        SELECT c.id, c.paid_on, {_LOAN_DIM_COLUMNS}, 0, 0, 1, COALESCE(c.approved_total, 0), 0, 0
        FROM riskcomp_claim c JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = c.loan_id
        WHERE c.paid_on IS NOT NULL
        UNION ALL
        SELECT c.id, rc.received_on, {_LOAN_DIM_COLUMNS}, 0, 0, 0, 0, rc.amount, rc.fund_share
        FROM riskcomp_recovery rc JOIN riskcomp_claim c ON c.id = rc.claim_id
        JOIN {LOAN_DIMS_TABLE} d ON d.loan_id = c.loan_id
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


def _satisfaction(sql: SQL) -> str:
    # One row per rated case, its current rating (a re-rating after a rectification replaces the first),
    # dated by that rating. c1 ratings, c2 satisfied (4 or 5 points), c3 bad (1 or 2 points). The bank is
    # the bank that served the case (loan applications) or that was served (compensation claims).
    # District, park and industry are those of the enterprise the case is about: the rater, except for a
    # compensation claim, which its bank rates and which is about the borrower. The bank's own seat would put
    # another district's case into a district administration's figures (security.md check 5).
    bank = (
        "CASE WHEN ro.kind = 'bank' THEN COALESCE(ro.parent_id, ro.id) "
        "WHEN ra.kind = 'bank' THEN COALESCE(ra.parent_id, ra.id) ELSE 0 END"
    )
    return f"""
        SELECT i.id, {sql.local_date("r.submitted_at")} AS d,
               {_ENTERPRISE_DIM_COLUMNS.format(bank=bank, ip="''")},
               1 AS c1,
               CASE WHEN r.score >= 4 THEN 1 ELSE 0 END AS c2,
               CASE WHEN r.score <= 2 THEN 1 ELSE 0 END AS c3
        FROM ratings_rating r
        JOIN ratings_invitation i ON i.id = r.invitation_id
        JOIN accounts_organisation ro ON ro.id = i.responsible_org_id
        JOIN accounts_organisation ra ON ra.id = i.rater_org_id
        LEFT JOIN riskcomp_claim cc ON i.subject_kind = 'compensation' AND cc.id = i.subject_id
        LEFT JOIN loans_loan cl ON cl.id = cc.loan_id
        {_ENTERPRISE_JOIN.format(ent="COALESCE(cl.enterprise_id, i.rater_org_id)")}
        WHERE r.is_current = {sql.true}
    """  # nosec B608 # SQL assembled from this module's constants; filter values are bound


_STAGES = {
    "loans": _loans,
    "balance": _balance,
    "npl": _npl,
    "registrations": _registrations,
    "whitelist": _whitelist,
    "subsidies": _subsidies,
    "riskcomp": _riskcomp,
    "satisfaction": _satisfaction,
}

SUBJECTS: dict[str, Subject] = {
    s.name: s
    for s in (
        Subject("loans", ("M", "Q", "Y"), ("c1", "c2"), ("a1",), distinct=("c3",), uses_loan_dims=True),
        Subject("balance", ("M",), (), ("a1",), uses_loan_dims=True),
        Subject("npl", ("N",), ("c1", "c2"), ("a1", "a2"), uses_loan_dims=True),
        Subject(
            "registrations",
            ("M", "Q", "Y"),
            ("c1", "c2", "c3", "c4"),
            ("a1",),
            # City-wide only: by channel, office and commissioner (by IP kind comes from the IP-kind cut).
            breakdowns={"brk_channel": (0,), "brk_office": (0,), "brk_commissioner": (0,)},
        ),
        Subject(
            "whitelist",
            ("M", "Q", "Y"),
            ("c1", "c2", "c3", "c4", "c5"),
            (),
            dims=ALL_DIMS - {Dim.IP_KIND},
        ),
        Subject(
            "subsidies",
            ("M", "Q", "Y"),
            ("c1", "c2", "c3"),
            ("a1", "a2", "a3", "a4"),
            dims=ALL_DIMS - {Dim.IP_KIND, Dim.BANK},
        ),
        Subject("riskcomp", ("M", "Q", "Y"), ("c1", "c2"), ("a1", "a2", "a3", "a4"), uses_loan_dims=True),
        Subject("satisfaction", ("M", "Q", "Y"), ("c1", "c2", "c3"), (), dims=ALL_DIMS - {Dim.IP_KIND}),
    )
}
