"""An application's calculation sheet: its loan and fee lines under the parameter version it is bound to,
through the same pure functions as the public calculator (subsidies.calculations). Used for the live
figures while the enterprise edits, on submission, and by the batch recomputation after a correction."""

import json
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from portal.policy.errors import LprMissing
from portal.policy.models import LprRate
from subsidies.calculations import InterestRules, LoanFigures, fee_quote, interest_quote
from subsidies.models import Application, ApplicationEvent, FeeLine, LoanLine

LINE_FIELDS = ("lpr_pct", "cap_rate_pct", "eligible_interest", "subsidy", "reasons")
APPLICATION_FIELDS = (
    "interest_amount",
    "interest_capped",
    "fee_amount",
    "fee_capped",
    "calculated",
    "calculated_at",
    "parameters",
)


class LprTable:
    """Every LPR publication, read once: the rate in effect on a day by bisection (a recomputation of
    10,000 applications asks for tens of thousands of days)."""

    def __init__(self):
        rows = list(LprRate.objects.order_by("effective_date").values_list("effective_date", "one_year_pct"))
        self.days = [row[0] for row in rows]
        self.rates = [row[1] for row in rows]

    def on(self, day: date) -> Decimal:
        index = bisect_right(self.days, day) - 1
        if index < 0:
            raise LprMissing(day)
        return self.rates[index]


@dataclass
class Sheet:
    interest_amount: Decimal
    interest_capped: bool
    fee_amount: Decimal
    fee_capped: bool

    @property
    def total(self) -> Decimal:
        return self.interest_amount + self.fee_amount


def compute(values: dict, loan_lines: list[LoanLine], fee_lines: list[FeeLine], lpr: LprTable) -> Sheet:
    """Fill the computed fields of the lines (in memory) and return the application's totals."""
    rules = InterestRules.from_values(values)
    figures = [
        LoanFigures(
            ref=str(index),
            interest_paid=line.interest_paid,
            annual_rate_pct=line.annual_rate_pct,
            ip_share=line.ip_share,
            disbursed_on=line.disbursed_on,
            settled_on=line.settled_on,
            pledge_registered_on=line.pledge_registered_on,
            lpr_pct=lpr.on(line.disbursed_on),
        )
        for index, line in enumerate(loan_lines)
    ]
    quote = interest_quote(rules, figures)
    for line, result in zip(loan_lines, quote.loans, strict=True):
        line.lpr_pct = result.lpr_pct
        line.cap_rate_pct = result.cap_rate_pct
        line.eligible_interest = result.eligible_interest
        line.subsidy = result.subsidy
        line.reasons = [reason["code"] for reason in result.reasons]
    insurance = bool(values["fee_insurance_eligible"])
    for fee in fee_lines:
        fee.counted = fee.kind != "insurance" or insurance
    fee_total, fee_capped = fee_quote(
        ratio=Decimal(values["fee_ratio"]),
        cap=Decimal(values["fee_cap_per_enterprise"]),
        insurance_eligible=insurance,
        fees=[(fee.kind, fee.amount) for fee in fee_lines],
    )
    return Sheet(quote.total, quote.cap_applied, fee_total, fee_capped)


def explain_reasons(application: Application, lines: list[LoanLine]) -> None:
    """Put each line's ineligibility reasons in words on ``line.reason_texts``: the stored codes
    worded by the same rules as the public calculator, with the line's own dates and shares."""
    rules = InterestRules.from_values(application.parameters.values)
    for line in lines:
        line.reason_texts = []
        if not line.reasons:
            continue
        figures = LoanFigures(
            ref=str(line.pk),
            interest_paid=line.interest_paid,
            annual_rate_pct=line.annual_rate_pct,
            ip_share=line.ip_share,
            disbursed_on=line.disbursed_on,
            settled_on=line.settled_on,
            pledge_registered_on=line.pledge_registered_on,
            lpr_pct=line.lpr_pct or Decimal("0"),
        )
        words = {
            reason["code"]: reason["message"] for reason in interest_quote(rules, [figures]).loans[0].reasons
        }
        line.reason_texts = [words.get(code, code) for code in line.reasons]


def apply_sheet(application: Application, sheet: Sheet, now=None) -> None:
    application.interest_amount = sheet.interest_amount
    application.interest_capped = sheet.interest_capped
    application.fee_amount = sheet.fee_amount
    application.fee_capped = sheet.fee_capped
    application.calculated = sheet.total
    application.calculated_at = now or timezone.now()


@transaction.atomic
def application_recalculate(application: Application, lpr: LprTable | None = None) -> Sheet:
    """Recompute and store one application's sheet under its own parameter version."""
    loan_lines = list(application.loan_lines.all())
    fee_lines = list(application.fee_lines.all())
    sheet = compute(application.parameters.values, loan_lines, fee_lines, lpr or LprTable())
    LoanLine.objects.bulk_update(loan_lines, LINE_FIELDS)
    FeeLine.objects.bulk_update(fee_lines, ["counted"])
    apply_sheet(application, sheet)
    application.save(update_fields=[*APPLICATION_FIELDS, "updated_at"])
    return sheet


