"""Pages of the enterprise whitelist, first part: the screening rules in plain words (everyone signed in),
the rule versions and screening runs (IP bureau staff), and an enterprise's consent to sharing.

Each view asks the permission function first (403 for anyone else), parses a form, calls one service,
and re-renders with status 400 and what the user typed when the form or the service refuses the input.
Reads are plain querysets: rule sets and runs are not scoped by organisation (staff see all of them), and
an enterprise only ever reads its own consent.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.forms import CandidateFilterForm, ConsentForm, RuleActivateForm, RuleSetForm
from whitelist.models import RULE_FIELDS as CANDIDATE_RULES
from whitelist.models import (
    Candidate,
    Consent,
    ConsentStatus,
    CreditRating,
    RevenueBand,
    RuleSet,
    RuleSetStatus,
    RunStatus,
    ScreeningRun,
)
from whitelist.permissions import can_give_consent, can_manage_rules, can_run_screening
from whitelist.services import (
    RULE_FIELDS,
    active_rule_set,
    consent_set,
    rule_set_activate,
    rule_set_create,
    rule_set_update,
    screening_run_create,
)

RUN_PAGE_SIZE = 20
CANDIDATE_PAGE_SIZE = 50
_RUNNING = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
# The category flags a candidate's snapshot keeps, in the order they are shown.
_FLAGS = ("is_high_tech", "is_specialised", "is_little_giant", "is_tech_sme", "is_ip_advantage")


def _require(check, user) -> None:
    allowed, reason = check(user)
    if not allowed:
        raise PermissionDenied(reason)


def _form_errors_from(form, error: WhitelistValidationError) -> None:
    # The services name fields as the forms do; anything else goes on top of the form.
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
    if not error.errors:
        form.add_error(None, error.message)


# ---------------------------------------------------------------------------------------------------
# The rules in plain words


def rule_sentences(rule_set: RuleSet) -> list[str]:
    """Each rule and each threshold of ``rule_set`` as a sentence an enterprise can read; thresholds that
    are zero or empty ask nothing and are left out."""
    sentences = []
    if rule_set.require_beijing:
        sentences.append(_("Registered in Beijing: a Beijing credit code and a Beijing district."))
    if rule_set.require_core_ip:
        sentences.append(_("Holds at least one valid invention patent or registered trademark."))
    if rule_set.require_no_dishonesty:
        sentences.append(_("No serious dishonesty record."))
    if rule_set.require_no_npl:
        sentences.append(_("No loan reported non-performing or written off by a bank on the portal."))
    if rule_set.require_category:
        sentences.append(
            _(
                "At least one of: high-tech enterprise, specialised and sophisticated SME (专精特新), "
                "'little giant' enterprise, tech-based SME, IP advantage or demonstration enterprise."
            )
        )
    counts = (
        (
            rule_set.min_invention_patents,
            ngettext(
                "At least %(count)d valid invention patent.",
                "At least %(count)d valid invention patents.",
                rule_set.min_invention_patents,
            ),
        ),
        (
            rule_set.min_utility_patents,
            ngettext(
                "At least %(count)d valid utility model.",
                "At least %(count)d valid utility models.",
                rule_set.min_utility_patents,
            ),
        ),
        (
            rule_set.min_design_patents,
            ngettext(
                "At least %(count)d valid design.",
                "At least %(count)d valid designs.",
                rule_set.min_design_patents,
            ),
        ),
        (
            rule_set.min_trademarks,
            ngettext(
                "At least %(count)d registered trademark.",
                "At least %(count)d registered trademarks.",
                rule_set.min_trademarks,
            ),
        ),
    )
    sentences += [text % {"count": count} for count, text in counts if count]
    if rule_set.min_rd_ratio_pct:
        sentences.append(
            _("R&D spending at least %(percent)s%% of revenue.")
            % {"percent": _percent(rule_set.min_rd_ratio_pct)}
        )
    if rule_set.min_revenue_band:
        sentences.append(
            _("Annual revenue at least in the band “%(band)s”.")
            % {"band": RevenueBand(rule_set.min_revenue_band).label}
        )
    if rule_set.min_credit_rating:
        sentences.append(
            _("Credit rating at least %(rating)s.")
            % {"rating": CreditRating(rule_set.min_credit_rating).label}
        )
    return sentences


def _percent(value) -> str:
    # 5.00 reads "5", 7.50 reads "7.5".
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rule_values(rule_set: RuleSet) -> list[tuple[str, str]]:
    """Every editable field of ``rule_set`` but the explanation: (label, value as shown)."""
    rows = []
    for name in RULE_FIELDS[1:]:
        field = RuleSet._meta.get_field(name)
        value = getattr(rule_set, name)
        if isinstance(value, bool):
            shown = _("Required") if value else _("Not required")
        elif field.choices:
            shown = getattr(rule_set, f"get_{name}_display")() if value else _("No minimum")
        elif value is None:
            shown = _("No minimum")
        elif name == "min_rd_ratio_pct":
            shown = f"{_percent(value)}%"
        else:
            shown = str(value)
        rows.append((str(field.verbose_name), shown))
    return rows


@login_required
@require_GET
def rules_current_view(request):
    """For every signed-in user: how enterprises are screened now."""
    rule_set = active_rule_set()
    return render(
        request,
        "whitelist/rules/current.html",
        {"rule_set": rule_set, "sentences": rule_sentences(rule_set) if rule_set else []},
    )


# ---------------------------------------------------------------------------------------------------
# Rule versions (staff)


@login_required
@require_GET
def rule_list_view(request):
    _require(can_manage_rules, request.user)
    rule_sets = RuleSet.objects.select_related("created_by").order_by("-version")
    return render(request, "whitelist/rules/list.html", {"rule_sets": rule_sets, "active": active_rule_set()})


def _initial_from(rule_set: RuleSet | None) -> dict:
    return {name: getattr(rule_set, name) for name in RULE_FIELDS} if rule_set else {}


@login_required
@require_http_methods(["GET", "POST"])
def rule_new_view(request):
    """A new draft version: the form starts from the active version (or the defaults when none is)."""
    _require(can_manage_rules, request.user)
    active = active_rule_set()
    form = RuleSetForm(request.POST or None, initial=_initial_from(active))
    if request.method == "POST" and form.is_valid():
        try:
            rule_set = rule_set_create(actor=request.user, values=form.cleaned_data, based_on=active)
        except WhitelistValidationError as error:
            _form_errors_from(form, error)
        except WhitelistNotAllowed as error:
            raise PermissionDenied(error.message) from error
        else:
            messages.success(
                request,
                _("Draft version %(version)s is saved. Check it, then activate it.")
                % {"version": rule_set.version},
            )
            return redirect("whitelist:rule_detail", pk=rule_set.pk)
    return render(
        request,
        "whitelist/rules/new.html",
        {"form": form, "active": active},
        status=400 if request.method == "POST" else 200,
    )


def _rule_detail(request, rule_set, *, edit_form=None, activate_form=None, error: str = "", status=200):
    """The version's page; a form that came back with errors is shown as it was typed."""
    is_draft = rule_set.status == RuleSetStatus.DRAFT
    if is_draft:
        edit_form = edit_form or RuleSetForm(initial=_initial_from(rule_set), auto_id="edit_%s")
        activate_form = activate_form or RuleActivateForm()
    context = {
        "rule_set": rule_set,
        "sentences": rule_sentences(rule_set),
        "values": _rule_values(rule_set),
        "events": rule_set.events.select_related("actor").order_by("at", "pk"),
        "active": active_rule_set() if is_draft else None,
        "edit_form": edit_form if is_draft else None,
        "activate_form": activate_form if is_draft else None,
        "error": error,
    }
    return render(request, "whitelist/rules/detail.html", context, status=status)


