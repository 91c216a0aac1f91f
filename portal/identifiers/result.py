from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one identifier; ``error_code`` is one of the API's error codes."""

    value: str
    valid: bool
    normalized: str | None = None
    error_code: str | None = None
    message: str = ""
    details: dict = field(default_factory=dict)
