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


class LoanValidationError(LoanError):
    """Bad or missing input to a write (400); ``errors`` maps a field name to a list of messages, the
    shape of the API's error envelope."""

    http_status = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


class LoanNotAllowed(LoanError):
    """The actor's role or organisation may not make this write (403)."""

    http_status = 403


class LoanConflict(LoanError):
    """The object's state refuses the write, or a unique fact already exists (409); ``code`` says which."""

    http_status = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.code = code


# --- Applications -----------------------------------------------------------------------------------


class ApplicationInvalid(LoanValidationError):
    """Bad or missing input to a loan request or a review step (400); ``errors`` maps a field name to
    messages, so a form can show each next to its field."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message, errors=errors or {})


class ApplicationNotAllowed(LoanError):
    """A move the table does not list from the application's status (409), or one this actor may not
    make (403: wrong role or party, or the maker trying to be the checker)."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.forbidden = forbidden
        self.http_status = 403 if forbidden else 409
