"""Drill-down: the cases behind a figure, read from the same stage query that counted them.

A figure's cases are the stage rows of its subject in the period and cut where its ``drill`` column is
set; the ids are walked newest first by keyset (``id < after``), never counted or offset.
"""

from dataclasses import dataclass

from django.db import connection
from django.urls import NoReverseMatch, reverse

from stats.dims import Filters, Period
from stats.indicators import Indicator
from stats.rollup import where_clause, wrapped_stage
from stats.subjects import LOAN_DIMS_TABLE, SUBJECTS, loan_dims_sql

PAGE_SIZE = 50


def case_ids(
    indicator: Indicator, period: Period, filters: Filters, *, after: int | None = None, limit=PAGE_SIZE
):
    subject = SUBJECTS[indicator.subject]
    if indicator.now:  # as of the refresh: the period does not apply
        where, params = where_clause(filters, None, None)
    else:
        where, params = where_clause(
            filters, (period.year, period.first_month), (period.year, period.last_month)
        )
    clause = f"{indicator.drill} > 0" + (" AND id < %s" if after else "")
    params += [after] if after else []
    where = f"{where} AND {clause}" if where else f" WHERE {clause}"
    cte = f"WITH {LOAN_DIMS_TABLE} AS ({loan_dims_sql()}) " if subject.uses_loan_dims else ""
    sql = f"{cte}SELECT DISTINCT id FROM ({wrapped_stage(subject)}) w{where} ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Case:
    reference: str
    enterprise: str
    bank: str
    amount: object
    day: object
    status: str
    url: str | None


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def describe(subject_name: str, ids: list[int]) -> list[Case]:
    """The cases' rows for the page and the export, in the order of ``ids``."""
    from loans.models import Loan
    from pledges.models import PledgeRegistration
    from riskcomp.models import Claim
    from subsidies.models import Application
    from whitelist.models import BatchEntry

    if subject_name in ("loans", "npl"):
        objects = Loan.objects.select_related("enterprise", "bank").in_bulk(ids)
        rows = {
            pk: Case(
                o.reference,
                o.enterprise.name,
                o.bank.name,
                o.disbursed_amount,
                o.disbursed_on,
                o.get_status_display(),
                _url("loans:loan_detail", o.pk),
            )
            for pk, o in objects.items()
        }
    elif subject_name == "registrations":
        objects = PledgeRegistration.objects.select_related("pledgor", "pledgee").in_bulk(ids)
        rows = {
            pk: Case(
                o.reference,
                o.pledgor.name,
                o.pledgee.name,
                o.debt_amount,
                o.completed_on,
                o.get_status_display(),
                _url("pledges:registration_detail", o.pk),
            )
            for pk, o in objects.items()
        }
    elif subject_name == "whitelist":
        objects = BatchEntry.objects.select_related("enterprise", "batch").in_bulk(ids)
        rows = {
            pk: Case(
                f"#{o.batch.number}",
                o.enterprise.name,
                "",
                None,
                o.batch.published_at.date() if o.batch.published_at else None,
                o.get_decision_display(),
                None,
            )
            for pk, o in objects.items()
        }
    elif subject_name == "subsidies":
        objects = Application.objects.select_related("enterprise").in_bulk(ids)
        rows = {
            pk: Case(
                o.reference,
                o.enterprise.name,
                "",
                o.approved_amount or o.calculated,
                o.submitted_at.date() if o.submitted_at else None,
                o.get_status_display(),
                _url("subsidies:application-detail", o.pk),
            )
            for pk, o in objects.items()
        }
    elif subject_name == "riskcomp":
        objects = Claim.objects.select_related("loan__enterprise", "bank").in_bulk(ids)
        rows = {
            pk: Case(
                o.reference,
                o.loan.enterprise.name,
                o.bank.name,
                o.approved_total or o.total,
                o.submitted_at.date() if o.submitted_at else None,
                o.get_status_display(),
                _url("riskcomp:claim-detail", o.pk),
            )
            for pk, o in objects.items()
        }
    else:
        raise ValueError(subject_name)
    return [rows[pk] for pk in ids if pk in rows]
