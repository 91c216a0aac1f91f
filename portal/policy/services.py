"""Writes of the policy numbers. Each changed value leaves one ``ParameterChange`` row in the same transaction.

The admin calls these too (``PolicyParameterSetAdmin.save_model`` and friends), so there is no path
that changes a number without recording who changed it, when, from what and to what.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from portal.policy.models import (
    EDITABLE_FIELDS,
    PARAMETER_FIELDS,
    LprRate,
    ParameterChange,
    ParameterSetStatus,
    PolicyParameterSet,
    ServiceTime,
)

SERVICE_TIME_FIELDS = ("ip_kind", "channel", "target", "days", "day_basis", "source")
LPR_FIELDS = ("effective_date", "one_year_pct", "five_year_pct", "source", "note")


def _text(value) -> str:
    """How a value is written into the change log (empty = not set)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _normalised(instance: models.Model, name: str):
    """The value as the database will hand it back, so 0.5 and 0.5000 compare (and log) as one value."""
    value = getattr(instance, name)
    field = instance._meta.get_field(name)
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        setattr(instance, name, value)
    return value


def _refuse_unknown(changes: dict, allowed) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})


def _log(*, parameter_set, actor, field: str, old: str, new: str, reason: str) -> ParameterChange:
    return ParameterChange.objects.create(
        parameter_set=parameter_set, actor=actor, field=field, old_value=old, new_value=new, reason=reason
    )


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # 29 February moved into a common year: the last day of February is the same point of the year.
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def parameter_set_create(
    *,
    year: int,
    title: str,
    values: dict,
    notes: str = "",
    status: str = ParameterSetStatus.DRAFT,
    sources: dict | None = None,
    actor,
    reason: str = "",
) -> PolicyParameterSet:
    """A new set from a complete ``values`` dict of every parameter (see ``PARAMETER_FIELDS``)."""
    _refuse_unknown(values, PARAMETER_FIELDS)
    parameter_set = PolicyParameterSet(
        year=year, title=title, notes=notes, status=status, sources=dict(sources or {}), **values
    )
    parameter_set.full_clean()
    for name in PARAMETER_FIELDS:
        _normalised(parameter_set, name)
    parameter_set.save()
    _log(
        parameter_set=parameter_set,
        actor=actor,
        field=ParameterChange.CREATED,
        old="",
        new=str(year),
        reason=reason,
    )
    return parameter_set


@transaction.atomic
def parameter_set_update(
    *, parameter_set: PolicyParameterSet, changes: dict, actor, reason: str = ""
) -> PolicyParameterSet:
    """Apply ``changes`` (field name -> new value) after validating the whole set.

    ``changes["sources"]``, if given, maps parameter names to new source notes; only the names given
    change, and an empty note removes it. Unchanged values write nothing; an invalid value raises
    ``ValidationError`` before anything is written.
    """
    _refuse_unknown(changes, (*EDITABLE_FIELDS, "sources"))
    if not isinstance(changes.get("sources", {}), dict):
        raise ValidationError({"sources": _("Source notes must map parameter names to text.")})
    locked = PolicyParameterSet.objects.select_for_update().get(pk=parameter_set.pk)
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    before_sources = dict(locked.sources)

    for name, value in changes.items():
        if name != "sources":
            setattr(locked, name, value)
    new_sources = dict(before_sources)
    for name, note in (changes.get("sources") or {}).items():
        note = note.strip() if isinstance(note, str) else note
        if note in ("", None):
            new_sources.pop(name, None)
        else:
            new_sources[name] = note
    locked.sources = new_sources
    locked.full_clean()

    changed: list[str] = []
    for name in EDITABLE_FIELDS:
        after = _normalised(locked, name)
        if after != before[name]:
            changed.append(name)
            _log(
                parameter_set=locked,
                actor=actor,
                field=name,
                old=_text(before[name]),
                new=_text(after),
                reason=reason,
            )
    for name in sorted(set(before_sources) | set(new_sources)):
        old_note, new_note = before_sources.get(name, ""), new_sources.get(name, "")
        if old_note != new_note:
            _log(
                parameter_set=locked,
                actor=actor,
                field=f"sources.{name}",
                old=old_note,
                new=new_note,
                reason=reason,
            )
    if new_sources != before_sources:
        changed.append("sources")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def parameter_set_clone(
    *, source: PolicyParameterSet, year: int, actor, title: str = ""
) -> PolicyParameterSet:
    """Copy a set and its service times to ``year`` as a draft; the settlement window moves with the year."""
    # Copy what is stored now, not what the caller's instance last saw; the lock keeps edits out meanwhile.
    source = PolicyParameterSet.objects.select_for_update().get(pk=source.pk)
    shift = year - source.year
    if not title:
        title = (
            source.title.replace(str(source.year), str(year))
            if str(source.year) in source.title
            else _("%(title)s (copy for %(year)s)") % {"title": source.title, "year": year}
        )
    values = {name: getattr(source, name) for name in PARAMETER_FIELDS}
    values["settlement_window_start"] = _shift_years(source.settlement_window_start, shift)
    values["settlement_window_end"] = _shift_years(source.settlement_window_end, shift)
    clone = parameter_set_create(
        year=year,
        title=title,
        values=values,
        notes=source.notes,
        status=ParameterSetStatus.DRAFT,
        sources=source.sources,
        actor=actor,
        reason=_("Copied from the parameter set of %(year)s.") % {"year": source.year},
    )
    for row in source.service_times.all():
        copy = ServiceTime(
            parameter_set=clone,
            ip_kind=row.ip_kind,
            channel=row.channel,
            target=row.target,
            days=row.days,
            day_basis=row.day_basis,
            source=row.source,
        )
        copy.full_clean()
        copy.save()
    return clone


