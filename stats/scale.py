"""Large, realistic and deterministic data for the statistics benchmark (``manage.py seed_scale``).

A million loans and a million pledge registrations are built in a few minutes on a 2-core box by
set-based SQL on PostgreSQL: every large table is filled by one ``INSERT ... SELECT`` over
``generate_series``, never by Python rows, so memory stays flat whatever the size. "Random" values are
``hashint8extended(n, salt)`` of the row's series number (see ``_rnd``): the same arguments always give
the same rows, and each attribute has its own salt so attributes do not move together. A row's values
are derived step by step in ``CROSS JOIN LATERAL (SELECT ... OFFSET 0)`` subqueries: the ``OFFSET 0``
keeps each step a plan node of its own; without it the planner inlines every step into the next, each
reference copying the whole expression, and the copies multiply step after step until planning never ends.
Big loads go in without the tables' secondary indexes and foreign-key triggers (rebuilt, respectively
checked set-wise, before the single transaction commits).

Everything created is recognisable, so a later run can refuse or replace it: organisation and park names
start with ``SC·``, usernames with ``sc_scale_``, loan references with ``SCL``, registration references
with ``SCR`` and enterprise credit codes carry ``MK`` in positions 9-10.

Distributions (``today`` is the Beijing date unless given):

- Organisations: 30 bank head offices, each with 2 branches (a loan is booked at the head 30% of the
  time, at a branch 70%; the bigger banks lend more); 3 registration offices with 40 commissioners
  between them; ``max(200, loans // 20)`` enterprises, by district Haidian 35%, Chaoyang 15%, Changping
  8%, Daxing 6%, the other twelve 1-5% each; 70% sit in a park of their own district; industries spread
  over the high-end groups. When the database holds fewer than 20 parks, one ``SC·`` park per district is
  added. One system user creates every row and reports every fact.
- Loans: contracts signed over the 36 months before ``today``, 50% more per day at the end than at
  the start, loan ids in signing order; disbursed 25-45 days after signing, 3% of them moved to the last
  day of their month; 15% in two tranches (60% then the rest 7-36 days later). Principal 0.5-30 million
  yuan (skewed to the small end, median about 7 million), 2.80-6.50% a year, 6-36 months (mostly 12).
  A loan's story follows from its dates: 35% are bullet loans (no principal before settlement), the rest
  repay 10-25% of the principal at 1/4, 2/4 and 3/4 of their life; 35% settle early, the rest at
  maturity; settled once that day has passed, else repaying (or disbursed, before a first repayment).
  About 3% are overdue now (1-90 days), 4% non-performing and 1% written off (seasoned loans only:
  overdue 90-180 days, then classified substandard, doubtful or loss, then possibly written off); 2.5%
  were cancelled before disbursement and recent contracts may still await it (about 7% undisbursed).
- Facts: the ledger behind each loan, exactly what ``loans.calculations.apply_fact`` replays into the
  stored figures: disbursements, 0-3 repayments, the overdue report, the classification, the settlement
  (carrying the principal still outstanding) or the write-off. About 3.3 per disbursed loan, never dated
  in the future nor before the disbursement; fact ids follow each loan's own order of events.
- Registrations: one per disbursed loan (same enterprise as pledgor, the lending office as pledgee,
  the loan's principal, contract date and maturity as the debt; registered before the disbursement),
  while there are registrations to give; the rest are standalone. IP kinds: patent 60%, trademark 20%,
  copyright 10%, data IP 10%; online 60%, window 40%. Service time as the policy table has it: 1 working
  day online, 3 at the window, copyright 10 calendar days rolled off a weekend (weekdays approximate
  working days here; no holidays). Of all registrations 85% registered, 5% refused, 10% open (accepted or
  under review, the clock started today or up to 3 working days ago): open and refused cases are taken
  from the standalone ones (a disbursed loan's pledge is registered), so when there are fewer of those,
  all of them are open or refused (2:1) and the registered share is larger (1M loans and 1M
  registrations: about 93% registered, 4.6% open, 2.3% refused).
  About 6% of completed cases finish after their due date (``breached``).
"""

import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from loans.models import FactKind
from pledges.models import RefusalReason, Status
from portal.accounts.models import District, Industry, OrgKind, Role
from portal.identifiers.uscc import CHARSET as USCC_CHARSET
from portal.identifiers.uscc import WEIGHTS as USCC_WEIGHTS
from portal.policy.models import Channel, DayBasis, IpKind

ORG_PREFIX = "SC·"
USER_PREFIX = "sc_scale_"
LOAN_PREFIX = "SCL"
REGISTRATION_PREFIX = "SCR"
USCC_MARK = "MK"  # positions 9-10 of a scale enterprise's credit code (tests use MA, the benchmarks MB/MD)
SYSTEM_USERNAME = f"{USER_PREFIX}system"
UNUSABLE_PASSWORD = "!sc-scale-no-login"  # noqa: S105  # nosec B105 # a leading "!" is Django's "no password matches"

BANK_HEADS = 30
BRANCHES_PER_BANK = 2
REGISTRATION_OFFICES = 3
COMMISSIONERS = 40
MIN_PARKS = 20
MIN_ENTERPRISES = 200
LOANS_PER_ENTERPRISE = 20
WINDOW_MONTHS = 36
FACT_SLOTS = 8  # fact ids are loan-major: the n-th loan's facts take ids base + 8(n-1) + slot

# Each district's share of enterprises, in percent (they add up to 100).
DISTRICT_WEIGHTS: dict[str, int] = {
    District.HAIDIAN: 35,
    District.CHAOYANG: 15,
    District.CHANGPING: 8,
    District.DAXING: 6,
    District.XICHENG: 5,
    District.FENGTAI: 5,
    District.TONGZHOU: 5,
    District.DONGCHENG: 4,
    District.SHUNYI: 4,
    District.SHIJINGSHAN: 3,
    District.FANGSHAN: 3,
    District.MENTOUGOU: 2,
    District.HUAIROU: 2,
    District.PINGGU: 1,
    District.MIYUN: 1,
    District.YANQING: 1,
}
INDUSTRY_WEIGHTS: dict[str, int] = {
    Industry.NEXT_GEN_IT: 20,
    Industry.HEALTH: 14,
    Industry.AI: 12,
    Industry.SMART_MANUFACTURING: 12,
    Industry.TECH_SERVICES: 8,
    Industry.DIGITAL_ECONOMY: 7,
    Industry.INTEGRATED_CIRCUITS: 6,
    Industry.GREEN_ENERGY: 6,
    Industry.NEW_MATERIALS: 6,
    Industry.CONNECTED_VEHICLES: 5,
    Industry.CULTURE: 3,
    Industry.OTHER: 1,
}
IP_KIND_WEIGHTS: dict[str, int] = {
    IpKind.PATENT: 6,
    IpKind.TRADEMARK: 2,
    IpKind.COPYRIGHT: 1,
    IpKind.DATA_IP: 1,
}
TERM_MONTHS = (6, 12, 12, 12, 12, 12, 18, 24, 24, 36)
LOAN_SOURCES = ("api", "api", "api", "api", "api", "import", "import", "import", "portal", "portal")
REFUSAL_REASONS = (
    RefusalReason.ANNUAL_FEE_UNPAID,
    RefusalReason.CONTRACT_NONCOMPLIANT,
    RefusalReason.PLEDGOR_NOT_REGISTERED_OWNER,
    RefusalReason.CO_OWNER_CONSENT_MISSING,
    RefusalReason.ALREADY_PLEDGED,
    RefusalReason.DEBT_TERM_EXCEEDS_PATENT_TERM,
)
OPEN_SHARE = 0.10
REFUSED_SHARE = 0.05
BREACHED_PERCENT = 6

