"""Whitelist services: screening rules, consent, and screening runs (issue 5, first part).

Each state change goes through its ``*_TRANSITIONS`` table and writes an event row with actor and reason
in the same transaction. A screening run is one set-based INSERT ... SELECT over every enterprise (no
per-enterprise Python loop), queued after commit and claimed with a conditional UPDATE, so a redelivered
task does nothing.
"""

import logging

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.models import LegalStatus
from portal.accounts.models import District, Organisation, OrgKind, User
from portal.identifiers.patent import PatentType
from portal.outbox import enqueue
from portal.policy.models import IpKind
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import (
    CONSENT_TRANSITIONS,
    RATING_ORDER,
    REVENUE_ORDER,
    RULESET_TRANSITIONS,
    RUN_TRANSITIONS,
    SYSTEM,
    Candidate,
    Consent,
    ConsentEvent,
    ConsentStatus,
    Recommendation,
    RecommendationStatus,
    RuleSet,
    RuleSetEvent,
    RuleSetStatus,
    RunStatus,
    ScreeningRun,
    ScreeningRunEvent,
)
from whitelist.permissions import can_give_consent, can_manage_rules, can_run_screening

logger = logging.getLogger(__name__)

# The rule set's editable fields (a new version copies them from the one it is based on).
RULE_FIELDS = (
    "explanation",
    "require_beijing",
    "require_core_ip",
    "require_no_dishonesty",
    "require_category",
    "require_no_npl",
    "min_invention_patents",
    "min_utility_patents",
    "min_design_patents",
    "min_trademarks",
    "min_rd_ratio_pct",
    "min_revenue_band",
    "min_credit_rating",
)


def _allowed(table: dict, current: str, to: str, role: str) -> bool:
    return role in table.get(current, {}).get(to, frozenset())


# --- Rules ------------------------------------------------------------------------------------------


def active_rule_set() -> RuleSet | None:
    return RuleSet.objects.filter(status=RuleSetStatus.ACTIVE).first()


