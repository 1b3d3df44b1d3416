"""How failures reach clients.

Native mutations return result unions whose error members implement ``Error``. Everything else
is a top-level GraphQL error whose ``extensions.code`` is stable: domain errors keep their code;
request problems get the codes below; anything unexpected is masked as INTERNAL_SERVER_ERROR with
a ``correlationId`` that is also logged.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError

from booking_gateway.domain.errors import (
    CancellationWindowClosed,
    Conflict,
    DatabaseUnavailable,
    DomainError,
    InvalidTransition,
    NotFound,
    ReservationExpired,
    RevisionMismatch,
    SlotTaken,
    ValidationFailed,
)
from booking_gateway.domain.models import BookingStatus

log = logging.getLogger("booking_gateway.errors")

# Codes of errors found before execution; a response with only these has no data (HTTP 400).
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
UNAVAILABLE = DatabaseUnavailable.code
REQUEST_ERROR_CODES = frozenset(
    {PARSE_FAILED, VALIDATION_FAILED, QUERY_TOO_DEEP, TOO_MANY_ALIASES, QUERY_TOO_LARGE}
)

# strawberry's limiter messages (pinned version; tests cover each mapping).
_DEPTH_RE = re.compile(r"exceeds maximum operation depth")
_ALIASES_RE = re.compile(r"aliases found\. Allowed")
_TOKENS_RE = re.compile(r"Document contains more than \d+ tokens")
# graphql-core's messages for variable values that cannot be coerced (not validation errors).
_VARIABLE_VALUE_RE = re.compile(
    r"^Variable '\$\w+' (has invalid value|got invalid value|of required type|of non-null type)"
)


def _code_of(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return QUERY_TOO_LARGE if _TOKENS_RE.search(error.message) else PARSE_FAILED
    if error.path is not None:
        return INTERNAL  # a field failed with no domain reason: a bug
    if _DEPTH_RE.search(error.message):
        return QUERY_TOO_DEEP
    if _ALIASES_RE.search(error.message):
        return TOO_MANY_ALIASES
    if _VARIABLE_VALUE_RE.search(error.message):
        return BAD_USER_INPUT
    return VALIDATION_FAILED


def format_error(error: GraphQLError, correlation_id: str) -> dict[str, Any]:
    original = error.original_error
    formatted: dict[str, Any] = {"message": error.message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if error.path is not None:
        formatted["path"] = error.path
    if isinstance(original, DomainError):
        formatted["message"] = original.message
        formatted["extensions"] = {"code": original.code, **original.details}
        return formatted
    code = _code_of(error) if original is None or error.path is None else INTERNAL
    if code == INTERNAL:
        log.error(
            "unexpected error in a resolver",
            exc_info=original or error,
            extra={"correlation_id": correlation_id, "path": error.path},
        )
        formatted["message"] = "Internal server error"
        formatted["extensions"] = {"code": INTERNAL, "correlationId": correlation_id}
        return formatted
    formatted["extensions"] = {"code": code}
    return formatted


def request_error(message: str, code: str, **details: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **details}}]}


@strawberry.interface(description="Something a mutation refused; `code` is stable.")
class Error:
    message: str = strawberry.field(description="Human-readable explanation.")
    code: str = strawberry.field(description="Stable machine-readable reason.")


@strawberry.type(description="One offending input field.")
class FieldError:
    field: str = strawberry.field(description="Input field name, e.g. `timeZone`.")
    message: str = strawberry.field(description="What is wrong with it.")


@strawberry.type(description="The input failed validation; nothing was written.")
class ValidationError(Error):
    fields: list[FieldError] = strawberry.field(description="Every offending field.")

    @classmethod
    def from_domain(cls, exc: ValidationFailed) -> ValidationError:
        return cls(
            message=exc.message,
            code=exc.code,
            fields=[FieldError(field=p.field, message=p.message) for p in exc.fields],
        )


@strawberry.type(description="Something the input names does not exist (or is not yours).")
class NotFoundError(Error):
    pass


@strawberry.type(description="The request conflicts with the current state.")
class ConflictError(Error):
    pass


@strawberry.enum(description="The rule that blocked a timeslot.")
class SlotUnavailableReason(StrEnum):
    CLOSED = "CLOSED"
    CAPACITY = "CAPACITY"
    RESOURCE_BUSY = "RESOURCE_BUSY"
    TOO_SOON = "TOO_SOON"
    TOO_FAR_AHEAD = "TOO_FAR_AHEAD"
    HELD = "HELD"


@strawberry.type(description="The timeslot cannot be booked; `reason` names the rule.")
class SlotUnavailableError(Error):
    reason: SlotUnavailableReason = strawberry.field(description="What blocked it.")
    service_id: strawberry.ID | None = strawberry.field(description="Which service, if known.")


@strawberry.type(description="The hold ran out before confirmation; reserve again.")
class ReservationExpiredError(Error):
    expired_at: datetime = strawberry.field(description="When the hold ended (UTC).")


@strawberry.type(description="The booking is not in a state that allows this change.")
class InvalidTransitionError(Error):
    booking_id: strawberry.ID = strawberry.field(description="The booking that refused.")
    current: BookingStatus = strawberry.field(description="Its status now.")
    allowed: list[BookingStatus] = strawberry.field(description="Statuses it may move to.")


@strawberry.type(description="The booking changed since you read it (optimistic concurrency).")
class RevisionMismatchError(Error):
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    expected: int = strawberry.field(description="The revision you sent.")
    actual: int = strawberry.field(description="Its revision now: reload and retry.")


@strawberry.type(
    description="The cancellation deadline has passed: customer-side tokens can no longer "
    "cancel or reschedule; the workshop can."
)
class CancellationWindowClosedError(Error):
    last_time_to_cancel: datetime = strawberry.field(description="The deadline (UTC).")


ErrorMember = (
    SlotUnavailableError
    | ReservationExpiredError
    | CancellationWindowClosedError
    | InvalidTransitionError
    | RevisionMismatchError
    | ValidationError
    | NotFoundError
    | ConflictError
)


def error_member(exc: DomainError) -> ErrorMember:
    """A refused mutation's domain error as its result-union member."""
    if isinstance(exc, SlotTaken):
        return SlotUnavailableError(
            message=exc.message,
            code=exc.code,
            reason=SlotUnavailableReason(exc.reason),
            service_id=strawberry.ID(exc.service_id) if exc.service_id else None,
        )
    if isinstance(exc, ReservationExpired):
        return ReservationExpiredError(
            message=exc.message,
            code=exc.code,
            expired_at=datetime.fromisoformat(exc.details["expiredAt"]),
        )
    if isinstance(exc, CancellationWindowClosed):
        return CancellationWindowClosedError(
            message=exc.message, code=exc.code, last_time_to_cancel=exc.deadline
        )
    if isinstance(exc, InvalidTransition):
        return InvalidTransitionError(
            message=exc.message,
            code=exc.code,
            booking_id=strawberry.ID(exc.booking_id),
            current=BookingStatus(exc.current),
            allowed=[BookingStatus(s) for s in exc.allowed],
        )
    if isinstance(exc, RevisionMismatch):
        return RevisionMismatchError(
            message=exc.message,
            code=exc.code,
            booking_id=strawberry.ID(exc.booking_id),
            expected=exc.expected,
            actual=exc.actual,
        )
    if isinstance(exc, ValidationFailed):
        return ValidationError.from_domain(exc)
    if isinstance(exc, NotFound):
        return NotFoundError(message=exc.message, code=exc.code)
    if isinstance(exc, Conflict):
        return ConflictError(message=exc.message, code=exc.code)
    raise exc