def _staff_rule_set(request, pk: int) -> RuleSet:
    _require(can_manage_rules, request.user)
    return get_object_or_404(RuleSet.objects.select_related("created_by", "based_on"), pk=pk)


@login_required
@require_GET
def rule_detail_view(request, pk: int):
    return _rule_detail(request, _staff_rule_set(request, pk))


@login_required
@require_POST
def rule_edit_view(request, pk: int):
    rule_set = _staff_rule_set(request, pk)
    form = RuleSetForm(request.POST, auto_id="edit_%s")
    if not form.is_valid():
        return _rule_detail(request, rule_set, edit_form=form, status=400)
    try:
        rule_set_update(rule_set=rule_set, actor=request.user, values=form.cleaned_data)
    except WhitelistValidationError as error:
        _form_errors_from(form, error)
        return _rule_detail(request, rule_set, edit_form=form, error=error.message, status=400)
    except WhitelistNotAllowed as error:
        raise PermissionDenied(error.message) from error
    messages.success(request, _("The draft is saved."))
    return redirect("whitelist:rule_detail", pk=rule_set.pk)


@login_required
@require_POST
def rule_activate_view(request, pk: int):
    rule_set = _staff_rule_set(request, pk)
    form = RuleActivateForm(request.POST)
    if not form.is_valid():
        return _rule_detail(request, rule_set, activate_form=form, status=400)
    previous = active_rule_set()
    try:
        rule_set_activate(rule_set=rule_set, actor=request.user, reason=form.cleaned_data["reason"])
    except WhitelistValidationError as error:
        _form_errors_from(form, error)
        return _rule_detail(request, rule_set, activate_form=form, error=error.message, status=400)
    except WhitelistNotAllowed as error:
        raise PermissionDenied(error.message) from error
    if previous is not None:
        success = _(
            "Version %(version)s is now active and every later screening uses it; version %(previous)s "
            "is retired."
        ) % {"version": rule_set.version, "previous": previous.version}
    else:
        success = _("Version %(version)s is now active and every later screening uses it.") % {
            "version": rule_set.version
        }
    messages.success(request, success)
    return redirect("whitelist:rule_detail", pk=rule_set.pk)


