"""The materials each filing needs, per filing kind and IP kind (domain.md §2.1.1-§2.1.3).

These lists restate the registration authorities' own rules (CNIPA Announcement No. 461 for patents,
the Trademark Law Implementing Regulations Art. 70 and the Trademark Office's guide for trademarks,
NCAC Order No. 8 for copyright), so they live in code rather than in staff-editable policy data: a
change to them is a change of law, shipped with a release that adapts the forms too.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pledges.models import RegistrationKind
from portal.policy.models import IpKind


class Requirement:
    """What the office checks on a document besides its presence."""

    SIGNED_BY_BOTH = "signed_by_both"
    SEALED = "sealed"
    COLOUR_SCAN = "colour_scan"
    CHINESE = "chinese"
    CHINESE_OR_TRANSLATED = "chinese_or_translated"

    LABELS = {
        SIGNED_BY_BOTH: _("signed or sealed by both pledgor and pledgee"),
        SEALED: _("bears the organisation's seal"),
        COLOUR_SCAN: _("colour scan of the original"),
        CHINESE: _("in Chinese"),
        CHINESE_OR_TRANSLATED: _(
            "in Chinese, or with a Chinese translation (otherwise it counts as missing)"
        ),
    }


class Condition:
    """When an item is needed; read from the facts of the case (``case_facts``)."""

    ALWAYS = "always"
    VALUED = "valued"  # the request form says the IP was valued
    VIA_AGENT = "via_agent"  # an agent files for the parties
    CO_OWNED = "co_owned"  # an asset has more than one right holder
    OPTIONAL = "optional"  # accepted when given, never missing

    LABELS = {
        ALWAYS: _("always"),
        VALUED: _("only if the IP was valued"),
        VIA_AGENT: _("only if an agent files"),
        CO_OWNED: _("only if an asset has co-owners"),
        OPTIONAL: _("optional"),
    }


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: Promise
    requirements: tuple[str, ...] = ()
    condition: str = Condition.ALWAYS

    @property
    def required(self) -> bool:
        return self.condition != Condition.OPTIONAL

    def applies(self, facts: dict[str, bool]) -> bool:
        """Whether the case needs this item (an optional item always 'applies': it may be uploaded)."""
        if self.condition in (Condition.ALWAYS, Condition.OPTIONAL):
            return True
        return bool(facts.get(self.condition))

    @property
    def requirement_labels(self) -> list[Promise]:
        return [Requirement.LABELS[code] for code in self.requirements]

    @property
    def condition_label(self) -> Promise:
        return Condition.LABELS[self.condition]


_SIGNED = (Requirement.SIGNED_BY_BOTH, Requirement.SEALED, Requirement.COLOUR_SCAN, Requirement.CHINESE)
_SEALED = (Requirement.SEALED, Requirement.COLOUR_SCAN, Requirement.CHINESE)
_IDENTITY = (Requirement.COLOUR_SCAN, Requirement.CHINESE_OR_TRANSLATED)
_CHINESE = (Requirement.CHINESE,)

_POWER_OF_ATTORNEY = ChecklistItem(
    "power_of_attorney",
    _("Power of attorney stating the agent's scope"),
    (Requirement.SIGNED_BY_BOTH, Requirement.SEALED, Requirement.COLOUR_SCAN, Requirement.CHINESE),
    Condition.VIA_AGENT,
)
_AGENT_IDENTITY = ChecklistItem("agent_identity", _("Agent's identity proof"), _IDENTITY, Condition.VIA_AGENT)
_VALUATION = ChecklistItem("valuation_report", _("Valuation report"), _SEALED, Condition.VALUED)
_OTHER = ChecklistItem("other", _("Other materials"), _CHINESE, Condition.OPTIONAL)

# Patents, CNIPA Announcement No. 461 (2021) [V-4][V-5]: every document but the identity proof in Chinese.
_PATENT_PLEDGE = (
    ChecklistItem("request_form", _("Patent pledge registration request form"), _SIGNED),
    ChecklistItem("pledge_contract", _("Patent pledge contract"), _SIGNED),
    ChecklistItem(
        "identity_or_commitment",
        _("Identity proof of both parties, or their signed commitment letter"),
        _IDENTITY,
    ),
    _POWER_OF_ATTORNEY,
    _AGENT_IDENTITY,
    _VALUATION,
    _OTHER,
)

# Trademarks, Implementing Regulations Art. 70 and the Trademark Office's guide [V-9][V-9b].
_TRADEMARK_PLEDGE = (
    ChecklistItem("request_form", _("Trademark pledge registration request form"), _SIGNED),
    ChecklistItem(
        "commitment_or_qualification",
        _("Commitment letters of both parties, or their entity-qualification proofs"),
        _IDENTITY,
    ),
    ChecklistItem("main_contract", _("Main (loan) contract"), _SIGNED),
    ChecklistItem("pledge_contract", _("Trademark pledge contract"), _SIGNED),
    ChecklistItem(
        "registration_certificate",
        _("Copy of the trademark registration certificate"),
        (Requirement.COLOUR_SCAN,),
    ),
    # The valuation report may be replaced by both parties' written agreement on the value [V-9].
    ChecklistItem(
        "valuation_or_value_agreement",
        _("Valuation report, or both parties' written agreement on the value"),
        _SIGNED,
    ),
    _POWER_OF_ATTORNEY,
    _OTHER,
)

# Copyright, NCAC Order No. 8 [V-10]: foreign-language documents need Chinese translations.
_COPYRIGHT_PLEDGE = (
    ChecklistItem("request_form", _("Copyright pledge registration application form"), _SIGNED),
    ChecklistItem("identity_both", _("Identity proof of both parties"), _IDENTITY),
    ChecklistItem("main_contract", _("Main (loan) contract"), _SIGNED),
    ChecklistItem("pledge_contract", _("Copyright pledge contract"), _SIGNED),
    ChecklistItem(
        "co_owner_consent",
        _("Written consent of every co-owner"),
        (Requirement.SEALED, Requirement.COLOUR_SCAN, Requirement.CHINESE_OR_TRANSLATED),
        Condition.CO_OWNED,
    ),
    ChecklistItem(
        "prior_licences",
        _("Licence contracts already granted over the work"),
        (Requirement.CHINESE_OR_TRANSLATED,),
        Condition.OPTIONAL,
    ),
    _POWER_OF_ATTORNEY,
    _AGENT_IDENTITY,
    _VALUATION,
    _OTHER,
)

# Data IP: no registration rule was found (domain.md §1 lists it only as a pledge object); the patent
# list is used, with the data-IP certificate in place of the patent itself [A].
_DATA_IP_PLEDGE = (
    ChecklistItem("request_form", _("Data IP pledge registration request form"), _SIGNED),
    ChecklistItem("pledge_contract", _("Data IP pledge contract"), _SIGNED),
    ChecklistItem(
        "identity_or_commitment",
        _("Identity proof of both parties, or their signed commitment letter"),
        _IDENTITY,
    ),
    ChecklistItem(
        "certificate_copy", _("Copy of the data IP registration certificate"), (Requirement.COLOUR_SCAN,)
    ),
    _POWER_OF_ATTORNEY,
    _AGENT_IDENTITY,
    _VALUATION,
    _OTHER,
)

# Change and cancellation (domain.md §2.1.1 "Change and cancellation"), the same for every IP kind.
_CHANGE = (
    ChecklistItem("change_request_form", _("Change request form"), _SIGNED),
    ChecklistItem("change_agreement", _("The parties' change agreement"), _SIGNED),
    ChecklistItem("identity_both", _("Identity proof of both parties"), _IDENTITY),
    _POWER_OF_ATTORNEY,
    _OTHER,
)
_CANCELLATION = (
    ChecklistItem("cancellation_request_form", _("Cancellation request form"), _SIGNED),
    ChecklistItem(
        "extinguishment_proof",
        _("Proof that the pledge is extinguished (repayment certificate, release or court decision)"),
        _SEALED,
    ),
    ChecklistItem("identity_both", _("Identity proof of both parties"), _IDENTITY),
    _POWER_OF_ATTORNEY,
    _OTHER,
)
# Trademarks only: extension of the pledge term (期限延期), one form of its own [V-9].
_EXTENSION = (
    ChecklistItem("extension_request_form", _("Pledge term extension request form"), _SIGNED),
    ChecklistItem(
        "extension_agreement", _("The parties' agreement extending the secured debt's term"), _SIGNED
    ),
    ChecklistItem(
        "commitment_or_qualification",
        _("Commitment letters of both parties, or their entity-qualification proofs"),
        _IDENTITY,
    ),
    _POWER_OF_ATTORNEY,
    _OTHER,
)

CHECKLISTS: dict[tuple[str, str], tuple[ChecklistItem, ...]] = {
    (RegistrationKind.PLEDGE, IpKind.PATENT): _PATENT_PLEDGE,
    (RegistrationKind.PLEDGE, IpKind.TRADEMARK): _TRADEMARK_PLEDGE,
    (RegistrationKind.PLEDGE, IpKind.COPYRIGHT): _COPYRIGHT_PLEDGE,
    (RegistrationKind.PLEDGE, IpKind.DATA_IP): _DATA_IP_PLEDGE,
    **{(RegistrationKind.CHANGE, ip_kind): _CHANGE for ip_kind in IpKind.values},
    **{(RegistrationKind.CANCELLATION, ip_kind): _CANCELLATION for ip_kind in IpKind.values},
    (RegistrationKind.EXTENSION, IpKind.TRADEMARK): _EXTENSION,
}


def checklist(kind: str, ip_kind: str) -> tuple[ChecklistItem, ...]:
    """Every item of the list for this filing; empty for a combination no authority accepts."""
    return CHECKLISTS.get((kind, ip_kind), ())


def applicable_items(kind: str, ip_kind: str, facts: dict[str, bool]) -> list[ChecklistItem]:
    """The items this case needs or may carry, given its facts (``valued``, ``via_agent``, ``co_owned``)."""
    return [item for item in checklist(kind, ip_kind) if item.applies(facts)]


def item_for(kind: str, ip_kind: str, code: str) -> ChecklistItem | None:
    return next((item for item in checklist(kind, ip_kind) if item.code == code), None)
