"""Who may show personal data in full: only holders of the explicit permission (security.md check 37)."""

from django.utils.translation import gettext as _

VIEW_FULL_PII = "privacy.view_full_pii"


def can_view_full_pii(user) -> tuple[bool, str]:
    if user.is_authenticated and user.is_active and user.has_perm(VIEW_FULL_PII):
        return True, ""
    return False, _("Only users allowed to see full personal data may show a full number.")
