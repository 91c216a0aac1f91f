"""Uploaded documents (security.md check 24): the content decides the type, never the name or the browser's
claim; the stored name is ours, so a user's file name never reaches the file system. Shared by every app
that takes PDF, JPEG or PNG evidence (subsidies, risk compensation)."""

import uuid

from django.conf import settings
from django.utils.translation import gettext as _

from pledges.services.filing import detect_type, safe_file_name


def check_document(upload, *, field: str, errors: dict) -> tuple[str, str] | None:
    """(content type, extension) of an uploaded PDF, JPEG or PNG within UPLOAD_MAX_BYTES, judged by its
    first bytes; otherwise None, with the reason added to ``errors[field]``. None without an error for no file."""
    if upload is None:
        return None
    name = safe_file_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", 0) or 0
    if size > settings.UPLOAD_MAX_BYTES:
        errors[field] = [
            _("%(name)s is larger than the limit of %(limit)d MB.")
            % {"name": name, "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        ]
        return None
    if size == 0:
        errors[field] = [_("%(name)s is empty.") % {"name": name}]
        return None
    upload.seek(0)
    detected = detect_type(upload.read(16))
    upload.seek(0)
    if detected is None:
        errors[field] = [
            _("%(name)s: only PDF, JPEG and PNG files are accepted; its content is none of them.")
            % {"name": name}
        ]
    return detected


def store_document(field_file, upload, extension: str) -> str:
    """Save ``upload`` into ``field_file`` under a random name of ours; return the display name to keep."""
    upload.seek(0)
    field_file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    return safe_file_name(getattr(upload, "name", ""))
