"""A bank's overall non-performing loan ratio, reported per quarter by its head office (domain.md §2.10).

The reports set the IP-pledge loans' NPL ratio beside the latest of these: an IP-loan ratio up to 3
percentage points above the bank's overall ratio is tolerated. Only a bank manager of the head office
itself reports its group's figure; one figure per quarter end, which a later report for the same quarter
replaces (the change is kept in the audit log with the figure before and after).
"""

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.audit.services import audit_record
from riskcomp.errors import RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import BankNplRatio

HUNDRED = Decimal("100")
QUARTER_END_MONTHS = (3, 6, 9, 12)


def is_quarter_end(day) -> bool:
    return (
        isinstance(day, date)
        and day.month in QUARTER_END_MONTHS
        and day.day == calendar.monthrange(day.year, day.month)[1]
    )


def can_report(user: User, bank: Organisation | None = None) -> bool:
    """A bank manager of a head office (a bank with no parent), for that head office only."""
    organisation = user.organisation if user.is_authenticated else None
    if (
        organisation is None
        or organisation.kind != OrgKind.BANK
        or organisation.parent_id is not None
        or user.role != Role.BANK_MANAGER
    ):
        return False
    return bank is None or bank.pk == organisation.pk


def _ratio(value) -> Decimal:
    try:
        ratio = value if isinstance(value, Decimal) else Decimal(str(value).strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        raise RiskcompInvalid(
            _("Enter the ratio in percent."), {"ratio_pct": [_("Enter a number.")]}
        ) from None
    if not ratio.is_finite() or ratio < 0 or ratio > HUNDRED:
        raise RiskcompInvalid(
            _("Enter the ratio in percent."), {"ratio_pct": [_("Enter a percentage from 0 to 100.")]}
        )
    if ratio != ratio.quantize(Decimal("0.01")):
        raise RiskcompInvalid(
            _("Enter the ratio in percent."), {"ratio_pct": [_("At most two decimal places.")]}
        )
    return ratio.quantize(Decimal("0.01"))


@transaction.atomic
def npl_ratio_report(*, bank: Organisation, period_end: date, ratio_pct, actor: User) -> BankNplRatio:
    """Record (or correct) ``bank``'s overall NPL ratio for the quarter ending ``period_end``."""
    if not can_report(actor, bank):
        raise RiskcompNotAllowed(
            _("Only a bank manager of the bank's head office reports its overall NPL ratio.")
        )
    errors: dict[str, list[str]] = {}
    if not is_quarter_end(period_end):
        errors["period_end"] = [
            _("Enter a quarter's last day (31 March, 30 June, 30 September, 31 December).")
        ]
    elif period_end > timezone.localdate():
        errors["period_end"] = [_("The quarter has not ended yet.")]
    try:
        ratio = _ratio(ratio_pct)
    except RiskcompInvalid as problem:
        errors.update(problem.errors)
    if errors:
        raise RiskcompInvalid(_("The ratio was not recorded: correct the fields marked."), errors)
    row = BankNplRatio.objects.select_for_update().filter(bank=bank, period_end=period_end).first()
    before = None if row is None else row.ratio_pct
    if row is None:
        row = BankNplRatio.objects.create(
            bank=bank, period_end=period_end, ratio_pct=ratio, reported_by=actor
        )
    else:
        row.ratio_pct, row.reported_by = ratio, actor
        row.save(update_fields=["ratio_pct", "reported_by", "reported_at"])
    audit_record(
        action="riskcomp.npl_ratio.report",
        actor=actor,
        object_type="riskcomp.bank_npl_ratio",
        object_id=row.pk,
        details={
            "bank": bank.pk,
            "period_end": period_end,
            "before": before,
            "after": ratio,
        },
    )
    return row


def npl_ratio_history(bank: Organisation) -> QuerySet[BankNplRatio]:
    return BankNplRatio.objects.filter(bank=bank).select_related("reported_by").order_by("-period_end")


def latest_ratios(bank_ids=None) -> QuerySet[Organisation]:
    """Head-office banks annotated with their latest reported ratio and its quarter (None when none yet),
    in one query; ``bank_ids`` limits them."""
    latest = BankNplRatio.objects.filter(bank=OuterRef("pk")).order_by("-period_end")
    banks = Organisation.objects.filter(kind=OrgKind.BANK, parent__isnull=True)
    if bank_ids is not None:
        banks = banks.filter(pk__in=bank_ids)
    return banks.annotate(
        latest_ratio=Subquery(latest.values("ratio_pct")[:1]),
        latest_period=Subquery(latest.values("period_end")[:1]),
    ).order_by("name", "pk")
