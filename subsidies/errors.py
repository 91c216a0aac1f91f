class SubsidyError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class SubsidyNotAllowed(SubsidyError):
    """The user may not do this (answered 403)."""


class SubsidyInvalid(SubsidyError):
    """The input or the object's state does not allow it (answered 400, nothing saved)."""


class BudgetExceeded(SubsidyInvalid):
    """An approval that does not fit in what is left of the batch's budget."""

    def __init__(self, message: str, remaining):
        super().__init__(message, {"amount": [message]})
        self.remaining = remaining
