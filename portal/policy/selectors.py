"""Reads of the policy numbers. Calculations get their parameters here, never from constants."""

from datetime import date

from django.db.models import QuerySet

from portal.policy.errors import LprMissing, PolicyYearMissing, ServiceTimeMissing
from portal.policy.models import (
    LprRate,
    ParameterChange,
    ParameterSetStatus,
    PolicyParameterSet,
    ServiceTime,
    TargetKind,
)


def parameter_set_for_year(year: int, *, include_drafts: bool = False) -> PolicyParameterSet:
    """The parameter set in force for a batch year.

    A draft (for example a set just cloned for next year, not yet checked against the notice) is
    invisible to calculations unless the caller asks for it, so a public quote never uses numbers
    staff have not released.
    """
    queryset = PolicyParameterSet.objects.filter(year=year)
    if not include_drafts:
        queryset = queryset.filter(status=ParameterSetStatus.IN_FORCE)
    parameter_set = queryset.first()
    if parameter_set is None:
        raise PolicyYearMissing(year)
    return parameter_set


def lpr_on(day: date) -> LprRate:
    """The LPR publication in effect on ``day``: the latest whose effective date is on or before it."""
    rate = LprRate.objects.filter(effective_date__lte=day).order_by("-effective_date").first()
    if rate is None:
        raise LprMissing(day)
    return rate


def service_time(
    *, year: int, ip_kind: str, channel: str, target: str = TargetKind.SERVICE_TARGET
) -> ServiceTime:
    """The registration time for one IP kind and filing channel, from the set in force for ``year``."""
    parameter_set = parameter_set_for_year(year)
    found = parameter_set.service_times.filter(ip_kind=ip_kind, channel=channel, target=target).first()
    if found is None:
        raise ServiceTimeMissing(year=year, ip_kind=ip_kind, channel=channel, target=target)
    return found


def parameter_set_list(*, user) -> QuerySet[PolicyParameterSet]:
    """Sets a user may see: those in force for everybody, drafts for portal staff only."""
    queryset = PolicyParameterSet.objects.prefetch_related("service_times").order_by("year")
    if not (user.is_authenticated and user.is_staff):
        queryset = queryset.filter(status=ParameterSetStatus.IN_FORCE)
    return queryset


def lpr_rate_list() -> QuerySet[LprRate]:
    return LprRate.objects.order_by("-effective_date")


def parameter_change_list(*, parameter_set: PolicyParameterSet | None = None) -> QuerySet[ParameterChange]:
    queryset = ParameterChange.objects.select_related("actor", "parameter_set")
    if parameter_set is not None:
        queryset = queryset.filter(parameter_set=parameter_set)
    return queryset.order_by("-changed_at", "-id")