# Loan fates by a per-mille draw: cancelled before disbursement, then the troubled ones (each needs a
# seasoned loan; a younger one simply goes on repaying, hence the slightly larger buckets).
CANCELLED_BELOW = 25
OVERDUE_FROM = 100
OVERDUE_BELOW = OVERDUE_FROM + 35
NON_PERFORMING_BELOW = OVERDUE_BELOW + 69
WRITTEN_OFF_BELOW = NON_PERFORMING_BELOW + 18

# Tables with at least this many new rows (and more new rows than old) are loaded without their
# secondary indexes, which are built afterwards (see _drop_secondary_indexes).
REBUILD_INDEXES_FROM = 50_000
LARGE_TABLES = ("loans_loan", "loans_loanfact", "pledges_pledgeregistration", "loans_loan_registrations")
FACTS_PER_LOAN = 3.3  # on average (for deciding whether to rebuild the facts' indexes)

# Tables filled with explicit ids (their identity sequences are moved past them at the end).
EXPLICIT_ID_TABLES = ("accounts_organisation", "loans_loan", "loans_loanfact", "pledges_pledgeregistration")
TOUCHED_TABLES = (
    "accounts_park",
    "accounts_user",
    "accounts_organisation",
    "accounts_membership",
    "accounts_enterpriseprofile",
    "loans_loan",
    "loans_loanfact",
    "loans_loan_registrations",
    "pledges_pledgeregistration",
)

Log = Callable[[str], Any]


class SeedScaleError(Exception):
    """Why the scale data cannot be built; the command shows it as a CommandError."""


# --- Deterministic pseudo-random values in SQL ------------------------------------------------------


def _rnd(key: str, salt: int, n: int) -> str:
    """SQL for a deterministic integer in [0, n) drawn from the SQL expression ``key`` (a row number)."""
    return f"mod(hashint8extended(({key})::bigint, {salt}) & 2147483647, {n})::int"


def _unit(key: str, salt: int) -> str:
    """SQL for a deterministic number in [0, 1) drawn from ``key``."""
    return f"((hashint8extended(({key})::bigint, {salt}) & 2147483647) / 2147483648.0::float8)"


def _pick(values: Sequence[str | int], key: str, salt: int) -> str:
    """SQL choosing one of ``values`` (repeat a value to weight it) by a draw from ``key``."""
    literal = ", ".join(f"'{value}'" if isinstance(value, str) else str(value) for value in values)
    return f"(ARRAY[{literal}])[1 + {_rnd(key, salt, len(values))}]"


def _weighted(weights: dict[str, int]) -> list[str]:
    """Each value repeated by its weight, for ``_pick``."""
    return [value for value, weight in weights.items() for _ in range(weight)]


def _amount(key: str, salt: int) -> str:
    """SQL: a loan amount of 0.5-30 million yuan in whole thousands, most of them small (median ~7 million)."""
    return f"((500 + floor(29500 * power({_unit(key, salt)}, 2.2)))::int * 1000)::numeric(14, 2)"


def _rising_quantile(number: str, count: str) -> str:
    """SQL: where the ``number``-th of ``count`` rows falls, in [0, 1), when rows grow linearly denser
    from 0.8 to 1.2 times the average over the span (the inverse of the cumulative share 0.8x + 0.2x²)."""
    return f"((sqrt((0.64 + 0.8 * ({number} - 0.5) / {count})::float8) - 0.8) / 0.4)"


def _weekday_on_or_after(day: str) -> str:
    """SQL: ``day`` moved forward off a Saturday or Sunday."""
    return f"({day} + CASE extract(isodow FROM {day})::int WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END)"


def _weekday_on_or_before(day: str) -> str:
    """SQL: ``day`` moved back off a Saturday or Sunday."""
    return f"({day} - CASE extract(isodow FROM {day})::int WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END)"


def _add_working_days(day: str, n: str) -> str:
    """SQL: the n-th weekday after the weekday ``day`` (n >= 0; the start day is not counted)."""
    return f"({day} + ({n}) + 2 * ((extract(isodow FROM {day})::int - 1 + ({n})) / 5))"


def _subtract_working_days(day: str, n: str) -> str:
    """SQL: the n-th weekday before the weekday ``day`` (n >= 0)."""
    return f"({day} - ({n}) - 2 * ((({n}) + 5 - extract(isodow FROM {day})::int) / 5))"


def _beijing(day: str, clock: str, minutes: str = "0") -> str:
    """SQL: a timestamptz at ``clock`` (e.g. '09:00') Beijing time on ``day``, plus ``minutes``."""
    return (
        f"(({day} + time '{clock}') AT TIME ZONE 'Asia/Shanghai' + make_interval(mins => ({minutes})::int))"
    )


# --- Steps ------------------------------------------------------------------------------------------


class _Clock:
    """Progress lines with the seconds since the build started."""

    def __init__(self, log: Log):
        self.log = log
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        self.log(f"{message} ({time.monotonic() - self.started:.1f} s)")


