"""Subsidy batches: create (with the year's parameters frozen as version 1 and the default materials
checklist), publish, archive, clone from last year with a side-by-side diff, correct the parameters (a
new version) and recompute the applications still open under the corrected version."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import User
from portal.outbox import enqueue
from portal.policy.models import PolicyParameterSet
from subsidies import parameters as params
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import (
    BATCH_TRANSITIONS,
    OPEN_STATUSES,
    Batch,
    BatchEvent,
    BatchParameters,
    BatchStatus,
    ChecklistItem,
    MaterialScope,
)
from subsidies.permissions import is_batch_manager, is_finance

# Domain.md §2.4: the four materials visible in the notice, then the assumed ones [A].
DEFAULT_CHECKLIST = (
    (gettext_lazy("Application form"), MaterialScope.EVERY, True, True),
    (gettext_lazy("Business licence"), MaterialScope.EVERY, False, True),
    (gettext_lazy("Certificates of the pledged IP"), MaterialScope.EVERY, False, True),
    (
        gettext_lazy("Registration documents from the registration authority"),
        MaterialScope.EVERY,
        False,
        True,
    ),
    (gettext_lazy("Loan contract and pledge contract"), MaterialScope.ENTERED_LOAN, False, True),
    (
        gettext_lazy("Interest-payment vouchers and settlement certificate"),
        MaterialScope.ENTERED_LOAN,
        False,
        True,
    ),
    (gettext_lazy("The bank's certificate of the IP share"), MaterialScope.COMBINATION, False, True),
    (gettext_lazy("Fee invoices and payment records"), MaterialScope.FEES, False, True),
)

BATCH_FIELDS = ("year", "title", "opens_on", "closes_on", "budget", "budget_source", "publicity_working_days")


def _manager(actor: User) -> None:
    if not is_batch_manager(actor):
        raise SubsidyNotAllowed(
            _("Only the IP bureau's reviewers and promotion officers manage subsidy batches.")
        )


def _check_fields(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    opens_on, closes_on = values.get("opens_on"), values.get("closes_on")
    if not isinstance(opens_on, date):
        errors["opens_on"] = [_("Enter a date as YYYY-MM-DD.")]
    if not isinstance(closes_on, date):
        errors["closes_on"] = [_("Enter a date as YYYY-MM-DD.")]
    elif isinstance(opens_on, date) and closes_on < opens_on:
        errors["closes_on"] = [_("The batch cannot close before it opens.")]
    budget = values.get("budget")
    if not isinstance(budget, Decimal) or budget < 0:
        errors["budget"] = [_("Enter the budget in yuan, at least 0.")]
    days = values.get("publicity_working_days")
    if not isinstance(days, int) or days < 1:
        errors["publicity_working_days"] = [_("At least one working day.")]
    if errors:
        raise SubsidyInvalid(_("The batch was not saved: correct the fields marked."), errors)
    return {**values, "title": title, "budget": budget.quantize(Decimal("0.01"))}


def _parameter_set(year) -> PolicyParameterSet:
    found = PolicyParameterSet.objects.filter(year=year).first()
    if found is None:
        raise SubsidyInvalid(
            _("There are no policy parameters for %(year)s yet: ask an administrator to add them first.")
            % {"year": year},
            {"year": [_("No policy parameters for this year.")]},
        )
    return found


@transaction.atomic
def batch_create(*, actor: User, values: dict, checklist=None, source: Batch | None = None) -> Batch:
    """A draft batch bound to the year's parameter set; its parameters frozen as version 1."""
    _manager(actor)
    values = _check_fields(values)
    parameter_set = _parameter_set(values["year"])
    batch = Batch.objects.create(
        **{name: values[name] for name in BATCH_FIELDS},
        parameter_set=parameter_set,
        cloned_from=source,
        created_by=actor,
    )
    BatchParameters.objects.create(
        batch=batch,
        version=1,
        values=params.snapshot(parameter_set),
        reason=_("The policy parameters of %(year)s.") % {"year": parameter_set.year},
        created_by=actor,
    )
    if checklist is None:
        checklist = [
            {
                "title": str(title),
                "scope": scope,
                "needs_signature": signed,
                "needs_seal": True,
                "needs_colour_scan": colour,
            }
            for title, scope, signed, colour in DEFAULT_CHECKLIST
        ]
    for position, item in enumerate(checklist, start=1):
        ChecklistItem.objects.create(batch=batch, position=position, **item)
    BatchEvent.objects.create(
        batch=batch,
        actor=actor,
        to_status=BatchStatus.DRAFT,
        action="cloned" if source else "created",
        details={"cloned_from": source.pk} if source else {},
    )
    return batch