@transaction.atomic
def rule_set_create(*, actor: User, values: dict, based_on: RuleSet | None = None) -> RuleSet:
    """A new draft version: ``values`` over the copy of ``based_on`` (or the defaults)."""
    allowed, reason = can_manage_rules(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    fields = {name: getattr(based_on, name) for name in RULE_FIELDS} if based_on else {}
    fields.update({name: value for name, value in values.items() if name in RULE_FIELDS})
    if not (fields.get("explanation") or "").strip():
        raise WhitelistValidationError(
            _("Write the explanation an enterprise will read."),
            {"explanation": [_("This field is required.")]},
        )
    # Versions are numbered in order; the lock keeps two drafts started at once from taking one number.
    last = RuleSet.objects.select_for_update().order_by("-version").values_list("version", flat=True).first()
    rule_set = RuleSet.objects.create(version=(last or 0) + 1, based_on=based_on, created_by=actor, **fields)
    RuleSetEvent.objects.create(rule_set=rule_set, actor=actor, to_status=RuleSetStatus.DRAFT)
    return rule_set


@transaction.atomic
def rule_set_update(*, rule_set: RuleSet, actor: User, values: dict) -> RuleSet:
    allowed, reason = can_manage_rules(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.status != RuleSetStatus.DRAFT:
        raise WhitelistValidationError(_("Only a draft can be changed; start a new version instead."))
    for name in RULE_FIELDS:
        if name in values:
            setattr(rule_set, name, values[name])
    rule_set.save()
    return rule_set


@transaction.atomic
def rule_set_activate(*, rule_set: RuleSet, actor: User, reason: str = "") -> RuleSet:
    """The draft becomes the rules every later screening uses; the version it replaces is retired."""
    allowed, refusal = can_manage_rules(actor)
    if not allowed:
        raise WhitelistNotAllowed(refusal)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if not _allowed(RULESET_TRANSITIONS, rule_set.status, RuleSetStatus.ACTIVE, actor.role):
        raise WhitelistValidationError(_("Only a draft can be activated."))
    previous = RuleSet.objects.select_for_update().filter(status=RuleSetStatus.ACTIVE).first()
    now = timezone.now()
    if previous is not None:
        assert _allowed(RULESET_TRANSITIONS, previous.status, RuleSetStatus.RETIRED, SYSTEM)  # nosec B101 # invariant guard on the transition table; the tests run with asserts on
        previous.status = RuleSetStatus.RETIRED
        previous.save(update_fields=["status"])
        RuleSetEvent.objects.create(
            rule_set=previous,
            actor=actor,
            from_status=RuleSetStatus.ACTIVE,
            to_status=RuleSetStatus.RETIRED,
            reason=_("Replaced by version %(version)s.") % {"version": rule_set.version},
        )
    rule_set.status = RuleSetStatus.ACTIVE
    rule_set.activated_at = now
    rule_set.save(update_fields=["status", "activated_at"])
    RuleSetEvent.objects.create(
        rule_set=rule_set,
        actor=actor,
        from_status=RuleSetStatus.DRAFT,
        to_status=RuleSetStatus.ACTIVE,
        reason=reason,
    )
    return rule_set


# --- Consent ----------------------------------------------------------------------------------------


@transaction.atomic
def consent_set(*, actor: User, to: str, reason: str = "") -> Consent:
    """The actor's enterprise gives (``granted``) or withdraws its consent. A withdrawal takes effect in
    the next published batch: screenings and publications read the status when they run."""
    allowed, refusal = can_give_consent(actor)
    if not allowed:
        raise WhitelistNotAllowed(refusal)
    enterprise = actor.organisation
    consent = Consent.objects.select_for_update().filter(enterprise=enterprise).first()
    current = consent.status if consent else ""
    if not _allowed(CONSENT_TRANSITIONS, current, to, actor.role):
        raise WhitelistValidationError(
            _("Your consent is already given.")
            if to == ConsentStatus.GRANTED
            else _("There is no consent to withdraw.")
        )
    now = timezone.now()
    if consent is None:
        consent = Consent.objects.create(enterprise=enterprise, status=to, changed_at=now)
    else:
        consent.status, consent.changed_at = to, now
        consent.save(update_fields=["status", "changed_at"])
    ConsentEvent.objects.create(
        consent=consent, actor=actor, from_status=current, to_status=to, reason=reason
    )
    return consent


# --- Screening --------------------------------------------------------------------------------------

VALID_STATUSES = (LegalStatus.IN_FORCE, LegalStatus.FEE_GRACE)  # a patent in its fee grace is still in force
INVENTIONS = (PatentType.INVENTION, PatentType.PCT_INVENTION)
UTILITY_MODELS = (PatentType.UTILITY_MODEL, PatentType.PCT_UTILITY_MODEL)


def _rank(value_field: str, order: list[str]):
    """A CASE giving a band's or rating's rank (its index in ``order``), -1 when unknown."""
    return Case(
        *[When(**{value_field: value}, then=Value(index)) for index, value in enumerate(order)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def _boolean(condition):
    """True where ``condition`` holds, else False: never NULL, even over a missing indicator or consent."""
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def screening_rows(rule_set: RuleSet, run_id: int):
    """Every active enterprise judged by ``rule_set``, as the rows of Candidate (one SELECT)."""
    assets = "ip_assets"
    valid = Q(**{f"{assets}__legal_status__in": VALID_STATUSES})
    patent = valid & Q(**{f"{assets}__kind": IpKind.PATENT})
    today = timezone.localdate()
    trademark = (
        valid
        & Q(**{f"{assets}__kind": IpKind.TRADEMARK})
        & (Q(**{f"{assets}__valid_until__isnull": True}) | Q(**{f"{assets}__valid_until__gte": today}))
    )
    flags = ("is_high_tech", "is_specialised", "is_little_giant", "is_tech_sme", "is_ip_advantage")
    rows = (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
        .annotate(
            invention=Count(assets, filter=patent & Q(**{f"{assets}__patent_type__in": INVENTIONS})),
            utility=Count(assets, filter=patent & Q(**{f"{assets}__patent_type__in": UTILITY_MODELS})),
            design=Count(assets, filter=patent & Q(**{f"{assets}__patent_type": PatentType.DESIGN})),
            marks=Count(assets, filter=trademark),
            rd=F("whitelist_indicator__rd_ratio_pct"),
            revenue=Coalesce(F("whitelist_indicator__revenue_band"), Value("")),
            rating=Coalesce(F("whitelist_indicator__credit_rating"), Value("")),
            dishonest=Coalesce(F("whitelist_indicator__serious_dishonesty"), Value(False)),
            consent_on=_boolean(Q(whitelist_consent__status=ConsentStatus.GRANTED)),
            npl=Coalesce(Subquery(_npl_counts(), output_field=IntegerField()), Value(0)),
            recommended_on=Exists(
                Recommendation.objects.filter(enterprise=OuterRef("pk"), status=RecommendationStatus.ACCEPTED)
            ),
            **{f"flag_{name}": Coalesce(F(f"enterprise_profile__{name}"), Value(False)) for name in flags},
            region=Substr(Coalesce(F("uscc"), Value("")), 3, 2),
            revenue_rank=_rank("whitelist_indicator__revenue_band", REVENUE_ORDER),
            rating_rank=_rank("whitelist_indicator__credit_rating", RATING_ORDER),
        )
        .annotate(
            r_beijing=_boolean(
                Q(region="11", district__in=District.values)
                if rule_set.require_beijing
                else Q(pk__isnull=False)
            ),
            r_core_ip=_boolean(
                Q(invention__gte=1) | Q(marks__gte=1) if rule_set.require_core_ip else Q(pk__isnull=False)
            ),
            r_honest=_boolean(Q(dishonest=False) if rule_set.require_no_dishonesty else Q(pk__isnull=False)),
            r_category=_boolean(_any_flag(flags) if rule_set.require_category else Q(pk__isnull=False)),
            r_thresholds=_boolean(_thresholds(rule_set)),
            r_no_npl=_boolean(Q(npl=0) if rule_set.require_no_npl else Q(pk__isnull=False)),
        )
        .annotate(
            r_all=_boolean(
                Q(
                    r_beijing=True,
                    r_core_ip=True,
                    r_honest=True,
                    r_category=True,
                    r_thresholds=True,
                    r_no_npl=True,
                )
            ),
            run_value=Value(run_id, output_field=IntegerField()),
        )
    )
    columns = {  # Candidate column -> annotation, in INSERT order
        "run_id": "run_value",
        "enterprise_id": "id",
        "passed": "r_all",
        "in_beijing": "r_beijing",
        "has_core_ip": "r_core_ip",
        "no_dishonesty": "r_honest",
        "has_category": "r_category",
        "meets_thresholds": "r_thresholds",
        "no_npl": "r_no_npl",
        "consented": "consent_on",
        "recommended": "recommended_on",
        "invention_patents": "invention",
        "utility_patents": "utility",
        "design_patents": "design",
        "trademarks": "marks",
        "npl_loans": "npl",
        "rd_ratio_pct": "rd",
        "revenue_band": "revenue",
        "credit_rating": "rating",
        **{name: f"flag_{name}" for name in flags},
    }
    return rows.values_list(*columns.values()), list(columns)


def _npl_counts():
    """Per enterprise (the outer row), how many of its loans the banks report non-performing or written
    off: the loan facts as a screening indicator."""
    from loans.models import Loan, LoanStatus

    return (
        Loan.objects.filter(
            enterprise=OuterRef("pk"), status__in=[LoanStatus.NON_PERFORMING, LoanStatus.WRITTEN_OFF]
        )
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _any_flag(flags) -> Q:
    condition = Q(**{f"flag_{flags[0]}": True})
    for name in flags[1:]:
        condition |= Q(**{f"flag_{name}": True})
    return condition


def _thresholds(rule_set: RuleSet) -> Q:
    condition = Q(
        invention__gte=rule_set.min_invention_patents,
        utility__gte=rule_set.min_utility_patents,
        design__gte=rule_set.min_design_patents,
        marks__gte=rule_set.min_trademarks,
    )
    if rule_set.min_rd_ratio_pct is not None:
        condition &= Q(rd__gte=rule_set.min_rd_ratio_pct)
    if rule_set.min_revenue_band:
        condition &= Q(revenue_rank__gte=REVENUE_ORDER.index(rule_set.min_revenue_band))
    if rule_set.min_credit_rating:
        condition &= Q(rating_rank__gte=RATING_ORDER.index(rule_set.min_credit_rating))
    return condition


def _run_move(run_id: int, actor: User, to: str, *, reason: str = "", **fields) -> bool:
    """Move a run along RUN_TRANSITIONS with a conditional UPDATE from the status the table allows; writes
    the event only when the move happened (so a second worker's claim, or a late failure, changes nothing)."""
    sources = [
        source for source, moves in RUN_TRANSITIONS.items() if _allowed(RUN_TRANSITIONS, source, to, SYSTEM)
    ]
    for source in sources:
        if ScreeningRun.objects.filter(pk=run_id, status=source).update(status=to, **fields):
            ScreeningRunEvent.objects.create(
                run_id=run_id, actor=actor, from_status=source, to_status=to, reason=reason
            )
            return True
    return False


@transaction.atomic
def screening_run_create(*, actor: User) -> ScreeningRun:
    """Queue a screening of every enterprise with the active rules (run after commit, in Celery)."""
    allowed, reason = can_run_screening(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    rule_set = active_rule_set()
    if rule_set is None:
        raise WhitelistValidationError(_("No screening rules are active yet: activate a version first."))
    run = ScreeningRun.objects.create(rule_set=rule_set, requested_by=actor)
    ScreeningRunEvent.objects.create(run=run, actor=actor, to_status=RunStatus.QUEUED)
    from whitelist.tasks import screening_run_task

    enqueue(screening_run_task, run.pk)
    return run


def screening_run_execute(*, run_id: int) -> ScreeningRun | None:
    """Claim the queued run (a redelivered task finds it taken and does nothing), screen, record."""
    run = ScreeningRun.objects.select_related("rule_set", "requested_by").filter(pk=run_id).first()
    if run is None:
        return None
    with transaction.atomic():
        if not _run_move(run_id, run.requested_by, RunStatus.RUNNING, started_at=timezone.now()):
            return None
    try:
        with transaction.atomic():
            rows, columns = screening_rows(run.rule_set, run.pk)
            sql, params = rows.query.sql_with_params()
            names = ", ".join(connection.ops.quote_name(name) for name in columns)
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {Candidate._meta.db_table} ({names}) {sql}", params)
            candidates = Candidate.objects.filter(run_id=run_id)
            _run_move(
                run_id,
                run.requested_by,
                RunStatus.DONE,
                screened=candidates.count(),
                passed=candidates.filter(passed=True).count(),
                finished_at=timezone.now(),
            )
    except Exception as error:
        logger.exception("screening run %s failed", run_id)
        with transaction.atomic():
            _run_move(
                run_id,
                run.requested_by,
                RunStatus.FAILED,
                reason=str(error)[:500],
                finished_at=timezone.now(),
                error=str(error)[:2000],
            )
    run.refresh_from_db()
    return run