def existing_scale_rows(cursor) -> dict[str, int]:
    """How many rows of an earlier run each table still holds (all zero: there is none)."""
    counts = {}
    for label, sql, pattern in (
        ("loans", "SELECT count(*) FROM loans_loan WHERE reference LIKE %s", f"{LOAN_PREFIX}%"),
        (
            "registrations",
            "SELECT count(*) FROM pledges_pledgeregistration WHERE reference LIKE %s",
            f"{REGISTRATION_PREFIX}%",
        ),
        ("organisations", "SELECT count(*) FROM accounts_organisation WHERE name LIKE %s", f"{ORG_PREFIX}%"),
        ("users", "SELECT count(*) FROM accounts_user WHERE username LIKE %s", _like_prefix(USER_PREFIX)),
        ("parks", "SELECT count(*) FROM accounts_park WHERE name LIKE %s", f"{ORG_PREFIX}%"),
    ):
        cursor.execute(sql, [pattern])
        counts[label] = cursor.fetchone()[0]
    return counts


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def _delete_scale_rows(cursor, step: _Clock, *, skip_key_triggers: bool) -> None:
    """Remove an earlier run, children before parents.

    With ``skip_key_triggers`` (a superuser) the foreign-key triggers are off while deleting: they would
    look for references to each of millions of deleted keys one by one (minutes for a million loans).
    The same guarantee is then checked set-wise afterwards (``_check_no_orphans``): a row someone else
    attached to scale data makes the whole replace fail, and roll back, rather than leave an orphan.
    """
    loans = "SELECT id FROM loans_loan WHERE reference LIKE %(loans)s"
    registrations = "SELECT id FROM pledges_pledgeregistration WHERE reference LIKE %(registrations)s"
    organisations = "SELECT id FROM accounts_organisation WHERE name LIKE %(orgs)s"
    users = "SELECT id FROM accounts_user WHERE username LIKE %(users)s"
    params = {
        "loans": f"{LOAN_PREFIX}%",
        "registrations": f"{REGISTRATION_PREFIX}%",
        "orgs": f"{ORG_PREFIX}%",
        "users": _like_prefix(USER_PREFIX),
    }
    # The id range of the rows each referenced table loses, to look for orphans in afterwards.
    deleted_ranges: dict[str, tuple[int | None, int | None]] = {}
    for table, rows in (
        ("loans_loan", "reference LIKE %(loans)s"),
        ("loans_loanfact", f"loan_id IN ({loans})"),
        ("pledges_pledgeregistration", "reference LIKE %(registrations)s"),
        ("accounts_organisation", "name LIKE %(orgs)s"),
        ("accounts_user", "username LIKE %(users)s"),
        ("accounts_park", "name LIKE %(orgs)s"),
    ):
        cursor.execute(f"SELECT min(id), max(id) FROM {table} WHERE {rows}", params)  # noqa: S608  # nosec B608 # constants
        deleted_ranges[table] = cursor.fetchone()
    statements = [
        (
            "loan-registration links",
            f"DELETE FROM loans_loan_registrations WHERE loan_id IN ({loans}) "  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
            f"OR pledgeregistration_id IN ({registrations})",
        ),
        # What the ORM would cascade to from a loan or a registration, should anyone have added any.
        *(
            (table, f"DELETE FROM {table} WHERE loan_id IN ({loans})")  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
            for table in ("loans_loanevent", "loans_loanalert", "loans_loanparticipant", "loans_loanfact")
        ),
        *(
            (table, f"DELETE FROM {table} WHERE registration_id IN ({registrations})")  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
            for table in (
                "pledges_slareminder",
                "pledges_registrationevent",
                "pledges_registrationasset",
                "pledges_waiver",
                "pledges_material",
                "pledges_contactlog",
            )
        ),
        ("loans", "DELETE FROM loans_loan WHERE reference LIKE %(loans)s"),
        ("registrations", "DELETE FROM pledges_pledgeregistration WHERE reference LIKE %(registrations)s"),
        (
            "memberships",
            # Only the scale users' own: a real user's membership of a scale organisation protects it.
            f"DELETE FROM accounts_membership WHERE user_id IN ({users})",  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
        ),
        (
            "enterprise profiles",
            f"DELETE FROM accounts_enterpriseprofile WHERE organisation_id IN ({organisations})",  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
        ),
        (
            "bank branches",
            "DELETE FROM accounts_organisation WHERE name LIKE %(orgs)s AND parent_id IS NOT NULL",
        ),
        ("organisations", "DELETE FROM accounts_organisation WHERE name LIKE %(orgs)s"),
        ("users", "DELETE FROM accounts_user WHERE username LIKE %(users)s"),
        (
            "parks",
            "DELETE FROM accounts_park p WHERE p.name LIKE %(orgs)s "
            "AND NOT EXISTS (SELECT 1 FROM accounts_enterpriseprofile e WHERE e.park_id = p.id)",
        ),
    ]
    if skip_key_triggers:
        cursor.execute("SET LOCAL session_replication_role = replica")
    for label, sql in statements:
        cursor.execute(sql, params)
        if cursor.rowcount:
            step(f"deleted {cursor.rowcount:,} earlier {label}")
    if skip_key_triggers:
        cursor.execute("SET LOCAL session_replication_role = origin")
        _check_no_orphans(cursor, deleted_ranges)
        step("no row refers to the deleted ones")


def _check_no_orphans(cursor, deleted_ranges: dict[str, tuple[int | None, int | None]]) -> None:
    """Raise SeedScaleError when a foreign key anywhere still points into a deleted id range at a row
    that is gone (every such column has its index, so each check reads only that range)."""
    cursor.execute(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [list(deleted_ranges)],
    )
    for child, column, parent in cursor.fetchall():
        low, high = deleted_ranges[parent]
        if low is None:
            continue
        cursor.execute(
            f'SELECT 1 FROM {child} c WHERE c."{column}" BETWEEN %s AND %s '  # noqa: S608  # nosec B608 # names from the catalog
            f'AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c."{column}") LIMIT 1',
            [low, high],
        )
        if cursor.fetchone():
            raise SeedScaleError(
                f"Rows of {child}.{column} refer to the earlier scale data, so it cannot be replaced "
                "(nothing was changed). Remove those rows first, or build into a fresh database."
            )


def _drop_secondary_indexes(cursor, table: str, *, new_rows: int) -> list[str]:
    """Drop ``table``'s indexes other than its primary key and unique constraints when the rows about to
    be added are many and outnumber those it holds: one index build over the loaded table is several times
    faster than updating each index row by row. Returns the definitions, run again once the rows are in
    (inside the same transaction: nobody else ever sees the table without them)."""
    cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608 # a module constant
    if new_rows < REBUILD_INDEXES_FROM or new_rows <= cursor.fetchone()[0]:
        return []
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conrelid = %s::regclass AND c.conname = i.indexname) ORDER BY i.indexname",
        [table, table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in indexes]


def _next_id(cursor, table: str) -> int:
    """The first id above both the table's rows and its identity sequence (the table is locked)."""
    cursor.execute(
        f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), "  # noqa: S608  # nosec B608 # a module constant
        f"coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass), 0)) + 1"
    )
    return cursor.fetchone()[0]


