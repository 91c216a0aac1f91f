"""Writes for the pledges app, split by sub-domain: ``workflow`` (moves, assignment), ``sla`` (the clock,
reminders), ``register`` (IP assets, legal-status feed), ``filing`` (drafts, materials, precheck)."""
