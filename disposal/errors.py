class DisposalError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class DisposalNotAllowed(DisposalError):
    """The user may not do this (answered 403)."""


class DisposalInvalid(DisposalError):
    """The input or the case's state does not allow it (answered 400, nothing saved)."""