def _people(cursor) -> tuple[int, list[int], int]:
    """The system user, the registration offices and their commissioners; returns (system user id,
    commissioner ids, users created)."""
    cursor.execute(
        """
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined, full_name, phone)
        VALUES (%s, false, %s, '', '', '', false, true, now(), 'SC scale system', '') RETURNING id
        """,
        [UNUSABLE_PASSWORD, SYSTEM_USERNAME],
    )
    system = cursor.fetchone()[0]
    offices = []
    for number, district in enumerate((District.HAIDIAN, District.CHAOYANG, District.DAXING), start=1):
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, district, is_active, created_at) "
            "VALUES (%s, %s, %s, true, now()) RETURNING id",
            [f"{ORG_PREFIX}Registration office {number}", OrgKind.REGISTRATION_OFFICE, district],
        )
        offices.append(cursor.fetchone()[0])
    cursor.execute(
        f"""
        INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                   is_active, date_joined, full_name, phone)
        SELECT %(password)s, false, %(prefix)s || lpad(n::text, 2, '0'), '', '', '', false, true, now(),
               {_pick(_SURNAMES, "n", 1)} || {_pick(_GIVEN_NAMES, "n", 2)}, ''
        FROM generate_series(1, %(count)s) n
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants, never input
        {"password": UNUSABLE_PASSWORD, "prefix": f"{USER_PREFIX}commissioner_", "count": COMMISSIONERS},
    )
    cursor.execute(
        """
        INSERT INTO accounts_membership (user_id, organisation_id, role, is_active, created_at)
        SELECT u.id, (%(offices)s::bigint[])[1 + mod(substr(u.username, %(at)s)::int, %(n)s)], %(role)s, true,
               now()
        FROM accounts_user u WHERE u.username LIKE %(like)s
        """,
        {
            "offices": offices,
            "at": len(f"{USER_PREFIX}commissioner_") + 1,
            "n": len(offices),
            "role": Role.COMMISSIONER,
            "like": _like_prefix(f"{USER_PREFIX}commissioner_"),
        },
    )
    cursor.execute(
        "SELECT id FROM accounts_user WHERE username LIKE %s ORDER BY username",
        [_like_prefix(f"{USER_PREFIX}commissioner_")],
    )
    commissioners = [row[0] for row in cursor.fetchall()]
    return system, commissioners, 1 + len(commissioners)


_SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙马朱胡郭")
_GIVEN_NAMES = tuple("伟芳娜敏静磊洋勇军杰涛明超霞婷鹏")


def _parks(cursor) -> int:
    """One ``SC·`` park per district when the database has fewer than MIN_PARKS parks."""
    cursor.execute("SELECT count(*) FROM accounts_park")
    if cursor.fetchone()[0] >= MIN_PARKS:
        return 0
    codes = [code for code, _label in District.choices]
    names = [f"{ORG_PREFIX}{District(code).label} science park" for code in codes]
    cursor.execute(
        "INSERT INTO accounts_park (name, name_en, district, is_zhongguancun, is_active, sort_order) "
        "SELECT name, name, code, false, true, 900 FROM unnest(%s::text[], %s::text[]) AS t(name, code) "
        # A scale park that a real enterprise has joined outlives a replace: keep it.
        "ON CONFLICT (name) DO NOTHING",
        [names, codes],
    )
    return cursor.rowcount


def _banks(cursor) -> list[int]:
    """Head offices (Xicheng, Beijing's financial street) and their branches; returns ids in the order
    head 1, its branches, head 2, ... (a loan picks a head, then head or branch)."""
    branch_districts = [code for code, _label in District.choices if code != District.XICHENG]
    ids: list[int] = []
    for number in range(1, BANK_HEADS + 1):
        name = f"{ORG_PREFIX}Bank {number:02d}"
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, district, is_active, created_at) "
            "VALUES (%s, %s, %s, true, now()) RETURNING id",
            [name, OrgKind.BANK, District.XICHENG],
        )
        head = cursor.fetchone()[0]
        ids.append(head)
        for branch in range(BRANCHES_PER_BANK):
            # Every bank has a Haidian or Chaoyang branch; the others are spread round the districts.
            district = (
                (District.HAIDIAN, District.CHAOYANG)[number % 2]
                if branch == 0
                else branch_districts[(number * 5) % len(branch_districts)]
            )
            cursor.execute(
                "INSERT INTO accounts_organisation (name, kind, parent_id, district, is_active, created_at) "
                "VALUES (%s, %s, %s, %s, true, now()) RETURNING id",
                [f"{name} {District(district).label} branch", OrgKind.BANK, head, district],
            )
            ids.append(cursor.fetchone()[0])
    return ids


_NAME_WORDS_1 = tuple("云智华中创星联信芯数博天润瑞新恒")
_NAME_WORDS_2 = tuple("图链源科达诺极视康航能算智微光远")
_NAME_TRADES = ("科技", "信息技术", "生物医药", "智能装备", "新材料", "软件", "数据", "文化传媒", "能源", "医疗器械")  # fmt: skip


def _enterprises(cursor, *, count: int, first_id: int, start: date) -> None:
    """``count`` enterprises with ids ``first_id``..., their credit codes' check character computed in
    SQL exactly as portal.identifiers.uscc does, then their profiles (park, industry, categories)."""
    key = "k"
    cursor.execute(
        f"""
        INSERT INTO accounts_organisation (id, name, kind, parent_id, uscc, district, is_active, created_at)
        SELECT %(first)s - 1 + k, name, %(kind)s, NULL, body || (
                   SELECT substr(%(charset)s, 1 + mod(31 - mod(sum((strpos(%(charset)s, substr(body, i, 1)) - 1)
                                                              * (%(weights)s::int[])[i]), 31), 31)::int, 1)
                   FROM generate_series(1, 17) i),
               district, true,
               {_beijing(f"(%(start)s::date - {_rnd(key, 103, 900)})", "10:00")}
        FROM generate_series(1, %(count)s) k
        CROSS JOIN LATERAL (SELECT {_pick(_weighted(DISTRICT_WEIGHTS), key, 101)} AS district) d
        CROSS JOIN LATERAL (
            SELECT '91' || d.district || %(mark)s || lpad(k::text, 7, '0') AS body,
                   %(prefix)s || '北京' || {_pick(_NAME_WORDS_1, key, 104)} || {_pick(_NAME_WORDS_2, key, 105)}
                   || {_pick(_NAME_TRADES, key, 106)} || '有限公司（' || lpad(k::text, 6, '0') || '）' AS name
            OFFSET 0
        ) b
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants, never input
        {
            "first": first_id,
            "kind": OrgKind.ENTERPRISE,
            "charset": USCC_CHARSET,
            "weights": list(USCC_WEIGHTS),
            "start": start,
            "count": count,
            "mark": USCC_MARK,
            "prefix": ORG_PREFIX,
        },
    )
    # Parks by district, numbered 0..n-1 within each, so an enterprise can draw one of its district's.
    cursor.execute("DROP TABLE IF EXISTS sc_scale_parks")
    cursor.execute(
        "CREATE TEMP TABLE sc_scale_parks AS SELECT id, district, "
        "row_number() OVER (PARTITION BY district ORDER BY id) - 1 AS i, count(*) OVER (PARTITION BY district) AS n "
        "FROM accounts_park WHERE is_active AND district <> ''"
    )
    key = "o.id"
    cursor.execute(
        f"""
        INSERT INTO accounts_enterpriseprofile (organisation_id, park_id, industry, is_high_tech, is_specialised,
               is_little_giant, is_tech_sme, is_ip_advantage, contact_name, contact_phone, contact_email)
        SELECT o.id, p.id, {_pick(_weighted(INDUSTRY_WEIGHTS), key, 111)},
               {_rnd(key, 112, 100)} < 60, {_rnd(key, 113, 100)} < 25, {_rnd(key, 114, 100)} < 5,
               {_rnd(key, 115, 100)} < 50, {_rnd(key, 116, 100)} < 15,
               {_pick(_SURNAMES, key, 117)} || {_pick(_GIVEN_NAMES, key, 118)},
               '1' || {_pick(("3", "5", "8"), key, 119)} || lpad({_rnd(key, 120, 1_000_000_000)}::text, 9, '0'), ''
        FROM accounts_organisation o
        LEFT JOIN sc_scale_parks p
               ON p.district = o.district AND {_rnd(key, 121, 100)} < 70
              AND p.i = mod({_rnd(key, 122, 1_000_000)}, p.n)
        WHERE o.id BETWEEN %(first)s AND %(last)s
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants, never input
        {"first": first_id, "last": first_id + count - 1},
    )
    cursor.execute("DROP TABLE sc_scale_parks")


def _loan_plan(
    cursor,
    *,
    count: int,
    first_loan: int,
    today: date,
    start: date,
    first_enterprise: int,
    enterprises: int,
    banks: list[int],
) -> None:
    """The temporary table ``sc_scale_loan_plan``: one row per loan with every date and amount of its
    story, from which the loans, their ledger and their registrations are inserted."""
    g = "g"
    cursor.execute("DROP TABLE IF EXISTS sc_scale_loan_plan")
    cursor.execute(
        f"""
        CREATE TEMP TABLE sc_scale_loan_plan AS
        SELECT g, %(first_loan)s - 1 + g AS id, a.enterprise_id, a.bank_id, a.source, a.principal, a.rate, a.term,
               a.signed, p.maturity, s.status, a.is_combination, a.ip_share,
               t.disbursed_on, t.d1_amount, t.d2_on, t.d2_amount,
               r.rep1_on, CASE WHEN r.rep1_on IS NOT NULL THEN round(t.disbursed_amount * a.rep1_pct / 100, 2) END
                   AS rep1_amount,
               r.rep2_on, CASE WHEN r.rep2_on IS NOT NULL THEN round(t.disbursed_amount * a.rep2_pct / 100, 2) END
                   AS rep2_amount,
               r.rep3_on, CASE WHEN r.rep3_on IS NOT NULL THEN round(t.disbursed_amount * a.rep3_pct / 100, 2) END
                   AS rep3_amount,
               d.overdue_on, d.overdue_on - d.overdue_since + 1 AS overdue_days, d.overdue_since,
               d.classification, d.classified_on, d.written_off_on,
               CASE WHEN s.status = 'settled' THEN b.settle_plan END AS settled_on,
               t.disbursed_amount
        FROM generate_series(1, %(count)s) g
        CROSS JOIN LATERAL (
            SELECT
                -- Signing dates: quantiles of a density rising linearly from 0.8 to 1.2 over the window,
                -- so loan ids follow the signing order.
                %(start)s::date + floor(%(span)s * {_rising_quantile(g, "%(count)s")})::int AS signed,
                %(first_enterprise)s + floor(%(enterprises)s * power({_unit(g, 201)}, 1.25))::bigint
                    AS enterprise_id,
                (%(banks)s::bigint[])[1 + 3 * floor(%(heads)s * power({_unit(g, 202)}, 1.6))::int
                                      + {_pick((0, 0, 0, 1, 1, 1, 1, 2, 2, 2), g, 203)}] AS bank_id,
                {_amount(g, 204)} AS principal,
                round(2.80 + {_rnd(g, 205, 371)} / 100.0, 2) AS rate,
                {_pick(TERM_MONTHS, g, 206)} AS term,
                {_pick(LOAN_SOURCES, g, 207)} AS source,
                {_rnd(g, 208, 1000)} AS fate,
                {_rnd(g, 218, 100)} < 8 AS is_combination,
                CASE WHEN {_rnd(g, 218, 100)} < 8 THEN 0.5 + {_rnd(g, 219, 41)} / 100.0 ELSE 1 END AS ip_share,
                25 + {_rnd(g, 209, 21)} AS disbursement_delay,
                {_rnd(g, 210, 100)} < 3 AS at_month_end,
                {_rnd(g, 211, 100)} < 15 AS two_tranches,
                7 + {_rnd(g, 212, 30)} AS tranche_gap,
                {_rnd(g, 213, 100)} < 35 AS bullet,
                {_rnd(g, 214, 100)} < 35 AS prepays,
                0.40 + 0.55 * {_unit(g, 215)} AS prepaid_at,
                {_rnd(g, 216, 6)} AS days_early,
                {_rnd(g, 217, 100)} < 30 AS slow_to_draw,
                10 + {_rnd(g, 221, 16)} AS rep1_pct,
                10 + {_rnd(g, 222, 16)} AS rep2_pct,
                10 + {_rnd(g, 223, 16)} AS rep3_pct
            OFFSET 0
        ) a
        CROSS JOIN LATERAL (
            SELECT (a.signed + make_interval(months => a.term))::date AS maturity,
                   a.signed + a.disbursement_delay AS planned,
                   (date_trunc('month', (a.signed + a.disbursement_delay)::timestamp)
                    + interval '1 month - 1 day')::date AS month_end
            OFFSET 0
        ) p
        CROSS JOIN LATERAL (
            SELECT CASE WHEN a.at_month_end AND p.month_end <= %(today)s THEN p.month_end ELSE p.planned END AS d0
            OFFSET 0
        ) b0
        CROSS JOIN LATERAL (
            -- Settlement: early for some (never before 75 days, after any second tranche), else on or just
            -- before maturity; the second tranche only once its day has come.
            SELECT b0.d0,
                   CASE WHEN a.prepays
                        THEN greatest(b0.d0 + floor((p.maturity - b0.d0) * a.prepaid_at)::int, b0.d0 + 75)
                        ELSE p.maturity - a.days_early END AS settle_plan,
                   CASE WHEN a.two_tranches AND b0.d0 + a.tranche_gap <= %(today)s
                        THEN b0.d0 + a.tranche_gap END AS d2
            OFFSET 0
        ) b
        CROSS JOIN LATERAL (
            SELECT CASE
                WHEN a.fate < {CANCELLED_BELOW} AND a.signed <= %(today)s - 30 THEN 'cancelled'
                WHEN b.d0 > %(today)s OR (a.slow_to_draw AND a.signed > %(today)s - 60) THEN 'contracted'
                WHEN a.fate >= {OVERDUE_FROM} AND a.fate < {OVERDUE_BELOW}
                     AND coalesce(b.d2, b.d0) <= %(today)s - 110 THEN 'overdue'
                WHEN a.fate >= {OVERDUE_BELOW} AND a.fate < {NON_PERFORMING_BELOW}
                     AND coalesce(b.d2, b.d0) <= %(today)s - 365 THEN 'non_performing'
                WHEN a.fate >= {NON_PERFORMING_BELOW} AND a.fate < {WRITTEN_OFF_BELOW}
                     AND coalesce(b.d2, b.d0) <= %(today)s - 365 THEN 'written_off'
                WHEN b.settle_plan <= %(today)s THEN 'settled'
                ELSE 'running' END AS status
            OFFSET 0
        ) s0
        CROSS JOIN LATERAL (
            SELECT s0.status NOT IN ('cancelled', 'contracted') AS disbursed,
                   s0.status IN ('overdue', 'non_performing', 'written_off') AS troubled
            OFFSET 0
        ) f
        CROSS JOIN LATERAL (
            SELECT CASE WHEN f.disbursed THEN b.d0 END AS disbursed_on,
                   CASE WHEN f.disbursed THEN coalesce(b.d2, b.d0) END AS last_disbursed_on,
                   CASE WHEN f.disbursed AND a.two_tranches THEN round(a.principal * 0.6, 2)
                        WHEN f.disbursed THEN a.principal END AS d1_amount,
                   CASE WHEN f.disbursed THEN b.d2 END AS d2_on,
                   CASE WHEN f.disbursed AND b.d2 IS NOT NULL THEN a.principal - round(a.principal * 0.6, 2) END
                       AS d2_amount,
                   CASE WHEN NOT f.disbursed THEN 0
                        WHEN a.two_tranches AND b.d2 IS NULL THEN round(a.principal * 0.6, 2)
                        ELSE a.principal END AS disbursed_amount
            OFFSET 0
        ) t
        CROSS JOIN LATERAL (
            -- When the arrears began: overdue loans 1-90 days ago as reported in the last two weeks; seasoned
            -- troubled loans 30-50%% of the way from the last disbursement to today (at the latest on the day
            -- they should have been settled), reported 90-179 days on and then classified.
            SELECT CASE
                WHEN s0.status = 'overdue' THEN %(today)s - {_rnd(g, 232, 15)} - {_rnd(g, 233, 90)}
                WHEN f.troubled THEN least(t.last_disbursed_on + 1 + floor((%(today)s - t.last_disbursed_on)
                                                                           * (0.3 + 0.2 * {_unit(g, 234)}))::int,
                                           b.settle_plan)
                END AS overdue_since
            OFFSET 0
        ) o0
        CROSS JOIN LATERAL (
            SELECT o0.overdue_since,
                   CASE WHEN s0.status = 'overdue' THEN o0.overdue_since + {_rnd(g, 233, 90)}
                        WHEN f.troubled THEN least(o0.overdue_since + 90 + {_rnd(g, 235, 90)}, %(today)s)
                        END AS overdue_on
            OFFSET 0
        ) o
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s0.status IN ('non_performing', 'written_off')
                        THEN least(o.overdue_on + {_rnd(g, 236, 21)}, %(today)s) END AS classified_on
            OFFSET 0
        ) c
        CROSS JOIN LATERAL (
            SELECT o.overdue_since, o.overdue_on, c.classified_on,
                   CASE WHEN c.classified_on IS NOT NULL
                        THEN {_pick(("substandard",) * 5 + ("doubtful",) * 3 + ("loss",) * 2, g, 230)}
                        ELSE 'normal' END AS classification,
                   CASE WHEN s0.status = 'written_off'
                        THEN c.classified_on
                             + floor((%(today)s - c.classified_on) * (0.2 + 0.8 * {_unit(g, 231)}))::int
                        END AS written_off_on
            OFFSET 0
        ) d
        CROSS JOIN LATERAL (
            -- Amortising loans repay at 1/4, 2/4 and 3/4 of the way from the last disbursement to settlement:
            -- the dates already past (and, for a troubled loan, before its arrears began).
            SELECT CASE WHEN q.on1 < q.cutoff THEN q.on1 END AS rep1_on,
                   CASE WHEN q.on2 < q.cutoff THEN q.on2 END AS rep2_on,
                   CASE WHEN q.on3 < q.cutoff THEN q.on3 END AS rep3_on
            FROM (SELECT t.last_disbursed_on + (b.settle_plan - t.last_disbursed_on) / 4 AS on1,
                         t.last_disbursed_on + (b.settle_plan - t.last_disbursed_on) * 2 / 4 AS on2,
                         t.last_disbursed_on + (b.settle_plan - t.last_disbursed_on) * 3 / 4 AS on3,
                         CASE WHEN NOT f.disbursed OR a.bullet THEN date '-infinity'
                              ELSE coalesce(d.overdue_since, %(today)s + 1) END AS cutoff) q
            OFFSET 0
        ) r
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s0.status <> 'running' THEN s0.status
                        WHEN r.rep1_on IS NOT NULL THEN 'repaying'
                        ELSE 'disbursed' END AS status
            OFFSET 0
        ) s
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
        {
            "count": count,
            "first_loan": first_loan,
            "today": today,
            "start": start,
            "span": (today - start).days,
            "first_enterprise": first_enterprise,
            "enterprises": enterprises,
            "banks": banks,
            "heads": BANK_HEADS,
        },
    )
    cursor.execute("ANALYZE sc_scale_loan_plan")


