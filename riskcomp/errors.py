class RiskcompError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class RiskcompNotAllowed(RiskcompError):
    """The user may not do this (answered 403)."""


class RiskcompInvalid(RiskcompError):
    """The input or the object's state does not allow it (answered 400, nothing saved)."""


class BudgetExceeded(RiskcompInvalid):
    """An approval that does not fit in what is left of the year's fund or of an institution's annual cap."""

    def __init__(self, message: str, remaining):
        super().__init__(message, {"__all__": [message]})
        self.remaining = remaining
