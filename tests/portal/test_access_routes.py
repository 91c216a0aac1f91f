"""Access control proven route by route (security.md checks 1, 3, 6 and 7; issue 10).

Every page in the URLconf and every operation in the OpenAPI schema is called by each persona kind, and the
answer is compared with an explicit table below. A route missing from the table fails with its name, so a
new route cannot ship unclassified (OWASP API1: "Write tests ... Do not deploy changes that make the tests
fail"). Writes aimed at another organisation's object must also leave its row exactly as it was.

Persona kinds: ``anon``; ``ent`` and ``bank`` (an enterprise user and a bank officer of organisations that
own nothing, so every enterprise's and bank's object in the world is someone else's); and the government
roles ``commissioner``, ``reviewer``, ``promotion`` (promotion centre), ``joint`` (joint-meeting office).

Answers: ``200``; ``302`` (a redirect that is not the sign-in page); ``login`` (302 to the sign-in page, or
401 from the API); ``403``; ``404``; ``405``; ``400`` (a form or body refused: only ever for a create the
caller may make, never on someone else's object). A table string gives one answer for every persona or one
per persona in PERSONAS order; ``-`` means the persona is not sent that request (a government role's write
the role is entitled to make: it would succeed, and that is the other test modules' business). Every write
answered with anything but 200/302 must leave the route's objects' rows exactly as they were.

How the world is read (tests/portal/access_world.py): ``ent`` and ``bank`` own nothing, so on an object
route they should meet 404 (their role may use the route, the object is not theirs) or 403 (their role may
never use it). The oversight roles (reviewer, promotion centre, joint office) read every case by design
(domain.md: the bureau and the joint-meeting office supervise the whole programme). Public pages
(calculators, the product catalogue, event calendar, training programmes, disposal listings, the subsidy
public notice) answer everyone. A bank reading an enterprise's IP profile is by design when the enterprise
consented or is on a published whitelist (whitelist.profile.profile_visible).
"""

import copy
import re
import uuid

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.portal.access_world import access_world_fixture  # noqa: F401 (provides the `world` fixture)

PERSONAS = ("anon", "ent", "bank", "commissioner", "reviewer", "promotion", "joint")


# ---------------------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), (namespace + pattern.name) if pattern.name else None


def page_routes() -> dict[str, str]:
    """Route name -> path template of every page (the admin is Django's own and staff-only; the API is
    checked operation by operation from its schema)."""
    routes = {}
    for template, name in _walk(get_resolver().url_patterns):
        if template.startswith(("admin/", "api/v1/")):
            continue
        routes[name or template] = template
    return routes


def api_urlpatterns() -> list[str]:
    return [
        template for template, _name in _walk(get_resolver().url_patterns) if template.startswith("api/v1/")
    ]