def _loans(cursor, *, system_user: int) -> int:
    """The loans, their figures exactly what their facts (``_facts``) add up to."""
    g = "g"
    last_event = (
        "greatest(signed, disbursed_on, d2_on, rep1_on, rep2_on, rep3_on, overdue_on, classified_on, "
        "settled_on, written_off_on)"
    )
    cursor.execute(
        f"""
        INSERT INTO loans_loan (
            id, reference, bank_loan_ref, source, contract_number, contract_signed_on, principal, annual_rate_pct,
            term_months, maturity_date, is_combination, ip_share, ip_share_certified_by, status, disbursed_on,
            disbursed_amount, principal_repaid, interest_paid, settled_on, overdue_days, overdue_since,
            classification, classified_on, non_performing_on, written_off_on, created_at, updated_at, bank_id,
            created_by_id, enterprise_id, application_id)
        SELECT id, %(prefix)s || lpad(g::text, 9, '0'), 'SCB' || lpad(g::text, 9, '0'), source,
               'SCHT' || lpad(g::text, 9, '0'), signed, principal, rate, term, maturity, is_combination, ip_share,
               CASE WHEN is_combination THEN 'Risk management department' ELSE '' END,
               status, disbursed_on, disbursed_amount,
               CASE WHEN status = 'settled' THEN disbursed_amount
                    ELSE coalesce(rep1_amount, 0) + coalesce(rep2_amount, 0) + coalesce(rep3_amount, 0) END,
               0, settled_on, coalesce(overdue_days, 0), overdue_since, classification, classified_on,
               classified_on, written_off_on,
               {_beijing("signed", "09:00", _rnd(g, 240, 480))},
               {_beijing(last_event, "17:30")},
               bank_id, %(user)s, enterprise_id, NULL
        FROM sc_scale_loan_plan
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
        {"prefix": LOAN_PREFIX, "user": system_user},
    )
    return cursor.rowcount


def _facts(cursor, *, first_fact: int, system_user: int) -> int:
    """Each loan's ledger, in the order ``apply_fact`` replays it: ids rise with the slot, so facts on the
    same day (an overdue report and the classification it triggers) come out in the right order."""
    cursor.execute(
        f"""
        INSERT INTO loans_loanfact (id, loan_id, kind, occurred_on, amount, overdue_days, classification, note,
                                    source, reported_at, reported_by_id)
        SELECT %(first)s + (p.g - 1) * {FACT_SLOTS} + e.slot, p.id, e.kind, e.occurred_on, e.amount,
               e.overdue_days, e.classification, '', p.source, {_beijing("e.occurred_on", "17:30")}, %(user)s
        FROM sc_scale_loan_plan p
        CROSS JOIN LATERAL (VALUES
            (0, '{FactKind.DISBURSEMENT}', p.disbursed_on, p.d1_amount, NULL::int, ''),
            (1, '{FactKind.DISBURSEMENT}', p.d2_on, p.d2_amount, NULL, ''),
            (2, '{FactKind.REPAYMENT}', p.rep1_on, p.rep1_amount, NULL, ''),
            (3, '{FactKind.REPAYMENT}', p.rep2_on, p.rep2_amount, NULL, ''),
            (4, '{FactKind.REPAYMENT}', p.rep3_on, p.rep3_amount, NULL, ''),
            (5, '{FactKind.OVERDUE}', p.overdue_on, NULL, p.overdue_days, ''),
            (6, '{FactKind.CLASSIFICATION}', p.classified_on, NULL, NULL, p.classification),
            -- The settlement repays what is still outstanding; a written-off loan is never settled.
            (7, '{FactKind.SETTLEMENT}', p.settled_on,
                p.disbursed_amount - coalesce(p.rep1_amount, 0) - coalesce(p.rep2_amount, 0)
                - coalesce(p.rep3_amount, 0), NULL, ''),
            (7, '{FactKind.WRITE_OFF}', p.written_off_on, NULL, NULL, '')
        ) AS e(slot, kind, occurred_on, amount, overdue_days, classification)
        WHERE e.occurred_on IS NOT NULL
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
        {"first": first_fact, "user": system_user},
    )
    return cursor.rowcount


