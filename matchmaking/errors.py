class MatchmakingError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class MatchmakingNotAllowed(MatchmakingError):
    """The user may not do this (answered 403)."""


class MatchmakingInvalid(MatchmakingError):
    """The input or the object's state does not allow it (answered 400, nothing saved)."""