# ---------------------------------------------------------------------------------------------------
# Screening runs (staff)


def _run_list(request, *, error: str = "", status: int = 200):
    runs = ScreeningRun.objects.select_related("rule_set", "requested_by").order_by("-requested_at", "-pk")
    page = Paginator(runs, RUN_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "active": active_rule_set(), "error": error, "running": _RUNNING}
    return render(request, "whitelist/runs/list.html", context, status=status)


@login_required
@require_GET
def run_list_view(request):
    _require(can_run_screening, request.user)
    return _run_list(request)


@login_required
@require_POST
def run_create_view(request):
    _require(can_run_screening, request.user)
    try:
        run = screening_run_create(actor=request.user)
    except WhitelistValidationError as error:
        return _run_list(request, error=error.message, status=400)
    except WhitelistNotAllowed as error:
        raise PermissionDenied(error.message) from error
    messages.success(
        request,
        _("The screening with rules version %(version)s is queued; this page shows its progress.")
        % {"version": run.rule_set.version},
    )
    return redirect("whitelist:run_detail", pk=run.pk)


def _staff_run(request, pk: int) -> ScreeningRun:
    _require(can_run_screening, request.user)
    return get_object_or_404(ScreeningRun.objects.select_related("rule_set", "requested_by"), pk=pk)


def _candidate_rows(candidates) -> list[dict]:
    labels = {name: Candidate._meta.get_field(name).verbose_name for name in _FLAGS}
    return [
        {
            "candidate": candidate,
            "rules": candidate.rules(),
            "flags": [str(labels[name]) for name in _FLAGS if getattr(candidate, name)],
        }
        for candidate in candidates
    ]


@login_required
@require_GET
def run_detail_view(request, pk: int):
    """The run's summary, its progress while it runs, and its candidates, 50 a page."""
    run = _staff_run(request, pk)
    form = CandidateFilterForm(request.GET or None)
    candidates = Candidate.objects.filter(run=run).select_related("enterprise")
    status = 200
    if form.is_bound and not form.is_valid():
        candidates, status = candidates.none(), 400
    elif form.is_bound and form.cleaned_data["result"]:
        candidates = candidates.filter(passed=form.cleaned_data["result"] == CandidateFilterForm.PASSED)
    page = Paginator(candidates.order_by("-passed", "enterprise_id"), CANDIDATE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "run": run,
        "running": run.status in _RUNNING,
        "form": form,
        "page": page,
        "rows": _candidate_rows(page.object_list),
        "rule_labels": [str(label) for _name, label in CANDIDATE_RULES],
        "query": query.urlencode(),
    }
    return render(request, "whitelist/runs/detail.html", context, status=status)


@login_required
@require_GET
def run_progress_view(request, pk: int):
    """The status fragment htmx polls every 2 s; once the run is over the whole page reloads to show the
    candidates."""
    run = _staff_run(request, pk)
    if request.htmx and run.status not in _RUNNING:
        return HttpResponseClientRefresh()
    return render(request, "whitelist/runs/_progress.html", {"run": run, "running": run.status in _RUNNING})


# ---------------------------------------------------------------------------------------------------
# Consent (the enterprise)


def _consent_page(request, *, form=None, status: int = 200):
    consent = Consent.objects.filter(enterprise=request.user.organisation).first()
    granted = consent is not None and consent.status == ConsentStatus.GRANTED
    to = ConsentStatus.WITHDRAWN if granted else ConsentStatus.GRANTED
    context = {
        "consent": consent,
        "granted": granted,
        "form": form or ConsentForm(initial={"to": to}),
        "to": to,
        "events": consent.events.select_related("actor").order_by("-at", "-pk") if consent else [],
    }
    return render(request, "whitelist/consent.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def consent_view(request):
    _require(can_give_consent, request.user)
    if request.method == "GET":
        return _consent_page(request)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _consent_page(request, form=form, status=400)
    to = form.cleaned_data["to"]
    try:
        consent_set(actor=request.user, to=to, reason=form.cleaned_data["reason"])
    except WhitelistValidationError as error:
        _form_errors_from(form, error)
        return _consent_page(request, form=form, status=400)
    except WhitelistNotAllowed as error:
        raise PermissionDenied(error.message) from error
    if to == ConsentStatus.GRANTED:
        messages.success(
            request,
            _(
                "Your consent is given. From the next published batch, banks may receive your whitelist "
                "data if your enterprise meets the screening rules."
            ),
        )
    else:
        messages.success(
            request,
            _("Your consent is withdrawn. From the next published batch your data is no longer shared."),
        )
    return redirect("whitelist:consent")
