"""Drill-down: the cases behind a figure, read from the same stage query that counted them.

A figure's cases are the stage rows of its subject in the period and cut where its ``drill`` column is
set; the ids are walked newest first by keyset (``id < after``), never counted or offset.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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
    sql = f"{cte}SELECT DISTINCT id FROM ({wrapped_stage(subject)}) w{where} ORDER BY id DESC"  # nosec B608 # identifiers from the models or constants, values bound as parameters
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


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


def _loan(o) -> Case:
    return Case(
        o.reference,
        o.enterprise.name,
        o.bank.name,
        o.disbursed_amount,
        o.disbursed_on,
        o.get_status_display(),
        _url("loans:loan_detail", o.pk),
    )


def _registration(o) -> Case:
    return Case(
        o.reference,
        o.pledgor.name,
        o.pledgee.name,
        o.debt_amount,
        o.completed_on,
        o.get_status_display(),
        _url("pledges:registration_detail", o.pk),
    )


def _whitelist_entry(o) -> Case:
    return Case(
        f"#{o.batch.number}",
        o.enterprise.name,
        "",
        None,
        _local_day(o.batch.published_at),
        o.get_decision_display(),
        None,
    )


def _application(o) -> Case:
    return Case(
        o.reference,
        o.enterprise.name,
        "",
        o.approved_amount or o.calculated,
        _local_day(o.submitted_at),
        o.get_status_display(),
        _url("subsidies:application-detail", o.pk),
    )


def _claim(o) -> Case:
    return Case(
        o.reference,
        o.loan.enterprise.name,
        o.bank.name,
        o.approved_total or o.total,
        _local_day(o.submitted_at),
        o.get_status_display(),
        _url("riskcomp:claim-detail", o.pk),
    )


def _rated_case(o) -> Case:
    current = next((rating for rating in o.ratings.all() if rating.is_current), None)
    status = o.get_subject_kind_display()
    if current is not None:
        status = _("%(kind)s · %(score)s points") % {"kind": status, "score": current.score}
    return Case(
        o.reference,
        o.rater_org.name,
        o.responsible_org.name,
        None,
        _local_day(current.submitted_at) if current else None,
        status,
        None,
    )


# subject -> (model, relations to fetch with it, its row[, relations to prefetch]); the stage's ids are of that
# model.
_DESCRIBED = {
    "loans": ("loans.Loan", ("enterprise", "bank"), _loan),
    "npl": ("loans.Loan", ("enterprise", "bank"), _loan),
    "registrations": ("pledges.PledgeRegistration", ("pledgor", "pledgee"), _registration),
    "whitelist": ("whitelist.BatchEntry", ("enterprise", "batch"), _whitelist_entry),
    "subsidies": ("subsidies.Application", ("enterprise",), _application),
    "riskcomp": ("riskcomp.Claim", ("loan__enterprise", "bank"), _claim),
    "satisfaction": ("ratings.Invitation", ("rater_org", "responsible_org"), _rated_case, ("ratings",)),
}


def describe(subject_name: str, ids: list[int]) -> list[Case]:
    """The cases' rows for the page and the export, in the order of ``ids``."""
    model_name, related, row, *prefetch = _DESCRIBED[subject_name]
    queryset = apps.get_model(model_name).objects.select_related(*related)
    objects = queryset.prefetch_related(*(prefetch[0] if prefetch else ())).in_bulk(ids)
    return [row(objects[pk]) for pk in ids if pk in objects]
