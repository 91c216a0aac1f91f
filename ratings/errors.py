class RatingError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class RatingNotAllowed(RatingError):
    """The user may not do this (answered 403)."""


class RatingInvalid(RatingError):
    """The input or the invitation's state does not allow it (answered 400, nothing saved)."""