def api_operations() -> dict[str, str]:
    """ "METHOD /path/{param}/" -> the operation's path template, from the schema the API publishes."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        f"{method.upper()} {path}": path
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


# ---------------------------------------------------------------------------------------------------------
# Calling a route as a persona
# ---------------------------------------------------------------------------------------------------------


def _answer(response) -> str:
    status = response.status_code
    if status == 401:
        return "login"
    if status in (301, 302):
        location = response.get("Location", "")
        return "login" if "/accounts/login/" in location else "302"
    return str(status)


def expected(spec: str) -> dict[str, str]:
    """persona -> answer from a table string: one answer for every persona, or one per persona in
    PERSONAS order, "-" for a persona not sent that request."""
    answers = spec.split()
    if len(answers) == 1:
        answers = answers * len(PERSONAS)
    assert len(answers) == len(PERSONAS), f"{spec!r}: give one answer, or one per persona {PERSONAS}"
    return {persona: answer for persona, answer in zip(PERSONAS, answers, strict=True) if answer != "-"}


def _resolve_kwargs(kwargs: dict, world) -> tuple[dict, list]:
    """Concrete URL kwargs and the model instances they name (whose rows a refused write must not touch)."""
    concrete, targets = {}, []
    for name, key in kwargs.items():
        if key.startswith("="):
            concrete[name] = key[1:]  # a literal (a kind of file, an evidence item)
        elif key == "enterprise.uscc":
            concrete[name] = world.objects["enterprise"].uscc
        else:
            obj = world.objects[key]
            concrete[name] = obj.pk
            targets.append(obj)
    return concrete, targets


def _snapshot(objects) -> list:
    return [model_to_dict(type(obj).objects.get(pk=obj.pk)) for obj in objects]


def call(world, persona: str, method: str, url: str, *, api: bool) -> str:
    client = world.clients[persona]
    # A sign-out or sign-in route clears the client's cookie; the session row itself comes back with the
    # caller's savepoint, so the cookie is put back too.
    cookies = copy.deepcopy(client.cookies)
    try:
        if method == "get":
            return _answer(client.get(url))
        if api:
            return _answer(
                client.generic(
                    method.upper(),
                    url,
                    "{}",
                    content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
                )
            )
        return _answer(client.post(url, {}))
    finally:
        client.cookies = cookies


def _same(names: str, kwargs: dict) -> dict:
    return dict.fromkeys(names.split(), kwargs)


# Which world object fills each route's parameters ("=x" is a literal).
KWARGS = {
    "notifications:mark_read": {"pk": "notification"},
    "help:guide": {"role": "=enterprise"},
    "pledges:asset_detail": {"pk": "asset"},
    **_same(
        "pledges:registration_detail pledges:filing_edit pledges:material_upload pledges:submit pledges:confirm "
        "pledges:send_back pledges:party_move pledges:waive pledges:cure pledges:correction pledges:contact "
        "pledges:move",
        {"pk": "registration"},
    ),
    **_same("pledges:material_download pledges:material_tick", {"pk": "pledge_material"}),
    **_same(
        "loans:product_detail loans:bank_product_detail loans:bank_product_edit loans:bank_product_transition",
        {"pk": "product"},
    ),
    **_same(
        "loans:coaching_detail loans:coaching_assign loans:coaching_transition loans:coaching_session",
        {"pk": "coaching"},
    ),
    "loans:request_detail": {"pk": "loan_request"},
    **_same(
        "loans:application_detail loans:application_assign loans:application_request_info "
        "loans:application_respond loans:application_approve loans:application_second_approve "
        "loans:application_send_back loans:application_decline loans:application_withdraw "
        "loans:application_accept",
        {"pk": "application"},
    ),
    "loans:application_document": {"pk": "application_document"},
    **_same(
        "loans:loan_detail loans:loan_contract loans:loan_participants loans:loan_fact loans:loan_cancel",
        {"pk": "loan"},
    ),
    **_same("loans:import_detail loans:import_progress loans:import_errors", {"pk": "loan_import"}),
    "loans:case_detail": {"pk": "financing_case"},
    **_same("whitelist:rule_detail whitelist:rule_edit whitelist:rule_activate", {"pk": "rule_set"}),
    **_same("whitelist:run_detail whitelist:run_progress", {"pk": "run"}),
    **_same("whitelist:import_detail whitelist:import_errors_csv", {"pk": "indicator_import"}),
    **_same(
        "whitelist:batch_detail whitelist:batch_decide whitelist:batch_submit whitelist:batch_publish "
        "whitelist:batch_send_back",
        {"pk": "wl_batch"},
    ),
    **_same(
        "whitelist:delivery_detail whitelist:delivery_excel whitelist:delivery_ack whitelist:delivery_resend",
        {"pk": "delivery"},
    ),
    "whitelist:feedback_entry": {"entry_pk": "entry"},
    "whitelist:recommendation_detail": {"pk": "recommendation"},
    "whitelist:profile_detail": {"uscc": "enterprise.uscc"},
    "subsidies:application-open": {"batch_pk": "sub_batch"},
    **_same(
        "subsidies:application-detail subsidies:application-details subsidies:application-loan-portal "
        "subsidies:application-loan-entered subsidies:application-fee-add subsidies:application-preview "
        "subsidies:application-submit subsidies:application-withdraw subsidies:review-detail "
        "subsidies:review-start subsidies:review-correction subsidies:review-propose subsidies:review-decide",
        {"pk": "sub_application"},
    ),
    **_same(
        "subsidies:application-loan-correct subsidies:application-loan-remove",
        {"pk": "sub_application", "line_pk": "loan_line"},
    ),
    "subsidies:application-fee-remove": {"pk": "sub_application", "fee_pk": "fee_line"},
    "subsidies:application-material-upload": {"pk": "sub_application", "item_pk": "checklist_item"},
    "subsidies:confirmation-decide": {"pk": "loan_line"},
    "subsidies:application-file": {"kind": "=material", "pk": "sub_material"},
    **_same(
        "subsidies:batch-detail subsidies:batch-edit subsidies:batch-budget subsidies:batch-transition "
        "subsidies:batch-clone subsidies:batch-diff subsidies:batch-correct subsidies:batch-adopt-year "
        "subsidies:checklist-add subsidies:publicity-start subsidies:publicity-close-due "
        "subsidies:objection-list subsidies:payment-list-create subsidies:batch-report "
        "subsidies:batch-report-excel subsidies:batch-recompute-progress subsidies:batch-recompute-restart",
        {"pk": "sub_batch"},
    ),
    **_same(
        "subsidies:checklist-edit subsidies:checklist-delete subsidies:checklist-move subsidies:checklist-template",
        {"pk": "sub_batch", "item_pk": "checklist_item"},
    ),
    "subsidies:objection-resolve": {"pk": "objection"},
    **_same(
        "subsidies:payment-list-detail subsidies:payment-list-excel subsidies:payment-list-paid",
        {"pk": "payment_list"},
    ),
    "subsidies:review-material-check": {"pk": "sub_application", "material_pk": "sub_material"},
    "subsidies:objection-lodge": {"pk": "publicity"},
    "riskcomp:claim-open": {"loan_pk": "loan"},
    **_same(
        "riskcomp:claim-detail riskcomp:claim-figures riskcomp:claim-participants riskcomp:claim-submit "
        "riskcomp:claim-withdraw riskcomp:claim-recovery riskcomp:review-detail riskcomp:review-start "
        "riskcomp:review-correction riskcomp:review-propose riskcomp:review-decide riskcomp:claim-mark-paid",
        {"pk": "claim"},
    ),
    "riskcomp:claim-evidence": {"pk": "claim", "item": "=loan_contract"},
    "riskcomp:confirmation-decide": {"pk": "claim_participant"},
    "riskcomp:clawback-confirm": {"pk": "clawback_share"},
    "riskcomp:claim-file": {"pk": "evidence"},
    "riskcomp:clawback-settle": {"pk": "recovery"},
    **_same(
        "matchmaking:demand-detail matchmaking:demand-confirm matchmaking:demand-share "
        "matchmaking:demand-withdraw matchmaking:demand-claim matchmaking:demand-contact "
        "matchmaking:demand-outcome matchmaking:demand-hand-back",
        {"pk": "demand"},
    ),
    **_same(
        "matchmaking:event-detail matchmaking:event-edit matchmaking:event-move matchmaking:event-register "
        "matchmaking:event-unregister matchmaking:event-checkin matchmaking:event-match",
        {"pk": "event"},
    ),
    "matchmaking:event-checkin-one": {"pk": "event", "registration_pk": "event_registration"},
    **_same(
        "ratings:invitation-detail ratings:invitation-rate ratings:invitation-decline", {"pk": "invitation"}
    ),
    "ratings:follow-up-detail": {"pk": "follow_up"},
    "disposal:case-open": {"loan_pk": "loan"},
    **_same(
        "disposal:case-detail disposal:case-edit disposal:auction-start disposal:case-publish disposal:case-deal "
        "disposal:case-unsold disposal:case-withdraw disposal:case-reopen disposal:outside-bidder "
        "disposal:offline-bid disposal:case-proceeds disposal:case-close disposal:listing-detail "
        "disposal:listing-register disposal:listing-bid",
        {"pk": "case"},
    ),
    **_same(
        "training:programme-detail training:programme-enrol training:manage-programme training:manage-edit "
        "training:manage-publish training:manage-close training:course-create",
        {"pk": "programme"},
    ),
    **_same("training:course-edit training:attendance-register", {"pk": "programme", "course_pk": "course"}),
    "training:enrolment-withdraw": {"pk": "enrolment"},
    "training:certificate-download": {"pk": "certificate"},
    **_same(
        "training:commendation-edit training:commendation-publish training:commendation-unpublish",
        {"pk": "commendation"},
    ),
    **_same("stats:export stats:export-download", {"pk": "stats_export"}),
    "onboarding:verification_detail": {"pk": "pending_enterprise"},
    "onboarding:invitation_revoke": {"pk": "org_invitation"},
    "onboarding:member_update": {"pk": "membership"},
    "onboarding:invitation_accept": {"token": "=" + "0" * 64},
}

# API path parameter -> world object, per operation path.
API_KWARGS = {
    "/api/v1/notifications/{id}/read/": {"id": "notification"},
    "/api/v1/registrations/{id}/": {"id": "registration"},
    "/api/v1/registrations/{id}/confirm/": {"id": "registration"},
    "/api/v1/registrations/{id}/send-back/": {"id": "registration"},
    "/api/v1/loans/{id}/": {"id": "loan"},
    "/api/v1/loans/{id}/contract/": {"id": "loan"},
    "/api/v1/loans/{id}/facts/": {"id": "loan"},
    "/api/v1/whitelist/deliveries/{id}/": {"id": "delivery"},
    "/api/v1/whitelist/deliveries/{id}/entries/": {"id": "delivery"},
    "/api/v1/whitelist/deliveries/{id}/ack/": {"id": "delivery"},
    "/api/v1/whitelist/entries/{entry_id}/feedback/": {"entry_id": "entry"},
    "/api/v1/whitelist/enterprises/{uscc}/profile/": {"uscc": "enterprise.uscc"},
}


# ---------------------------------------------------------------------------------------------------------
# The world, built once for the session and rolled back after its last test (tests/portal/access_world.py)
# ---------------------------------------------------------------------------------------------------------


def _isolated_call(world, persona, method, url, *, api, targets):
    """One request in its own savepoint, rolled back after: one persona's write never changes what the
    next persona meets. Returns the answer and whether the target rows changed."""
    with transaction.atomic():
        before = _snapshot(targets)
        answer = call(world, persona, method, url, api=api)
        changed = _snapshot(targets) != before
        transaction.set_rollback(True)
    return answer, changed


# ---------------------------------------------------------------------------------------------------------
# The expectations: (GET, POST) per page route name, one answer per persona in PERSONAS order:
#                    anon  ent  bank  commissioner  reviewer  promotion  joint
# ---------------------------------------------------------------------------------------------------------

PAGES = {
    "home": ("login 200 200 200 200 200 200", "login 200 200 - - - -"),
    "search": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "login": ("200 302 302 302 302 302 302", "200 302 302 - - - -"),
    "mfa_verify": ("login", "login"),
    "mfa_enrol": ("login", "login"),
    "logout": ("405", "login"),
    "password_change": ("login 200 200 200 200 200 200", "login 200 200 - - - -"),
    "password_change_done": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "account_security": ("login 200 200 200 200 200 200", "login 200 200 - - - -"),
    "mfa_setup": ("login 200 200 200 200 200 200", "login - - - - - -"),
    "mfa_disable": ("login 405 405 405 405 405 405", "login 302 302 - - - -"),
    "mfa_recovery_regenerate": ("login 405 405 405 405 405 405", "login 302 302 - - - -"),
    "switch_acting": ("login 405 405 405 405 405 405", "login 302 302 - - - -"),
    # Onboarding (issue 11): public registration and invitation links; the promotion centre's queue; the
    # organisation administrator's pages (no persona here administers an organisation).
    "onboarding:register": ("200 302 302 302 302 302 302", "400 302 302 302 302 302 302"),
    "onboarding:invitation_accept": ("404", "404"),
    "onboarding:verification_queue": ("login 403 403 403 403 200 403", "login 405 405 405 405 405 405"),
    "onboarding:verification_detail": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "onboarding:members": ("login 403 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "onboarding:invitation_create": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "onboarding:invitation_revoke": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "onboarding:member_update": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "onboarding:branch_create": ("login 403 403 403 403 403 403", "login 403 403 403 403 403 403"),
    "policy:overview": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "policy:explainer": ("200", "405"),
    "help:index": ("200", "405"),
    "help:faq": ("200", "405"),
    "help:guide": ("200", "405"),
    "identifiers:check": ("200", "405"),
    "workdays:calculator": ("200", "405"),
    "notifications:inbox": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "notifications:mark_read": ("login 405 405 405 405 405 405", "login 404 404 404 404 404 404"),
    "notifications:mark_all_read": ("login 405 405 405 405 405 405", "login 302 302 - - - -"),
    "pledges:asset_list": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "pledges:asset_create": ("login 200 403 403 403 403 403", "login 400 403 403 403 403 403"),
    "pledges:asset_detail": ("login 404 404 200 200 200 200", "login 405 405 405 405 405 405"),
    "pledges:legal_status_import": ("login 403 403 200 403 403 403", "login 403 403 400 403 403 403"),
    "pledges:my_filings": ("login 200 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "pledges:filing_new": ("login 200 403 403 403 403 403", "login 200 403 403 403 403 403"),
    "pledges:window_filing_new": ("login 403 403 200 403 403 403", "login 403 403 - 403 403 403"),
    "pledges:to_confirm": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "pledges:workbench": ("login 403 403 200 403 403 403", "login 405 405 405 405 405 405"),
    "pledges:workbench_reassign": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "pledges:on_time_stats": ("login 403 403 200 200 200 200", "login 405 405 405 405 405 405"),
    "pledges:registration_detail": ("login 404 404 200 200 200 200", "login 405 405 405 405 405 405"),
    "pledges:filing_edit": ("login 404 404 403 403 403 403", "login 404 404 403 403 403 403"),
    "pledges:material_upload": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:submit": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:confirm": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:send_back": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:party_move": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:waive": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:cure": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:correction": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:contact": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "pledges:move": ("login 405 405 405 405 405 405", "login 404 404 - 403 403 403"),
    "pledges:material_download": ("login 404 404 200 403 403 403", "login 405 405 405 405 405 405"),
    "pledges:material_tick": ("login 405 405 405 405 405 405", "login 404 404 - - - -"),
    "loans:product_catalogue": ("200", "405"),
    "loans:product_compare": ("200", "405"),
    "loans:product_detail": ("200", "405"),
    "loans:bank_product_list": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:bank_product_create": ("login 403 200 403 403 403 403", "login 403 400 403 403 403 403"),
    "loans:bank_product_detail": ("login 404 404 404 404 404 404", "login 405 405 405 405 405 405"),
    "loans:bank_product_edit": ("login 404 404 404 404 404 404", "login 404 404 404 404 404 404"),
    "loans:bank_product_transition": ("login 405 405 405 405 405 405", "login 404 404 404 404 404 404"),
    "loans:eligibility_check": ("login 200 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:coaching_mine": ("login 200 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:coaching_new": ("login 200 403 403 403 403 403", "login 400 403 403 403 403 403"),
    "loans:coaching_queue": ("login 403 403 403 403 200 403", "login 405 405 405 405 405 405"),
    "loans:coaching_cases": ("login 403 403 200 403 403 403", "login 405 405 405 405 405 405"),
    "loans:coaching_timeline": ("login 200 404 404 404 200 404", "login 405 405 405 405 405 405"),
    "loans:coaching_detail": ("login 404 404 200 404 200 404", "login 405 405 405 405 405 405"),
    "loans:coaching_assign": ("login 405 405 405 405 405 405", "login 404 404 403 404 400 404"),
    "loans:coaching_transition": ("login 405 405 405 405 405 405", "login 404 404 - 404 - 404"),
    "loans:coaching_session": ("login 405 405 405 405 405 405", "login 404 404 400 404 400 404"),
    "loans:request_list": ("login 200 403 403 403 200 403", "login 405 405 405 405 405 405"),
    "loans:application_apply": ("login 200 403 403 403 403 403", "login 400 403 403 403 403 403"),
    "loans:request_detail": ("login 404 404 404 404 200 404", "login 405 405 405 405 405 405"),
    "loans:application_queue": ("login 403 200 403 403 200 403", "login 405 405 405 405 405 405"),
    "loans:application_detail": ("login 404 404 404 404 200 404", "login 405 405 405 405 405 405"),
    "loans:application_assign": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_request_info": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_respond": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "loans:application_approve": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_second_approve": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_send_back": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_decline": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "loans:application_withdraw": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "loans:application_accept": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "loans:application_document": ("login 404 404 404 404 403 404", "login 405 405 405 405 405 405"),
    "loans:loan_list": ("login 200 200 403 200 200 200", "login 405 405 405 405 405 405"),
    "loans:loan_detail": ("login 404 404 404 200 200 200", "login 405 405 405 405 405 405"),
    # Every reader sees the list of the cases it sees part of (an empty list is still its list).
    "loans:case_list": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "loans:case_detail": ("login 404 404 404 200 200 200", "login 405 405 405 405 405 405"),
    "loans:loan_contract": ("login 405 405 405 405 405 405", "login 404 404 404 403 403 403"),
    "loans:loan_participants": ("login 405 405 405 405 405 405", "login 404 404 404 403 403 403"),
    "loans:loan_fact": ("login 405 405 405 405 405 405", "login 404 404 404 403 403 403"),
    "loans:loan_cancel": ("login 405 405 405 405 405 405", "login 404 404 404 403 403 403"),
    "loans:import_list": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:import_create": ("login 403 200 403 403 403 403", "login 403 400 403 403 403 403"),
    "loans:import_sample_csv": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:import_sample_xlsx": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:import_detail": ("login 403 404 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:import_progress": ("login 403 404 403 403 403 403", "login 405 405 405 405 405 405"),
    "loans:import_errors": ("login 403 404 403 403 403 403", "login 405 405 405 405 405 405"),
    "whitelist:rules_current": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:rule_list": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:rule_new": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "whitelist:rule_detail": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:rule_edit": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:rule_activate": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:run_list": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:run_create": ("login 405 405 405 405 405 405", "login 403 403 403 - - 403"),
    "whitelist:run_detail": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:run_progress": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:consent": ("login 200 403 403 403 403 403", "login 400 403 403 403 403 403"),
    "whitelist:import_list": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "whitelist:import_sample": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:import_detail": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:import_errors_csv": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:batch_list": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "whitelist:batch_detail": ("login 403 403 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:batch_decide": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:batch_submit": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:batch_publish": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:batch_send_back": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:delivery_list": ("login 403 200 403 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:webhook_settings": ("login 403 403 403 403 403 403", "login 403 403 403 403 403 403"),
    "whitelist:delivery_detail": ("login 403 404 403 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:delivery_excel": ("login 403 404 403 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:delivery_ack": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "whitelist:delivery_resend": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "whitelist:feedback_overdue": ("login 403 200 403 200 200 403", "login 405 405 405 405 405 405"),
    "whitelist:feedback_entry": ("login 404 404 404 200 200 200", "login 404 404 404 403 403 403"),
    "whitelist:recommendation_list": ("login 403 200 403 200 200 403", "login 403 400 403 403 403 403"),
    "whitelist:recommendation_detail": ("login 404 404 404 200 200 404", "login 404 404 404 400 400 404"),
    "whitelist:funnel_report": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:funnel_excel": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:profile_lookup": ("login 302 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "whitelist:profile_detail": ("login 404 200 404 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:calculator": ("200", "400"),
    "subsidies:application-list": ("login 200 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:application-open": ("login 405 405 405 405 405 405", "login 400 403 403 403 403 403"),
    "subsidies:application-detail": ("login 404 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:application-details": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-loan-portal": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-loan-entered": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-loan-correct": ("login 404 403 403 403 403 403", "login 404 403 403 403 403 403"),
    "subsidies:application-loan-remove": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-fee-add": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-fee-remove": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-material-upload": (
        "login 405 405 405 405 405 405",
        "login 404 403 403 403 403 403",
    ),
    "subsidies:application-preview": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-submit": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "subsidies:application-withdraw": ("login 404 403 403 403 403 403", "login 404 403 403 403 403 403"),
    "subsidies:confirmation-list": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "subsidies:confirmation-decide": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "subsidies:application-file": ("login 404 404 404 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:batch-list": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:batch-create": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "subsidies:batch-detail": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:batch-edit": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "subsidies:batch-budget": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "subsidies:batch-transition": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "subsidies:batch-clone": ("login 405 405 405 405 405 405", "login 403 403 403 - - 403"),
    "subsidies:batch-diff": ("login 403 403 403 404 404 404", "login 405 405 405 405 405 405"),
    "subsidies:batch-correct": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "subsidies:batch-adopt-year": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "subsidies:batch-recompute-progress": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    # Nothing failed in the world: a manager is sent back to the batch with the refusal as a message.
    "subsidies:batch-recompute-restart": ("login 405 405 405 405 405 405", "login 403 403 403 302 302 403"),
    "subsidies:checklist-add": ("login 403 403 403 200 200 403", "login 403 403 403 400 400 403"),
    "subsidies:checklist-edit": ("login 403 403 403 404 404 403", "login 403 403 403 404 404 403"),
    "subsidies:checklist-delete": ("login 405 405 405 405 405 405", "login 403 403 403 404 404 403"),
    "subsidies:checklist-move": ("login 405 405 405 405 405 405", "login 403 403 403 404 404 403"),
    "subsidies:checklist-template": ("login 404 404 404 404 404 404", "login 405 405 405 405 405 405"),
    "subsidies:publicity-start": ("login 405 405 405 405 405 405", "login 403 403 403 400 400 403"),
    "subsidies:publicity-close-due": ("login 405 405 405 405 405 405", "login 403 403 403 - - 403"),
    "subsidies:objection-list": ("login 403 403 403 200 403 403", "login 405 405 405 405 405 405"),
    "subsidies:objection-resolve": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "subsidies:payment-list-create": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "subsidies:payment-list-list": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:payment-list-detail": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:payment-list-excel": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:payment-list-paid": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "subsidies:batch-report": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:batch-report-excel": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "subsidies:review-queue": ("login 403 403 403 200 403 403", "login 405 405 405 405 405 405"),
    "subsidies:review-detail": ("login 403 403 403 200 403 403", "login 405 405 405 405 405 405"),
    "subsidies:review-start": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "subsidies:review-material-check": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "subsidies:review-correction": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "subsidies:review-propose": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "subsidies:review-decide": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "subsidies:public-notice": ("200", "405"),
    "subsidies:objection-lodge": ("405", "404"),
    "riskcomp:claim-list": ("login 403 200 403 200 200 200", "login 405 405 405 405 405 405"),
    "riskcomp:claim-open": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-detail": ("login 403 404 403 200 200 200", "login 405 405 405 405 405 405"),
    "riskcomp:claim-figures": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-participants": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-evidence": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-submit": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-withdraw": ("login 403 404 403 403 403 403", "login 403 404 403 403 403 403"),
    "riskcomp:claim-recovery": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:confirmation-list": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "riskcomp:confirmation-decide": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:clawback-confirm": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "riskcomp:claim-file": ("login 404 404 404 200 200 200", "login 405 405 405 405 405 405"),
    "riskcomp:calculator": ("200", "400"),
    "riskcomp:review-queue": ("login 403 403 403 200 403 403", "login 405 405 405 405 405 405"),
    "riskcomp:review-detail": ("login 403 403 403 200 403 403", "login 405 405 405 405 405 405"),
    "riskcomp:review-start": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "riskcomp:review-correction": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "riskcomp:review-propose": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "riskcomp:review-decide": ("login 405 405 405 405 405 405", "login 403 403 403 400 403 403"),
    "riskcomp:payment-queue": ("login 403 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "riskcomp:claim-mark-paid": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "riskcomp:clawback-settle": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "riskcomp:npl-ratios": ("login 403 200 403 200 200 200", "login 403 403 403 403 403 403"),
    "riskcomp:report": ("login 403 200 403 200 200 200", "login 405 405 405 405 405 405"),
    "riskcomp:report-excel": ("login 403 200 403 200 200 200", "login 405 405 405 405 405 405"),
    "matchmaking:demand-list": ("login 200 403 403 403 200 200", "login 405 405 405 405 405 405"),
    "matchmaking:demand-new": ("login 200 403 403 403 403 403", "login 400 403 403 403 403 403"),
    "matchmaking:demand-collect": ("login 403 403 403 403 403 403", "login 403 403 403 403 403 403"),
    "matchmaking:demand-detail": ("login 404 404 404 404 200 200", "login 405 405 405 405 405 405"),
    "matchmaking:demand-confirm": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "matchmaking:demand-share": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "matchmaking:demand-withdraw": ("login 405 405 405 405 405 405", "login 404 403 403 403 403 403"),
    "matchmaking:demand-claim": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "matchmaking:demand-contact": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "matchmaking:demand-outcome": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "matchmaking:demand-hand-back": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "matchmaking:pool": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "matchmaking:claims": ("login 403 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "matchmaking:funnel": ("login 403 403 403 403 200 200", "login 405 405 405 405 405 405"),
    "matchmaking:event-calendar": ("200", "405"),
    "matchmaking:event-manage": ("login 403 403 403 403 200 200", "login 405 405 405 405 405 405"),
    "matchmaking:event-new": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "matchmaking:event-detail": ("200", "405"),
    "matchmaking:event-edit": ("login 403 403 403 403 403 403", "login 403 403 403 403 403 403"),
    "matchmaking:event-move": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "matchmaking:event-register": ("405", "login 400 400 403 403 403 403"),
    "matchmaking:event-unregister": ("login 405 405 405 405 405 405", "login 400 400 403 403 403 403"),
    "matchmaking:event-checkin": ("login 403 403 403 403 403 403", "login 405 405 405 405 405 405"),
    "matchmaking:event-checkin-one": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "matchmaking:event-match": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "ratings:to-give": ("login 200 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "ratings:given": ("login 200 200 403 403 403 403", "login 405 405 405 405 405 405"),
    "ratings:invitation-detail": ("login 404 404 200 404 200 200", "login 405 405 405 405 405 405"),
    "ratings:invitation-rate": ("login 405 405 405 405 405 405", "login 404 404 403 403 403 403"),
    "ratings:invitation-decline": ("login 405 405 405 405 405 405", "login 404 404 403 403 403 403"),
    "ratings:follow-ups": ("login 403 200 200 200 200 403", "login 405 405 405 405 405 405"),
    "ratings:follow-up-detail": ("login 403 404 200 404 404 403", "login 403 404 400 404 404 403"),
    "ratings:report": ("login 403 403 403 403 200 200", "login 405 405 405 405 405 405"),
    "disposal:case-list": ("login 403 200 403 200 200 200", "login 403 200 403 - - -"),
    "disposal:case-open": ("login 403 404 403 403 403 403", "login 403 404 403 403 403 403"),
    "disposal:case-detail": ("login 403 404 403 200 200 200", "login 403 404 403 - - -"),
    "disposal:case-edit": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:auction-start": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-publish": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-deal": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-unsold": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-withdraw": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-reopen": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:outside-bidder": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:offline-bid": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-proceeds": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:case-close": ("login 405 405 405 405 405 405", "login 403 404 403 403 403 403"),
    "disposal:listing-list": ("200", "405"),
    "disposal:listing-detail": ("200", "405"),
    "disposal:listing-register": ("login 405 405 405 405 405 405", "login 302 302 403 403 403 403"),
    "disposal:listing-bid": ("login 405 405 405 405 405 405", "login 403 403 403 403 403 403"),
    "disposal:my-bids": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "training:programme-list": ("200", "405"),
    "training:programme-detail": ("200", "405"),
    "training:programme-enrol": ("login 405 405 405 405 405 405", "login 403 400 403 403 403 403"),
    "training:certificate-verify": ("200", "405"),
    "training:commended": ("200", "405"),
    "training:mine": ("login 200 200 200 200 200 200", "login 405 405 405 405 405 405"),
    "training:enrolment-withdraw": ("login 405 405 405 405 405 405", "login 404 404 404 404 404 404"),
    "training:certificate-download": ("login 404 404 404 404 200 404", "login 405 405 405 405 405 405"),
    "training:manage-list": ("login 403 403 403 403 200 403", "login 405 405 405 405 405 405"),
    "training:manage-create": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:manage-programme": ("login 403 403 403 403 200 403", "login 405 405 405 405 405 405"),
    "training:manage-edit": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:manage-publish": ("login 405 405 405 405 405 405", "login 403 403 403 403 400 403"),
    "training:manage-close": ("login 405 405 405 405 405 405", "login 403 403 403 403 400 403"),
    "training:course-create": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:course-edit": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:attendance-register": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:commendations": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:commendation-edit": ("login 403 403 403 403 200 403", "login 403 403 403 403 400 403"),
    "training:commendation-publish": ("login 405 405 405 405 405 405", "login 403 403 403 403 400 403"),
    "training:commendation-unpublish": ("login 405 405 405 405 405 405", "login 403 403 403 403 - 403"),
    "stats:overview": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "stats:overview-excel": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "stats:definitions": ("200", "200 200 200 - - - -"),
    "stats:cases": ("login 403 403 403 404 404 404", "login 405 405 405 405 405 405"),
    "stats:cases-export": ("login 405 405 405 405 405 405", "login 403 403 403 404 404 404"),
    "stats:export": ("login 404 404 404 404 404 200", "login 405 405 405 405 405 405"),
    "stats:export-download": ("login 404 404 404 404 404 200", "login 405 405 405 405 405 405"),
    "stats:refresh": ("login 405 405 405 405 405 405", "login 403 403 403 - - -"),
    "stats:refresh-status": ("login 403 403 403 200 200 200", "login 405 405 405 405 405 405"),
    "privacy:unmask": ("login 405 405 405 405 405 405", "login 403 403 403 403 400 403"),
    "set_language": ("302", "302 302 302 - - - -"),
    "api-schema": ("200", "405"),
    "api-docs": ("200", "405"),
    "livez": ("200", "405"),
    "healthz": ("200", "405"),
}

# "METHOD /path/" of every operation in the OpenAPI schema -> one answer per persona (a POST with an empty
# JSON body and a fresh Idempotency-Key).
API = {
    "GET /api/v1/loans/": "login 200 200 200 200 200 200",
    "POST /api/v1/loans/": "login 403 400 403 403 403 403",
    "GET /api/v1/loans/{id}/": "login 404 404 404 200 200 200",
    "POST /api/v1/loans/{id}/contract/": "login 403 404 403 403 403 403",
    "GET /api/v1/loans/{id}/facts/": "login 404 404 404 200 200 200",
    "POST /api/v1/loans/{id}/facts/": "login 403 404 403 403 403 403",
    "GET /api/v1/notifications/": "login 200 200 200 200 200 200",
    "POST /api/v1/notifications/{id}/read/": "login 404 404 404 404 404 404",
    "POST /api/v1/notifications/read-all/": "login 200 200 - - - -",
    "POST /api/v1/oauth/token/": "400",
    "GET /api/v1/public/calendar/due-date/": "400",
    "GET /api/v1/public/identifiers/patent/": "400",
    "GET /api/v1/public/identifiers/uscc/": "400",
    "POST /api/v1/public/riskcomp/quote/": "400",
    "POST /api/v1/public/subsidies/fee/quote/": "400",
    "POST /api/v1/public/subsidies/interest/quote/": "400",
    "GET /api/v1/registrations/": "login 200 200 200 200 200 200",
    "POST /api/v1/registrations/": "login 403 400 403 403 403 403",
    "GET /api/v1/registrations/{id}/": "login 404 404 200 200 200 200",
    "POST /api/v1/registrations/{id}/confirm/": "login 404 404 403 403 403 403",
    "POST /api/v1/registrations/{id}/send-back/": "login 404 404 403 403 403 403",
    "GET /api/v1/whitelist/deliveries/": "login 403 200 403 200 200 200",
    "GET /api/v1/whitelist/deliveries/{id}/": "login 403 404 403 200 200 200",
    "POST /api/v1/whitelist/deliveries/{id}/ack/": "login 403 404 403 403 403 403",
    "GET /api/v1/whitelist/deliveries/{id}/entries/": "login 403 404 403 200 200 200",
    "GET /api/v1/whitelist/enterprises/{uscc}/profile/": "login 404 200 404 200 200 200",
    "GET /api/v1/whitelist/entries/{entry_id}/feedback/": "login 404 404 404 200 200 200",
    "POST /api/v1/whitelist/entries/{entry_id}/feedback/": "login 403 404 403 403 403 403",
    "GET /api/v1/whitelist/recommendations/": "login 200 200 200 200 200 200",
    "POST /api/v1/whitelist/recommendations/": "login 403 400 403 403 403 403",
}


# ---------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------

ALL_PAGES = page_routes()
ALL_API = api_operations()


def _check(world, method: str, url: str, spec: str, *, api: bool, targets: list) -> list[str]:
    problems = []
    for persona, want in expected(spec).items():
        got, changed = _isolated_call(world, persona, method, url, api=api, targets=targets)
        if got != want:
            problems.append(f"{persona} {method.upper()} {url}: expected {want}, got {got}")
        if changed and got not in ("200", "302"):
            problems.append(f"{persona} {method.upper()} {url}: refused with {got} but changed {targets}")
    return problems


@pytest.mark.parametrize("name", sorted(set(ALL_PAGES) | set(PAGES)))
def test_page_route_answers_each_persona_as_classified(world, db, name):
    assert name in ALL_PAGES, f"{name} is in PAGES but no longer routed: remove it"
    assert name in PAGES, (
        f"page route {name!r} ({ALL_PAGES[name]}) is not classified: add it to PAGES in {__name__} "
        "with the answer each persona must get (and its object to KWARGS if it takes an id)"
    )
    kwargs, targets = _resolve_kwargs(KWARGS.get(name, {}), world)
    url = reverse(name, kwargs=kwargs) if name in KWARGS or "<" not in ALL_PAGES[name] else None
    assert url, f"{name} takes parameters ({ALL_PAGES[name]}): name the world objects in KWARGS"
    get_spec, post_spec = PAGES[name]
    problems = _check(world, "get", url, get_spec, api=False, targets=targets)
    problems += _check(world, "post", url, post_spec, api=False, targets=targets)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", sorted(set(ALL_API) | set(API)))
def test_api_operation_answers_each_persona_as_classified(world, db, operation):
    assert operation in ALL_API, f"{operation} is in API but not in the schema: remove it"
    assert operation in API, f"API operation {operation!r} is not classified: add it to API in {__name__}"
    method, path = operation.split(" ", 1)
    kwargs, targets = _resolve_kwargs(API_KWARGS.get(path, {}), world)
    url = path.format(**kwargs)
    assert "{" not in url, f"{operation}: name the world objects of its parameters in API_KWARGS"
    problems = _check(world, method.lower(), url, API[operation], api=True, targets=targets)
    assert not problems, "\n".join(problems)


def test_every_api_route_is_in_the_published_schema():
    """API9 (inventory): an endpoint missing from the schema is one nobody reviews or fuzzes."""
    documented = {path.lstrip("/") for path in ALL_API.values()}
    routed = {_as_template(pattern) for pattern in api_urlpatterns()}
    assert routed - documented == set(), (
        f"routed but not in the OpenAPI schema: {sorted(routed - documented)}"
    )


def _as_template(pattern: str) -> str:
    """ "api/v1/loans/<int:pk>/" -> "api/v1/loans/{id}/" the way drf-spectacular names path parameters."""
    return re.sub(
        r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m.group(1) == "pk" else "{" + m.group(1) + "}", pattern
    )


# --- Check 1: a denial hidden behind a 404 still leaves its audit row ------------------------------------


def _cross_tenant_404s():
    """(operation, persona) for every API call the table answers 404 for ent or bank on another
    organisation's object."""
    for operation, spec in API.items():
        path = operation.split(" ", 1)[1]
        if path not in API_KWARGS:
            continue
        for persona, answer in expected(spec).items():
            if persona in ("ent", "bank") and answer == "404":
                yield (operation, persona)


