"""The identifier kinds a user can check on the checker page, and one entry point for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.identifiers.patent import check_patent
from portal.identifiers.result import CheckResult
from portal.identifiers.uscc import check_uscc


class IdentifierKind(models.TextChoices):
    USCC = "uscc", _("Unified social credit code")
    PATENT = "patent", _("Patent number")


_CHECKS = {IdentifierKind.USCC: check_uscc, IdentifierKind.PATENT: check_patent}


def check_identifier(*, kind: str, value: str) -> CheckResult:
    return _CHECKS[IdentifierKind(kind)](value)
