"""Domain errors. The API maps each class to one HTTP status; the engine never imports the API."""
from __future__ import annotations


class EngineError(Exception):
    """Base class; ``code`` is a stable machine-readable slug."""

    code = "engine-error"

    def __init__(self, detail: str, *, zh: str | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.zh = zh  # the Chinese message (the UI's first language); ``detail`` is the English one
        self.extra = extra


class NotFound(EngineError):
    code = "not-found"


class Forbidden(EngineError):
    """The actor may see the object but may not do this to it."""

    code = "forbidden"


class Conflict(EngineError):
    """The object changed under us (lost race, already claimed/completed)."""

    code = "conflict"


class ValidationFailed(EngineError):
    """Input data is invalid. ``errors`` maps a field name to a list of messages."""

    code = "validation-failed"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None, *, zh: str | None = None,
                 errors_zh: dict[str, list[str]] | None = None):
        super().__init__(detail, zh=zh)
        self.errors = errors or {}
        self.errors_zh = errors_zh


class PayloadTooLarge(EngineError):
    """An upload is larger than its type allows (→ 413)."""

    code = "too-large"


class UnsupportedType(EngineError):
    """An upload's content is not an accepted file type (→ 415)."""

    code = "unsupported-type"


class InvalidProcess(EngineError):
    """A BPMN/DMN file cannot be deployed."""

    code = "invalid-process"

    def __init__(self, detail: str, file: str | None = None, element: str | None = None,
                 problems: list[dict] | None = None, *, zh: str | None = None):
        super().__init__(detail, zh=zh)
        self.file = file
        self.element = element
        self.problems = problems or []  # every problem found (engine.validation.Problem.as_dict())

    def __str__(self):
        return self.located(self.detail)

    def located(self, text: str) -> str:
        """``text`` (the detail in either language) prefixed with the file and element it is about."""
        where = ", ".join(x for x in (self.file and f"file {self.file}", self.element and f"element {self.element}") if x)
        return f"{where}: {text}" if where else text


class WorkflowFailed(EngineError):
    """A script, expression or guard failed while running the case; nothing was stored."""

    code = "workflow-failed"


class TooManyRequests(EngineError):
    """Throttled (too many failed sign-ins, or the server is busy hashing passwords); retry later."""

    code = "too-many-requests"

    def __init__(self, detail: str, retry_after: int = 60, *, zh: str | None = None):
        super().__init__(detail, zh=zh)
        self.retry_after = retry_after