@transaction.atomic
def service_time_add(
    *,
    parameter_set: PolicyParameterSet,
    ip_kind: str,
    channel: str,
    target: str,
    days: int,
    day_basis: str,
    source: str = "",
    actor,
    reason: str = "",
) -> ServiceTime:
    # Locking the set serialises concurrent edits of its service times with edits of the set itself.
    locked = PolicyParameterSet.objects.select_for_update().get(pk=parameter_set.pk)
    row = ServiceTime(
        parameter_set=locked,
        ip_kind=ip_kind,
        channel=channel,
        target=target,
        days=days,
        day_basis=day_basis,
        source=source.strip(),
    )
    row.full_clean()
    row.save()
    _log(
        parameter_set=locked, actor=actor, field=row.history_field, old="", new=row.value_text, reason=reason
    )
    if row.source:
        _log(
            parameter_set=locked,
            actor=actor,
            field=f"{row.history_field}.source",
            old="",
            new=row.source,
            reason=reason,
        )
    return row


@transaction.atomic
def service_time_update(*, service_time: ServiceTime, changes: dict, actor, reason: str = "") -> ServiceTime:
    """Change a service time; moving it to another IP kind, channel or kind of time logs a removal and an addition."""
    _refuse_unknown(changes, SERVICE_TIME_FIELDS)
    PolicyParameterSet.objects.select_for_update().get(pk=service_time.parameter_set_id)
    row = ServiceTime.objects.select_related("parameter_set").get(pk=service_time.pk)
    old_field, old_value, old_source = row.history_field, row.value_text, row.source
    for name, value in changes.items():
        setattr(row, name, value.strip() if name == "source" and isinstance(value, str) else value)
    row.full_clean()
    if row.history_field == old_field and row.value_text == old_value and row.source == old_source:
        return row
    row.save()
    parameter_set = row.parameter_set
    if row.history_field != old_field:
        _log(parameter_set=parameter_set, actor=actor, field=old_field, old=old_value, new="", reason=reason)
        _log(
            parameter_set=parameter_set,
            actor=actor,
            field=row.history_field,
            old="",
            new=row.value_text,
            reason=reason,
        )
    elif row.value_text != old_value:
        _log(
            parameter_set=parameter_set,
            actor=actor,
            field=row.history_field,
            old=old_value,
            new=row.value_text,
            reason=reason,
        )
    if row.source != old_source:
        _log(
            parameter_set=parameter_set,
            actor=actor,
            field=f"{row.history_field}.source",
            old=old_source,
            new=row.source,
            reason=reason,
        )
    return row


@transaction.atomic
def service_time_delete(*, service_time: ServiceTime, actor, reason: str = "") -> None:
    locked = PolicyParameterSet.objects.select_for_update().get(pk=service_time.parameter_set_id)
    row = ServiceTime.objects.get(pk=service_time.pk)
    _log(
        parameter_set=locked, actor=actor, field=row.history_field, old=row.value_text, new="", reason=reason
    )
    row.delete()


@transaction.atomic
def lpr_rate_add(
    *,
    effective_date: date,
    one_year_pct: Decimal,
    five_year_pct: Decimal,
    source: str,
    note: str = "",
    actor,
    reason: str = "",
) -> LprRate:
    """Record a new LPR publication (the 20th of a month, or the next working day)."""
    rate = LprRate(
        effective_date=effective_date,
        one_year_pct=one_year_pct,
        five_year_pct=five_year_pct,
        source=source.strip(),
        note=note.strip(),
    )
    rate.full_clean()
    for name in ("one_year_pct", "five_year_pct"):
        _normalised(rate, name)
    rate.save()
    for name in LPR_FIELDS:
        value = _text(getattr(rate, name))
        if name != "effective_date" and value:
            _log(
                parameter_set=None,
                actor=actor,
                field=f"{rate.history_field}.{name}",
                old="",
                new=value,
                reason=reason,
            )
    return rate


@transaction.atomic
def lpr_rate_update(*, lpr_rate: LprRate, changes: dict, actor, reason: str = "") -> LprRate:
    """Correct a recorded publication; each changed field is logged under the row's (new) date."""
    _refuse_unknown(changes, LPR_FIELDS)
    locked = LprRate.objects.select_for_update().get(pk=lpr_rate.pk)
    before = {name: getattr(locked, name) for name in LPR_FIELDS}
    old_history_field = locked.history_field
    for name, value in changes.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean()
    changed = []
    for name in LPR_FIELDS:
        after = _normalised(locked, name)
        if after != before[name]:
            changed.append(name)
            prefix = old_history_field if name == "effective_date" else locked.history_field
            _log(
                parameter_set=None,
                actor=actor,
                field=f"{prefix}.{name}",
                old=_text(before[name]),
                new=_text(after),
                reason=reason,
            )
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    return locked