@pytest.mark.parametrize(("operation", "persona"), sorted(_cross_tenant_404s()))
def test_a_cross_tenant_api_404_writes_one_authz_denied_row(world, db, operation, persona):
    from portal.audit.models import AuditEvent

    method, path = operation.split(" ", 1)
    kwargs, _targets = _resolve_kwargs(API_KWARGS[path], world)
    url = path.format(**kwargs)
    user = world.users[persona]
    denials = AuditEvent.objects.filter(action="authz.denied", actor_id=user.pk)
    before = denials.count()
    assert call(world, persona, method.lower(), url, api=True) == "404"
    assert denials.count() - before == 1, f"{persona} {operation}: expected one authz.denied row"


def _cross_tenant_page_404s():
    """(route name, persona) for every page GET the table answers 404 for ent or bank on another
    organisation's object."""
    for name, (get_spec, _post_spec) in PAGES.items():
        if name not in KWARGS:
            continue  # no id: no object, so no denial to record
        answers = expected(get_spec)
        if all(answer == "404" for persona, answer in answers.items() if persona != "anon"):
            continue  # a 404 for everyone (e.g. an item without a file): nothing is hidden
        for persona, answer in answers.items():
            if persona in ("ent", "bank") and answer == "404":
                yield (name, persona)


@pytest.mark.parametrize(("name", "persona"), sorted(_cross_tenant_page_404s()))
def test_a_cross_tenant_page_404_writes_one_authz_denied_row(world, db, name, persona):
    from portal.audit.models import AuditEvent

    kwargs, _targets = _resolve_kwargs(KWARGS[name], world)
    user = world.users[persona]
    denials = AuditEvent.objects.filter(action="authz.denied", actor_id=user.pk)
    before = denials.count()
    assert call(world, persona, "get", reverse(name, kwargs=kwargs), api=False) == "404"
    recorded = denials.count() - before
    assert recorded == 1, (
        f"{persona} {name}: expected one authz.denied row, got {recorded} (find the object with "
        "portal.audit.scope.get_in_scope, or raise OutOfScope)"
    )