@transaction.atomic
def batch_update(*, batch: Batch, actor: User, values: dict) -> Batch:
    """Dates, title, budget and publicity period of a batch; the year only while it is a draft."""
    _manager(actor)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    values = _check_fields({**{name: getattr(batch, name) for name in BATCH_FIELDS}, **values})
    if values["year"] != batch.year and batch.status != BatchStatus.DRAFT:
        raise SubsidyInvalid(
            _("The year of a published batch cannot change."), {"year": [_("Fixed once published.")]}
        )
    if values["budget"] < batch.reserved:
        raise SubsidyInvalid(
            _("The budget cannot be less than the %(reserved)s yuan already approved.")
            % {"reserved": batch.reserved},
            {"budget": [_("At least %(reserved)s.") % {"reserved": batch.reserved}]},
        )
    changed = {}
    for name in BATCH_FIELDS:
        if getattr(batch, name) != values[name]:
            changed[name] = [str(getattr(batch, name)), str(values[name])]
            setattr(batch, name, values[name])
    if "year" in changed:
        batch.parameter_set = _parameter_set(values["year"])
    batch.save()
    if changed:
        BatchEvent.objects.create(batch=batch, actor=actor, action="edited", details=changed)
    return batch


@transaction.atomic
def batch_budget_allocate(*, batch: Batch, actor: User, budget, source: str, reason: str = "") -> Batch:
    """The finance bureau allocates (or changes) the batch's budget, naming its notice; never below what
    approvals have already reserved."""
    if not is_finance(actor):
        raise SubsidyNotAllowed(_("Only the finance bureau's officers allocate a batch's budget."))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    source = (source or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(budget, Decimal) or not budget.is_finite() or budget < 0:
        errors["budget"] = [_("Enter the budget in yuan, at least 0.")]
    elif budget < batch.reserved:
        errors["budget"] = [
            _("At least %(reserved)s: approvals have reserved that much.") % {"reserved": batch.reserved}
        ]
    if not source:
        errors["budget_source"] = [_("Name the finance bureau's notice.")]
    elif len(source) > 200:
        errors["budget_source"] = [_("At most %(max)d characters.") % {"max": 200}]
    if errors:
        raise SubsidyInvalid(_("The budget was not changed: correct the fields marked."), errors)
    budget = budget.quantize(Decimal("0.01"))
    BatchEvent.objects.create(
        batch=batch,
        actor=actor,
        action="budget_allocated",
        reason=(reason or "").strip(),
        details={"budget": [str(batch.budget), str(budget)], "budget_source": [batch.budget_source, source]},
    )
    batch.budget, batch.budget_source = budget, source
    batch.save(update_fields=["budget", "budget_source", "updated_at"])
    return batch


@transaction.atomic
def batch_transition(*, batch: Batch, actor: User, to: str, reason: str = "") -> Batch:
    _manager(actor)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if actor.role not in BATCH_TRANSITIONS.get(batch.status, {}).get(to, frozenset()):
        raise SubsidyInvalid(
            _("A batch that is %(status)s cannot move to %(to)s.")
            % {"status": batch.get_status_display(), "to": BatchStatus(to).label}
        )
    if to == BatchStatus.PUBLISHED and not batch.checklist.exists():
        raise SubsidyInvalid(_("Add at least one item to the materials checklist before publishing."))
    BatchEvent.objects.create(batch=batch, actor=actor, from_status=batch.status, to_status=to, reason=reason)
    batch.status = to
    batch.save(update_fields=["status", "updated_at"])
    return batch


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def batch_clone(*, source: Batch, actor: User, year: int | None = None) -> Batch:
    """Next year's draft from ``source``: dates a year on, the same budget and checklist (templates
    included), the new year's parameters. ``batch_diff`` shows what changed."""
    _manager(actor)
    year = year or source.year + 1
    shift = year - source.year
    title = source.title.replace(str(source.year), str(year))
    if title == source.title:
        title = _("%(title)s (copy for %(year)s)") % {"title": source.title, "year": year}
    values = {
        "year": year,
        "title": title,
        "opens_on": _shift(source.opens_on, shift),
        "closes_on": _shift(source.closes_on, shift),
        "budget": source.budget,
        "budget_source": source.budget_source,
        "publicity_working_days": source.publicity_working_days,
    }
    checklist = [
        {
            "title": item.title,
            "scope": item.scope,
            "needs_signature": item.needs_signature,
            "needs_seal": item.needs_seal,
            "needs_colour_scan": item.needs_colour_scan,
            "template": item.template.name,
            "template_name": item.template_name,
        }
        for item in source.checklist.all()
    ]
    return batch_create(actor=actor, values=values, checklist=checklist, source=source)


def current_parameters(batch: Batch) -> BatchParameters:
    return batch.parameter_versions.order_by("-version").first()


def _checklist_text(item: ChecklistItem) -> str:
    needs = [
        str(label)
        for flag, label in (
            (item.needs_signature, _("signed")),
            (item.needs_seal, _("sealed")),
            (item.needs_colour_scan, _("colour scan")),
            (bool(item.template), _("template")),
        )
        if flag
    ]
    return f"{item.title} ({item.get_scope_display()}; {', '.join(needs) or '-'})"


def batch_diff(left: Batch, right: Batch) -> dict:
    """What differs between two batches, side by side: their settings, parameters and checklists."""
    settings_rows = [
        {
            "label": str(Batch._meta.get_field(name).verbose_name),
            "left": str(getattr(left, name)),
            "right": str(getattr(right, name)),
            "changed": getattr(left, name) != getattr(right, name),
        }
        for name in BATCH_FIELDS
    ]
    left_items = [_checklist_text(item) for item in left.checklist.all()]
    right_items = [_checklist_text(item) for item in right.checklist.all()]
    rows = max(len(left_items), len(right_items))
    checklist_rows = []
    for index in range(rows):
        a = left_items[index] if index < len(left_items) else ""
        b = right_items[index] if index < len(right_items) else ""
        checklist_rows.append({"label": str(index + 1), "left": a, "right": b, "changed": a != b})
    return {
        "settings": settings_rows,
        "parameters": params.diff(current_parameters(left).values, current_parameters(right).values),
        "checklist": checklist_rows,
    }


@transaction.atomic
def batch_parameters_correct(*, batch: Batch, actor: User, changes: dict, reason: str) -> BatchParameters:
    """A new parameter version with ``changes`` (field -> value) applied; the applications still open are
    recomputed under it by ``batch_recompute`` (a Celery task after commit). Approved ones keep theirs."""
    _manager(actor)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Say why the parameters are corrected (e.g. the notice's erratum).")]
    latest = current_parameters(batch)
    values = dict(latest.values)
    for name, raw in changes.items():
        if name not in params.PARAMETER_FIELDS:
            errors[name] = [_("Not a parameter of this batch.")]
            continue
        try:
            values[name] = params.parse(name, raw)
        except ValueError as problem:
            errors[name] = [str(problem)]
    if not errors and values["settlement_window_end"] < values["settlement_window_start"]:
        errors["settlement_window_end"] = [_("The window cannot end before it starts.")]
    if not errors and values == latest.values:
        errors["__all__"] = [
            _("Nothing changed: the values are those of version %(v)s.") % {"v": latest.version}
        ]
    if errors:
        raise SubsidyInvalid(_("The parameters were not corrected."), errors)
    version = BatchParameters.objects.create(
        batch=batch, version=latest.version + 1, values=values, reason=reason, created_by=actor
    )
    BatchEvent.objects.create(
        batch=batch,
        actor=actor,
        action="parameters_corrected",
        reason=reason,
        details={
            "version": version.version,
            "changed": {
                name: [latest.values.get(name), values[name]]
                for name in params.PARAMETER_FIELDS
                if latest.values.get(name) != values[name]
            },
        },
    )
    from subsidies.tasks import batch_recompute_task

    enqueue(batch_recompute_task, batch.pk)
    return version


def open_application_count(batch: Batch) -> int:
    return batch.applications.filter(status__in=OPEN_STATUSES).count()


def recompute_progress(batch: Batch) -> dict | None:
    """Where the recomputation after the latest parameter correction stands, for the batch page: the
    open applications already on the current version out of all open ones, and whether the task failed.
    None when the batch was never corrected and nothing waits (its applications were computed as
    entered). Derived from the rows, so it holds whichever worker runs the task and after a restart."""
    current = current_parameters(batch)
    open_applications = batch.applications.filter(status__in=OPEN_STATUSES)
    total = open_applications.count()
    pending = open_applications.exclude(parameters=current).count()
    if current.version <= 1 and not pending:
        return None
    # The last word since the version was saved: a failure, or a restart after one.
    last = (
        batch.events.filter(
            action__in=("recompute_failed", "recompute_restarted"), at__gte=current.created_at
        )
        .order_by("-at", "-pk")
        .first()
    )
    failure = last if last is not None and last.action == "recompute_failed" else None
    done = total - pending
    return {
        "version": current.version,
        "total": total,
        "done": done,
        "pending": pending,
        "percent": int(100 * done / total) if total else 100,
        "running": bool(pending) and failure is None,
        "failed_at": failure.at if failure is not None and pending else None,
    }


def batch_recompute_failed(*, batch_id: int, error: Exception) -> None:
    """The recomputation task failed: a batch event the page shows (the applications stay on their old
    version, all of them, since the task runs in one transaction). The error's detail goes to the log."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    BatchEvent.objects.create(
        batch=batch,
        actor=None,
        action="recompute_failed",
        details={"version": current_parameters(batch).version, "error": type(error).__name__},
    )


@transaction.atomic
def batch_recompute_restart(*, batch: Batch, actor: User) -> None:
    """Queue the recomputation again after it failed (the cause fixed, or a passing outage)."""
    _manager(actor)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    progress = recompute_progress(batch)
    if progress is None or progress["failed_at"] is None:
        raise SubsidyInvalid(_("No recomputation of this batch has failed."))
    BatchEvent.objects.create(
        batch=batch, actor=actor, action="recompute_restarted", details={"version": progress["version"]}
    )
    from subsidies.tasks import batch_recompute_task

    enqueue(batch_recompute_task, batch.pk)
