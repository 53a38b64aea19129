"""The one exception hierarchy of Kuźnia.

Every error a user can see is one of these, on every backend: the server maps
each class to one HTTP status, and the HTTP client turns the JSON error back into
the same class, so ``except NotFound`` works the same embedded and over HTTP.

    KuzniaError                 500  InternalError   (base; never raised for bad input)
    ├── InvalidInput            400  InvalidInput    a field is missing, malformed or out of range
    ├── Unauthorized            401  Unauthorized    no or bad credentials
    ├── Forbidden               403  Forbidden       credentials are fine, the action is not allowed
    ├── NotFound                404  NotFound        the resource does not exist (or is not visible)
    ├── Conflict                409  Conflict        the resource exists, or a write-once value differs
    ├── InvalidState            409  InvalidState    the resource is in a state that forbids this
    ├── PayloadTooLarge         413  PayloadTooLarge the request body is over the server's limit
    ├── ServiceUnavailable      503  ServiceUnavailable  the server or database cannot answer now
    ├── ConnectionFailed        ---  ConnectionFailed    client side: the server cannot be reached
    └── RunFailed               ---  RunFailed           client side: a waited-for run ended Failed

Messages are short, plain English, and say what to do next.
"""

from __future__ import annotations

from typing import Any


class KuzniaError(Exception):
    """Base of every Kuźnia error. ``code`` is stable; ``message`` is for humans."""

    code = "InternalError"
    status_code = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(KuzniaError):
    code = "InvalidInput"
    status_code = 400


class Unauthorized(KuzniaError):
    code = "Unauthorized"
    status_code = 401


class Forbidden(KuzniaError):
    code = "Forbidden"
    status_code = 403


class NotFound(KuzniaError):
    code = "NotFound"
    status_code = 404


class Conflict(KuzniaError):
    code = "Conflict"
    status_code = 409


class InvalidState(KuzniaError):
    code = "InvalidState"
    status_code = 409


class PayloadTooLarge(KuzniaError):
    code = "PayloadTooLarge"
    status_code = 413


class ServiceUnavailable(KuzniaError):
    code = "ServiceUnavailable"
    status_code = 503


class ConnectionFailed(KuzniaError):
    code = "ConnectionFailed"
    status_code = 503


class RunFailed(KuzniaError):
    """Raised by ``wait_for_completion`` when the run ended Failed (``raise_on_error=True``)."""

    code = "RunFailed"
    status_code = 409


ERRORS_BY_CODE: dict[str, type[KuzniaError]] = {
    cls.code: cls
    for cls in (
        KuzniaError,
        InvalidInput,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        InvalidState,
        PayloadTooLarge,
        ServiceUnavailable,
        ConnectionFailed,
        RunFailed,
    )
}


def error_from_dict(body: dict[str, Any]) -> KuzniaError:
    """Rebuild the exception a server sent as ``{"code", "message"}``."""
    cls = ERRORS_BY_CODE.get(str(body.get("code")), KuzniaError)
    return cls(str(body.get("message", "unknown error")), details=body.get("details"))
