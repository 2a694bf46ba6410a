"""RFC 9457 problem details: every error the web API answers, in one place.

Each problem has a stable ``type`` URI that clients may switch on; the
``title`` is fixed per type and the ``detail`` says what happened this time.
Validation problems also carry ``errors``, a list naming each bad field.

:func:`from_mailcore` maps the engine's typed errors to problems. A
not-found answer never says whether the thing exists in another account:
every kind of "no such id" becomes the same ``not-found`` body.
"""

from __future__ import annotations

from typing import Any

import attrs

import mailcore

PROBLEM_BASE = "https://mailcore.dev/problems/"
#: Seconds a client should wait before retrying a 503.
RETRY_AFTER_UNAVAILABLE = 5
CONTENT_TYPE = "application/problem+json"


@attrs.frozen
class FieldError:
    """One invalid input: ``field`` is a JSON-path-like name (``to[2]``, ``limit``)."""

    field: str
    detail: str


#: type slug -> (status, title)
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "validation": (400, "The request is not valid"),
    "malformed-json": (400, "The request body is not valid JSON"),
    "invalid-query": (400, "The search query is malformed"),
    "invalid-argument": (400, "An argument is not acceptable"),
    "unauthorized": (401, "Authentication is required"),
    "invalid-token": (401, "The token is invalid or expired"),
    "invalid-credentials": (401, "The username or password is wrong"),
    "forbidden": (403, "The operation is not allowed"),
    "sender-not-allowed": (403, "The sender address is not one of the account's"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "It exists already"),
    "too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "The request body must be JSON"),
    "too-many-attempts": (429, "Too many attempts"),
    "internal": (500, "Internal server error"),
    "unavailable": (503, "The service is temporarily unavailable"),
}


class Problem(Exception):
    """Raise anywhere in a handler to answer with a problem document."""

    def __init__(
        self,
        kind: str,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if kind not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {kind!r}")
        self.kind = kind
        self.status, self.title = PROBLEM_TYPES[kind]
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "detail": e.detail} for e in self.errors]
        body.update(self.extra)
        return body


def invalid(field: str, detail: str) -> Problem:
    """A validation problem naming one field."""
    return Problem("validation", f"{field}: {detail}", errors=[FieldError(field, detail)])


def not_found() -> Problem:
    """The one answer for every missing or foreign id."""
    return Problem("not-found", "Not found")


def from_mailcore(exc: mailcore.MailcoreError, *, field: str | None = None) -> Problem:
    """The problem a mailcore error becomes; ``field`` names the input it concerns."""
    match exc:
        case mailcore.TooManyAttempts():
            retry = max(1, int(exc.retry_after))
            return Problem(
                "too-many-attempts",
                "Too many failed logins; try again later",
                headers={"Retry-After": str(retry)},
                extra={"retry_after": retry},
            )
        case mailcore.AuthenticationFailed():
            return Problem("invalid-credentials")
        case mailcore.NotFound():
            return not_found()
        case mailcore.QuerySyntaxError():
            return Problem(
                "invalid-query",
                exc.reason,
                errors=[FieldError(field or "q", f"{exc.reason} at position {exc.position}")],
                extra={"position": exc.position},
            )
        case mailcore.AlreadyExists():
            return Problem("conflict", str(exc) or None)
        case mailcore.SenderNotAllowed():
            return Problem(
                "sender-not-allowed",
                str(exc),
                errors=[FieldError(field or "from", "not an address of this account")],
            )
        case mailcore.MessageTooLarge():
            return Problem("too-large", str(exc) or None)
        case mailcore.PermissionDenied():
            return Problem("forbidden", str(exc) or None)
        case mailcore.InvalidArgument():
            if field:
                return Problem("validation", f"{field}: {exc}", errors=[FieldError(field, str(exc))])
            return Problem("invalid-argument", str(exc) or None)
        case mailcore.Closed() | mailcore.StoreError():
            # a lost store server usually comes back within seconds
            return Problem("unavailable", headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)})
        case _:
            return Problem("internal")