def recompute_event(
    application: Application, *, before: Decimal, version_before: int, version: int
) -> ApplicationEvent:
    return ApplicationEvent(
        application=application,
        action="recomputed",
        reason="",
        details={
            "version": [version_before, version],
            "calculated": [f"{before:.2f}", f"{application.calculated:.2f}"],
        },
    )


def _write_back(applications: list[Application], loans: list[LoanLine], fees: list[FeeLine], now) -> None:
    """Store the recomputed fields: on PostgreSQL one UPDATE ... FROM unnest(arrays) per table and chunk
    (Django's bulk_update builds a CASE WHEN per row and field, which costs ~2.5 ms of Python per
    application); elsewhere (SQLite in tests) bulk_update."""
    if connection.vendor != "postgresql":
        LoanLine.objects.bulk_update(loans, LINE_FIELDS, batch_size=1000)
        FeeLine.objects.bulk_update(fees, ["counted"], batch_size=1000)
        Application.objects.bulk_update(applications, APPLICATION_FIELDS, batch_size=1000)
        return
    with connection.cursor() as cursor:
        if loans:
            cursor.execute(
                "UPDATE subsidies_loanline AS l SET lpr_pct = v.lpr, cap_rate_pct = v.cap, "
                "eligible_interest = v.eligible, subsidy = v.subsidy, reasons = v.reasons::jsonb "
                "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::numeric[], "
                "%s::text[]) AS v(id, lpr, cap, eligible, subsidy, reasons) WHERE l.id = v.id",
                [
                    [line.pk for line in loans],
                    [line.lpr_pct for line in loans],
                    [line.cap_rate_pct for line in loans],
                    [line.eligible_interest for line in loans],
                    [line.subsidy for line in loans],
                    [json.dumps(line.reasons) for line in loans],
                ],
            )
        if fees:
            cursor.execute(
                "UPDATE subsidies_feeline AS f SET counted = v.counted "
                "FROM unnest(%s::bigint[], %s::boolean[]) AS v(id, counted) WHERE f.id = v.id",
                [[fee.pk for fee in fees], [fee.counted for fee in fees]],
            )
        cursor.execute(
            "UPDATE subsidies_application AS a SET interest_amount = v.interest, "
            "interest_capped = v.interest_capped, fee_amount = v.fee, fee_capped = v.fee_capped, "
            "calculated = v.calculated, calculated_at = %s, updated_at = %s, parameters_id = v.parameters "
            "FROM unnest(%s::bigint[], %s::numeric[], %s::boolean[], %s::numeric[], %s::boolean[], "
            "%s::numeric[], %s::bigint[]) AS v(id, interest, interest_capped, fee, fee_capped, calculated, "
            "parameters) WHERE a.id = v.id",
            [
                now,
                now,
                [application.pk for application in applications],
                [application.interest_amount for application in applications],
                [application.interest_capped for application in applications],
                [application.fee_amount for application in applications],
                [application.fee_capped for application in applications],
                [application.calculated for application in applications],
                [application.parameters_id for application in applications],
            ],
        )


def batch_recompute(batch_id: int, *, chunk: int = 2000) -> int:
    """Re-bind the batch's open applications (not yet proposed) to its latest parameter version and
    recompute them, each with an event saying old and new amount; returns how many changed version.
    Safe to run twice: applications already on the latest version are skipped."""
    from subsidies.batches import current_parameters
    from subsidies.models import OPEN_STATUSES, Batch

    lpr = LprTable()
    done = 0
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        version = current_parameters(batch)
        pending = list(
            Application.objects.select_for_update()
            .filter(batch=batch, status__in=OPEN_STATUSES)
            .exclude(parameters=version)
            .select_related("parameters")
            .order_by("pk")
        )
        now = timezone.now()
        for start in range(0, len(pending), chunk):
            applications = pending[start : start + chunk]
            ids = [application.pk for application in applications]
            loans: dict[int, list[LoanLine]] = {pk: [] for pk in ids}
            fees: dict[int, list[FeeLine]] = {pk: [] for pk in ids}
            for line in LoanLine.objects.filter(application_id__in=ids).order_by("pk"):
                loans[line.application_id].append(line)
            for fee in FeeLine.objects.filter(application_id__in=ids).order_by("pk"):
                fees[fee.application_id].append(fee)
            events = []
            for application in applications:
                before, version_before = application.calculated, application.parameters.version
                sheet = compute(version.values, loans[application.pk], fees[application.pk], lpr)
                apply_sheet(application, sheet, now)
                application.parameters = version
                events.append(
                    recompute_event(
                        application, before=before, version_before=version_before, version=version.version
                    )
                )
            _write_back(
                applications,
                [line for lines in loans.values() for line in lines],
                [fee for lines in fees.values() for fee in lines],
                now,
            )
            ApplicationEvent.objects.bulk_create(events, batch_size=1000)
            done += len(applications)
    return done
