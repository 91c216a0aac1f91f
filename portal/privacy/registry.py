"""Which fields of which records hold personal data that may be shown in full, and how each is scoped.

The kernel sits below the domain apps and must not import them (architecture.md §2), so each record names
its app's scoping function by dotted path; it is imported on first use. Unmasking reads the record through
that scope, so a record the user cannot see is a 404, as on its page.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import import_string

from portal.pii import mask_contact, mask_id_number, mask_phone

PHONE = "phone"
ID_NUMBER = "id_number"
CONTACT = "contact"  # free "how to reach you" text

MASKS = {PHONE: mask_phone, ID_NUMBER: mask_id_number, CONTACT: mask_contact}


@dataclass(frozen=True)
class Record:
    scope: str  # dotted path of ``scope(user=...) -> QuerySet`` (the entity's one scoping function)
    fields: dict[str, str]  # field name -> kind (PHONE, ID_NUMBER or CONTACT)
    owner: str = ""  # the attribute naming the organisation whose data it is, for the audit row
    # A record without a scope of its own is reached through its parent's: model label and relation.
    model: str = ""
    via: str = ""

    def queryset(self, user):
        scoped = import_string(self.scope)(user=user)
        if not self.model:
            return scoped
        return apps.get_model(self.model).objects.filter(**{f"{self.via}__in": scoped})


RECORDS: dict[str, Record] = {
    "subsidies.application": Record(
        scope="subsidies.permissions.application_scope",
        fields={"contact_phone": PHONE},
        owner="enterprise_id",
    ),
    # Objections to the public notice: what anyone who lodged one gave to be reached by.
    "subsidies.objection": Record(
        scope="subsidies.permissions.application_scope",
        model="subsidies.Objection",
        via="application",
        fields={"contact": CONTACT},
    ),
    "loans.coachingrequest": Record(
        scope="loans.selectors.coaching_scope",
        fields={"contact_phone": PHONE},
        owner="enterprise_id",
    ),
}


def field_kind(label: str, field: str) -> str | None:
    record = RECORDS.get(label)
    return record.fields.get(field) if record else None
