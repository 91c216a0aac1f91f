"""Domain errors of the pledges app. Each carries ``message`` in the language active when raised; views
and APIs turn them into responses (see ``http_status``)."""


class PledgeError(Exception):
    http_status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(PledgeError):
    """A move the table does not list from the case's status (409), or one the actor may not make (403)."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden
        self.http_status = 403 if forbidden else 409


class PledgeValidationError(PledgeError):
    """Bad or missing input to a write (400); ``errors`` maps a field name to a list of messages, the
    shape of the API's error envelope."""

    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


class TransitionDetailsInvalid(PledgeValidationError):
    """A move that needs details (notice number, refusal reasons) got missing or bad ones."""


class ReassignmentNotAllowed(PledgeError):
    """Only the registration supervisor reassigns cases (403)."""

    http_status = 403


class ServiceTimeUnavailable(PledgeError):
    """No service time is in force for the case's year, IP kind and channel, so the clock cannot start."""
