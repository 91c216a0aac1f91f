"""Invite a rating when a case closes, without the case's app knowing: listen to the post_save of each
kind's event model (ratings/subjects.py) and, when the event moves the case to a closing status, open the
invitation after the commit (the case row is saved in the same transaction as its event, sometimes after
it). Robust: a failure here never breaks the other app's request; the hourly sweep catches up."""

from django.db import transaction
from django.db.models.signals import post_save

from ratings.subjects import SUBJECTS, subject_for_event_model


def _on_event_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if not created or raw:
        return
    subject = subject_for_event_model(sender)
    if subject is None or instance.to_status not in subject.closing:
        return
    case_id = getattr(instance, f"{subject.event_fk}_id")

    def invite(kind=subject.kind, case_id=case_id):
        from ratings.services import invitation_open

        invitation_open(kind=kind, subject_id=case_id)

    transaction.on_commit(invite, robust=True)


def connect() -> None:
    for subject in SUBJECTS.values():
        post_save.connect(
            _on_event_saved, sender=subject.event_label, dispatch_uid=f"ratings-invite-{subject.kind}"
        )
