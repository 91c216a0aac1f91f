"""A draft batch's materials checklist: add, edit, delete and reorder its items, attach the template an
enterprise downloads (a PDF, Word or Excel file, told by its content, never by its name), and serve it.
Only a draft's checklist changes: once published, enterprises upload against it. Every change writes a
``BatchEvent`` with its actor."""

import io
import os
import uuid
import zipfile

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from pledges.services.filing import safe_file_name
from portal.accounts.models import User
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import Batch, BatchEvent, BatchStatus, ChecklistItem, MaterialScope
from subsidies.permissions import is_batch_manager

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {".pdf": PDF, ".docx": DOCX, ".xlsx": XLSX}
# An Office file is a zip: one that unpacks to far more than the upload cap, or holds thousands of
# entries, is a zip bomb, not a form to fill in.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_EXPANSION = 30
UP, DOWN = "up", "down"


def _manager(actor: User) -> None:
    if not is_batch_manager(actor):
        raise SubsidyNotAllowed(
            _("Only the IP bureau's reviewers and promotion officers manage subsidy batches.")
        )


def _draft(batch: Batch) -> Batch:
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.DRAFT:
        raise SubsidyInvalid(
            _("The checklist of a published batch cannot change: enterprises apply against it.")
        )
    return batch


def template_type(upload) -> tuple[str, str]:
    """(content type, extension) of an uploaded template: PDF, DOCX or XLSX by its content, within the
    upload limit. Raises SubsidyInvalid (field ``template``) otherwise."""
    name = safe_file_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", 0) or 0

    def refuse(message: str):
        raise SubsidyInvalid(message, {"template": [message]})

    if size == 0:
        refuse(_("%(name)s is empty.") % {"name": name})
    if size > settings.UPLOAD_MAX_BYTES:
        refuse(
            _("%(name)s is larger than the limit of %(limit)d MB.")
            % {"name": name, "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    if content.startswith(b"%PDF-"):
        return PDF, ".pdf"
    not_accepted = _(
        "%(name)s: only PDF, Word (.docx) and Excel (.xlsx) templates are accepted; its content is none of them."
    ) % {"name": name}
    if not content.startswith(b"PK\x03\x04"):
        refuse(not_accepted)
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except zipfile.BadZipFile:
        refuse(not_accepted)
    if (
        len(entries) > ZIP_MAX_ENTRIES
        or sum(entry.file_size for entry in entries) > ZIP_MAX_EXPANSION * settings.UPLOAD_MAX_BYTES
    ):
        refuse(_("%(name)s unpacks to far more data than a template holds.") % {"name": name})
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX, ".docx"
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX, ".xlsx"
    refuse(not_accepted)
    raise AssertionError  # refuse() always raises


def template_content_type(item: ChecklistItem) -> str:
    return CONTENT_TYPES.get(os.path.splitext(item.template.name)[1].lower(), "application/octet-stream")


def _attach(item: ChecklistItem, upload) -> None:
    """Store the template under a name of ours (a user's file name never reaches the file system)."""
    _content_type, extension = template_type(upload)
    _forget(item)
    upload.seek(0)
    item.template.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    item.template_name = safe_file_name(getattr(upload, "name", ""), fallback=f"template{extension}")


def _forget(item: ChecklistItem) -> None:
    """Drop the item's template; the file goes only when no other item (a clone's) still points at it."""
    if not item.template:
        return
    name = item.template.name
    shared = ChecklistItem.objects.filter(template=name).exclude(pk=item.pk).exists()
    if not shared:
        item.template.storage.delete(name)
    item.template = ""
    item.template_name = ""


def _values(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    title = str(values.get("title") or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(max)d characters.") % {"max": 200}]
    scope = values.get("scope") or MaterialScope.EVERY
    if scope not in MaterialScope.values:
        errors["scope"] = [_("Choose which applications need this material.")]
    if errors:
        raise SubsidyInvalid(_("The checklist item was not saved: correct the fields marked."), errors)
    return {
        "title": title,
        "scope": scope,
        "needs_signature": bool(values.get("needs_signature")),
        "needs_seal": bool(values.get("needs_seal")),
        "needs_colour_scan": bool(values.get("needs_colour_scan")),
    }


@transaction.atomic
def checklist_item_add(*, batch: Batch, actor: User, values: dict, template=None) -> ChecklistItem:
    _manager(actor)
    batch = _draft(batch)
    cleaned = _values(values)
    last = batch.checklist.aggregate(last=Max("position"))["last"] or 0
    item = ChecklistItem(batch=batch, position=last + 1, **cleaned)
    if template is not None:
        _attach(item, template)
    item.save()
    BatchEvent.objects.create(
        batch=batch,
        actor=actor,
        action="checklist_added",
        details={"item": item.title, "template": item.template_name},
    )
    return item


@transaction.atomic
def checklist_item_update(
    *, item: ChecklistItem, actor: User, values: dict, template=None, remove_template: bool = False
) -> ChecklistItem:
    _manager(actor)
    batch = _draft(item.batch)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk, batch=batch)
    cleaned = _values(values)
    changed = {
        name: [getattr(item, name), value] for name, value in cleaned.items() if getattr(item, name) != value
    }
    for name, value in cleaned.items():
        setattr(item, name, value)
    if template is not None:
        before = item.template_name
        _attach(item, template)
        changed["template"] = [before, item.template_name]
    elif remove_template and item.template:
        changed["template"] = [item.template_name, ""]
        _forget(item)
    item.save()
    if changed:
        BatchEvent.objects.create(
            batch=batch,
            actor=actor,
            action="checklist_edited",
            details={"item": item.title, "changed": changed},
        )
    return item


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor: User) -> None:
    _manager(actor)
    batch = _draft(item.batch)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk, batch=batch)
    title = item.title
    _forget(item)
    item.delete()
    # Positions stay 1..n so "up" and "down" always mean the neighbour.
    _renumber(batch)
    BatchEvent.objects.create(batch=batch, actor=actor, action="checklist_deleted", details={"item": title})


def _renumber(batch: Batch) -> list[ChecklistItem]:
    items = list(batch.checklist.select_for_update().order_by("position", "pk"))
    for position, item in enumerate(items, start=1):
        item.position = position
    ChecklistItem.objects.bulk_update(items, ["position"])
    return items


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, actor: User, direction: str) -> ChecklistItem:
    """Swap the item with its neighbour above (``up``) or below (``down``)."""
    _manager(actor)
    batch = _draft(item.batch)
    if direction not in (UP, DOWN):
        raise SubsidyInvalid(_("Move an item up or down."))
    items = _renumber(batch)
    index = next((i for i, candidate in enumerate(items) if candidate.pk == item.pk), None)
    if index is None:
        raise SubsidyInvalid(_("This item is not on the batch's checklist."))
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(items):
        raise SubsidyInvalid(
            _("The item is already first.") if direction == UP else _("The item is already last.")
        )
    items[index].position, items[other].position = items[other].position, items[index].position
    ChecklistItem.objects.bulk_update([items[index], items[other]], ["position"])
    BatchEvent.objects.create(
        batch=batch,
        actor=actor,
        action="checklist_reordered",
        details={"item": items[index].title, "position": items[index].position},
    )
    return items[index]