# --- Check 6: every API view says who may call it ----------------------------------------------------------

# Operations open to anyone on purpose (api-contract.md: the public API, and the token exchange itself).
PUBLIC_API_PREFIXES = ("api/v1/public/", "api/v1/oauth/token/")


def _api_views():
    for template, _name in _walk(get_resolver().url_patterns):
        if template.startswith("api/v1/"):
            callback = get_resolver().resolve("/" + re.sub(r"<[^>]+>", "1", template)).func
            yield template, callback.cls


def _declares_permissions(cls) -> bool:
    from rest_framework.views import APIView

    for klass in cls.__mro__:
        if klass is APIView:
            return False
        if "permission_classes" in vars(klass) or "get_permissions" in vars(klass):
            return True
    return False


def test_every_api_view_declares_who_may_call_it():
    """security.md check 6 (ASVS 8.2.1; API5, API9): no view leans on the global default, and only the
    public API allows anonymous callers."""
    from rest_framework.permissions import AllowAny

    undeclared, open_to_all = [], []
    for template, cls in _api_views():
        if not _declares_permissions(cls):
            undeclared.append(f"{template} ({cls.__module__}.{cls.__name__})")
        permissions = [permission() for permission in getattr(cls, "permission_classes", [])]
        if any(isinstance(p, AllowAny) for p in permissions) and not template.startswith(PUBLIC_API_PREFIXES):
            open_to_all.append(template)
    assert not undeclared, f"API views relying on the default permission: {undeclared}"
    assert not open_to_all, f"API views open to anyone outside the public API: {open_to_all}"


# --- Methods the schema does not list are refused, and change nothing -----------------------------------


@pytest.mark.parametrize("path", sorted(API_KWARGS))
def test_unlisted_write_methods_on_an_api_object_route_change_nothing(world, db, path):
    kwargs, targets = _resolve_kwargs(API_KWARGS[path], world)
    url = path.format(**kwargs)
    listed = {operation.split(" ", 1)[0].lower() for operation in ALL_API if operation.endswith(" " + path)}
    problems = []
    for method in {"put", "patch", "delete"} - listed:
        for persona in ("ent", "bank"):
            got, changed = _isolated_call(world, persona, method, url, api=True, targets=targets)
            if got not in ("403", "404", "405") or changed:
                problems.append(
                    f"{persona} {method.upper()} {url}: {got}{' and changed the row' if changed else ''}"
                )
    assert not problems, "\n".join(problems)
