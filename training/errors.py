class TrainingError(Exception):
    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class TrainingNotAllowed(TrainingError):
    """The user may not do this (answered 403)."""


class TrainingInvalid(TrainingError):
    """The input or the object's state does not allow it (answered 400, nothing saved)."""