_OPEN = (Status.ACCEPTED, Status.UNDER_REVIEW)


def _insert_registrations(cursor, *, source: str, params: dict[str, Any]) -> int:
    """Registrations from ``source``, a query giving (r, pledgor_id, pledgee_id, debt_amount, debt_start,
    debt_end, clock_started_on, status); r numbers the case (id and reference), and the rest of the case
    (kind, channel, service time, due date, completion) is drawn from it here."""
    r = "s.r"
    # Filed (and pre-checked) on the day the clock starts or the weekday before, in office hours.
    submitted_on = _weekday_on_or_before(f"(s.clock_started_on - {_rnd(r, 312, 2)})")
    cursor.execute(
        f"""
        INSERT INTO pledges_pledgeregistration (
            id, reference, kind, ip_kind, channel, status, pledgor_id, pledgee_id, original_id, debt_amount,
            debt_start, debt_end, valued, via_agent, commissioner_id, assigned_at, submitted_at, clock_started_on,
            sla_days, sla_basis, due_date, due_provisional, due_explanation, completed_on, breached, notice_number,
            registered_on, refusal_reasons, created_by_id, created_at, updated_at)
        SELECT %(first_registration)s - 1 + s.r, %(prefix)s || lpad(s.r::text, 9, '0'), 'pledge', k.ip_kind,
               k.channel, s.status, s.pledgor_id, s.pledgee_id, NULL, s.debt_amount, s.debt_start, s.debt_end,
               {_rnd(r, 303, 100)} < 40, {_rnd(r, 304, 100)} < 30,
               (%(commissioners)s::bigint[])[1 + {_rnd(r, 305, len(params["commissioners"]))}],
               w.submitted_at + interval '20 minutes', w.submitted_at, s.clock_started_on, t.days, t.basis, t.due,
               false, '[]'::jsonb, c.completed_on, c.completed_on > t.due,
               CASE WHEN s.status = '{Status.REGISTERED}' THEN 'SCN' || lpad(s.r::text, 9, '0') ELSE '' END,
               CASE WHEN s.status = '{Status.REGISTERED}' THEN c.completed_on END,
               CASE WHEN s.status = '{Status.REFUSED}'
                    THEN jsonb_build_array({_pick(REFUSAL_REASONS, r, 306)}) ELSE '[]'::jsonb END,
               %(user)s, w.submitted_at - make_interval(hours => {_rnd(r, 307, 72)}::int),
               greatest(w.submitted_at + interval '1 hour',
                        coalesce({_beijing("c.completed_on", "16:00", _rnd(r, 308, 90))},
                                 {_beijing("s.clock_started_on", "10:00")}))
        FROM ({source}) s
        CROSS JOIN LATERAL (
            SELECT {_pick(_weighted(IP_KIND_WEIGHTS), r, 301)} AS ip_kind,
                   CASE WHEN {_rnd(r, 302, 100)} < 60 THEN '{Channel.ONLINE}' ELSE '{Channel.WINDOW}' END AS channel
            OFFSET 0
        ) k
        CROSS JOIN LATERAL (
            -- The policy's service times: copyright 10 calendar days rolled off a weekend, the others 1
            -- working day online and 3 at the window (weekdays stand in for working days).
            SELECT CASE WHEN k.ip_kind = '{IpKind.COPYRIGHT}' THEN 10 WHEN k.channel = '{Channel.ONLINE}' THEN 1
                        ELSE 3 END AS days,
                   CASE WHEN k.ip_kind = '{IpKind.COPYRIGHT}' THEN '{DayBasis.CALENDAR}'
                        ELSE '{DayBasis.WORKING}' END AS basis
            OFFSET 0
        ) t0
        CROSS JOIN LATERAL (
            SELECT t0.days, t0.basis,
                   CASE WHEN t0.basis = '{DayBasis.CALENDAR}'
                        THEN {_weekday_on_or_after("(s.clock_started_on + 10)")}
                        ELSE {_add_working_days("s.clock_started_on", "t0.days")} END AS due
            OFFSET 0
        ) t
        CROSS JOIN LATERAL (
            SELECT CASE
                WHEN s.status NOT IN ('{Status.REGISTERED}', '{Status.REFUSED}') THEN NULL
                WHEN {_rnd(r, 309, 100)} < {BREACHED_PERCENT}
                    THEN {_add_working_days("t.due", f"1 + {_rnd(r, 310, 3)}")}
                WHEN t.basis = '{DayBasis.CALENDAR}'
                    THEN {_weekday_on_or_after(f"(s.clock_started_on + {_rnd(r, 311, 11)})")}
                ELSE {_add_working_days("s.clock_started_on", _rnd(r, 311, "(t.days + 1)"))} END AS completed_on
            OFFSET 0
        ) c
        CROSS JOIN LATERAL (
            SELECT {_beijing(submitted_on, "09:00", _rnd(r, 313, 480))} AS submitted_at
            OFFSET 0
        ) w
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
        {"prefix": REGISTRATION_PREFIX, **params},
    )
    return cursor.rowcount


def _registrations(
    cursor,
    *,
    count: int,
    first_registration: int,
    today: date,
    start: date,
    first_enterprise: int,
    enterprises: int,
    banks: list[int],
    commissioners: list[int],
    system_user: int,
) -> tuple[int, int]:
    """Pledge registrations: first one per disbursed loan (while ``count`` lasts), then standalone ones;
    links each loan to its registration. Returns (registrations, links)."""
    cursor.execute("DROP TABLE IF EXISTS sc_scale_links")
    cursor.execute(
        "CREATE TEMP TABLE sc_scale_links AS SELECT row_number() OVER (ORDER BY g) AS r, id AS loan_id, "
        "enterprise_id, bank_id, principal, signed, maturity "
        "FROM sc_scale_loan_plan WHERE disbursed_on IS NOT NULL ORDER BY g LIMIT %s",
        [count],
    )
    linked = cursor.rowcount
    cursor.execute("ANALYZE sc_scale_links")
    standalone = count - linked
    params = {
        "first_registration": first_registration,
        "commissioners": commissioners,
        "user": system_user,
    }
    # The pledge contract is signed with the loan; the registration is accepted 1-3 days later (the next
    # weekday), so it is completed before the loan is disbursed 25-45 days after signing.
    created = _insert_registrations(
        cursor,
        source=f"""
            SELECT l.r, l.enterprise_id AS pledgor_id, l.bank_id AS pledgee_id, l.principal AS debt_amount,
                   l.signed AS debt_start, l.maturity AS debt_end,
                   {_weekday_on_or_after(f"(l.signed + 1 + {_rnd('l.r', 320, 3)})")} AS clock_started_on,
                   '{Status.REGISTERED}' AS status
            FROM sc_scale_links l
        """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
        params=params,
    )
    if standalone:
        opened, refused = _open_and_refused(count=count, standalone=standalone)
        j = "j"
        # Open cases were accepted today or up to three working days ago (half of them today), so a few of
        # the one-day ones are already late; the others over the window, until three weeks ago.
        accepted_lately = _subtract_working_days(
            _weekday_on_or_before("%(today)s::date"), _pick((0,) * 10 + (1,) * 6 + (2,) * 3 + (3,), j, 327)
        )
        accepted_then = _weekday_on_or_after(
            f"(%(start)s::date + floor((%(span)s - 21) * {_rising_quantile(j, '%(standalone)s')})::int)"
        )
        created += _insert_registrations(
            cursor,
            source=f"""
                SELECT %(linked)s + j AS r,
                       %(first_enterprise)s + {_rnd(j, 321, "%(enterprises)s")} AS pledgor_id,
                       (%(banks)s::bigint[])[1 + {_rnd(j, 322, len(banks))}] AS pledgee_id,
                       {_amount(j, 323)} AS debt_amount,
                       ds.debt_start, (ds.debt_start + make_interval(months => {_pick(TERM_MONTHS, j, 324)}))::date
                           AS debt_end,
                       c.clock_started_on, st.status
                FROM generate_series(1, %(standalone)s) j
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN {_unit(j, 325)} < %(open_share)s
                                THEN {_pick(_OPEN, j, 326)}
                                WHEN {_unit(j, 325)} < %(open_share)s + %(refused_share)s THEN '{Status.REFUSED}'
                                ELSE '{Status.REGISTERED}' END AS status
                    OFFSET 0
                ) st
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN st.status IN ('{_OPEN[0]}', '{_OPEN[1]}')
                                THEN {accepted_lately} ELSE {accepted_then} END AS clock_started_on
                    OFFSET 0
                ) c
                CROSS JOIN LATERAL (SELECT c.clock_started_on - 1 - {_rnd(j, 328, 10)} AS debt_start OFFSET 0) ds
            """,  # noqa: S608  # nosec B608 # the f-string pastes module constants and SQL built here, never input
            params={
                **params,
                "linked": linked,
                "standalone": standalone,
                "first_enterprise": first_enterprise,
                "enterprises": enterprises,
                "banks": banks,
                "open_share": opened / standalone,
                "refused_share": refused / standalone,
                "today": today,
                "start": start,
                "span": (today - start).days,
            },
        )
    cursor.execute(
        "INSERT INTO loans_loan_registrations (loan_id, pledgeregistration_id) "
        "SELECT loan_id, %s - 1 + r FROM sc_scale_links",
        [first_registration],
    )
    links = cursor.rowcount
    cursor.execute("DROP TABLE sc_scale_links")
    return created, links


def _open_and_refused(*, count: int, standalone: int) -> tuple[int, int]:
    """How many of the standalone registrations are open and refused: their shares of all ``count``
    registrations, or, when there are fewer standalone ones than that, all of them in the same 2:1 ratio."""
    opened, refused = round(count * OPEN_SHARE), round(count * REFUSED_SHARE)
    if opened + refused <= standalone:
        return opened, refused
    opened = round(standalone * OPEN_SHARE / (OPEN_SHARE + REFUSED_SHARE))
    return opened, standalone - opened


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    first = date(year, month + 1, 1)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first + timedelta(days=min(day.day, (following - first).days) - 1)


def seed_scale(
    *, loans: int, registrations: int, today: date | None = None, log: Log = print, replace: bool = False
) -> dict[str, int]:
    """Build the scale data in one transaction and return how many rows of each kind were created.

    Refuses (SeedScaleError) when an earlier run's rows exist, unless ``replace``: then they are deleted
    first, in the same transaction, so a failed replace leaves the earlier data in place. Meant for a
    benchmark database: until it commits, the tables given explicit ids are locked against other writers,
    and a big load drops its tables' secondary indexes (an exclusive lock), so other sessions' reads of
    those tables wait for it too.
    """
    if connection.vendor != "postgresql":
        raise SeedScaleError("seed_scale needs PostgreSQL: set DATABASE_URL=postgres://...")
    if loans < 0 or registrations < 0:
        raise SeedScaleError("--loans and --registrations cannot be negative.")
    today = today or timezone.localdate()
    start = _months_before(today, WINDOW_MONTHS)
    enterprises = max(MIN_ENTERPRISES, loans // LOANS_PER_ENTERPRISE)
    step = _Clock(log)
    counts: dict[str, int] = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # A lost build is simply run again: no need to wait for the WAL flush of each statement.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Row-by-row generators: caching each step's result (Memoize) only costs, and compiling these
            # large expressions (JIT) takes longer than evaluating them.
            cursor.execute("SET LOCAL enable_memoize = off")
            cursor.execute("SET LOCAL jit = off")
            # Explicit ids are reserved past the tables' rows: nobody else may insert until we commit.
            cursor.execute(f"LOCK TABLE {', '.join(EXPLICIT_ID_TABLES)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = bool(cursor.fetchone()[0])
            existing = existing_scale_rows(cursor)
            if any(existing.values()):
                if not replace:
                    found = ", ".join(f"{number:,} {label}" for label, number in existing.items() if number)
                    raise SeedScaleError(
                        f"Scale data from an earlier run is present ({found}). "
                        "Run again with --replace to delete it and build anew."
                    )
                _delete_scale_rows(cursor, step, skip_key_triggers=superuser)
                step("earlier scale data deleted")
            new_rows = {
                "loans_loan": loans,
                "loans_loanfact": int(loans * FACTS_PER_LOAN),
                "pledges_pledgeregistration": registrations,
                "loans_loan_registrations": min(loans, registrations),
            }
            dropped = {
                table: _drop_secondary_indexes(cursor, table, new_rows=new_rows[table])
                for table in LARGE_TABLES
            }
            if superuser:
                # Every id the new rows refer to was read or reserved above: skip the foreign-key
                # triggers, which would otherwise look up each key of millions of rows (superuser only).
                cursor.execute("SET LOCAL session_replication_role = replica")
            counts["parks"] = _parks(cursor)
            system_user, commissioners, counts["users"] = _people(cursor)
            counts["registration_offices"] = REGISTRATION_OFFICES
            counts["memberships"] = len(commissioners)
            banks = _banks(cursor)
            counts["banks"] = len(banks)
            step(f"{counts['parks']} parks, {len(banks)} bank offices, {counts['users']} users")
            first_enterprise = _next_id(cursor, "accounts_organisation")
            _enterprises(cursor, count=enterprises, first_id=first_enterprise, start=start)
            counts["enterprises"] = counts["enterprise_profiles"] = enterprises
            step(f"{enterprises:,} enterprises and their profiles")
            first_loan = _next_id(cursor, "loans_loan")
            _loan_plan(
                cursor,
                count=loans,
                first_loan=first_loan,
                today=today,
                start=start,
                first_enterprise=first_enterprise,
                enterprises=enterprises,
                banks=banks,
            )
            step(f"loan plan: {loans:,} loans")
            counts["loans"] = _loans(cursor, system_user=system_user)
            step(f"{counts['loans']:,} loans")
            counts["loan_facts"] = _facts(
                cursor, first_fact=_next_id(cursor, "loans_loanfact"), system_user=system_user
            )
            step(f"{counts['loan_facts']:,} loan facts")
            counts["registrations"], counts["loan_registration_links"] = _registrations(
                cursor,
                count=registrations,
                first_registration=_next_id(cursor, "pledges_pledgeregistration"),
                today=today,
                start=start,
                first_enterprise=first_enterprise,
                enterprises=enterprises,
                banks=banks,
                commissioners=commissioners,
                system_user=system_user,
            )
            step(
                f"{counts['registrations']:,} registrations, "
                f"{counts['loan_registration_links']:,} linked to their loans"
            )
            cursor.execute("DROP TABLE sc_scale_loan_plan")
            cursor.execute("SET LOCAL session_replication_role = origin")
            for table, definitions in dropped.items():
                for definition in definitions:
                    cursor.execute(definition)
                if definitions:
                    step(f"{table}: {len(definitions)} indexes rebuilt")
            for table in EXPLICIT_ID_TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
                )
            for table in TOUCHED_TABLES:
                cursor.execute(f"ANALYZE {table}")
            step("sequences moved past the new ids, tables analysed")
    except IntegrityError as exc:
        raise SeedScaleError(f"The scale data could not be written: {exc}") from exc
    step("committed")
    if not connection.in_atomic_block:
        # The benchmark reads these tables over and over: clear a replaced run's dead rows and mark the
        # pages all-visible (index-only scans) now rather than whenever autovacuum comes round.
        # VACUUM cannot run inside a transaction, so a caller's own transaction (a test) skips it.
        with connection.cursor() as cursor:
            for table in TOUCHED_TABLES:
                cursor.execute(f"VACUUM {table}")
        step("tables vacuumed")
    return counts
