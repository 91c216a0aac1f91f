"""Domain errors of the loans app. Each carries ``message`` in the language active when raised; views
turn them into responses (see ``http_status``)."""


class LoanError(Exception):
    http_status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ProductTransitionNotAllowed(LoanError):
    """A move the table does not list from the product's status (409), or one the actor may not make (403)."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden
        self.http_status = 403 if forbidden else 409


class ProductNotEditable(LoanError):
    """Only drafts are edited, and only by the bank group's officers and managers."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden
        self.http_status = 403 if forbidden else 409
