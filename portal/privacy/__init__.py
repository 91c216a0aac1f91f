"""Showing a full phone or ID number: a permission (``privacy.view_full_pii``), one record at a time, audited.

The masking itself lives in ``portal.pii`` (no ORM there: the logging filter uses it before apps load).
"""
