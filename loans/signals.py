"""Signals other apps listen to (the statistics recompute after a big upload) without loans knowing them."""

from django.dispatch import Signal

# Sent after a loan file upload was applied and committed: ``rows`` lines, ``bank`` the uploading bank.
import_applied = Signal()
