"""Input checks shared by every service: text hygiene, VINs and RFC 3339 / date-only values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from booking_gateway.domain.errors import FieldProblem, ValidationFailed

# ISO 3779: 17 characters, digits and capital letters except I, O and Q.
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RFC3339_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)
# C0 controls other than tab, LF and CR, plus DEL: never legitimate in booking data.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Problems:
    """Collects every problem of one input, so the client learns all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldProblem(field, message))

    def has(self, field: str) -> bool:
        """Whether ``field`` has a problem already (so a follow-up one is not reported)."""
        return any(item.field == field for item in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        if value is None:
            if required:
                self.add(field, "is required")
            return None
        if CONTROL_RE.search(value):
            self.add(field, "must not contain control characters (such as NUL)")
            return None
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.add(field, "is not valid Unicode text (lone surrogate)")
            return None
        value = value.strip()
        if required and not value:
            self.add(field, "must not be empty")
            return None
        if len(value) > max_length:
            self.add(field, f"must be at most {max_length} characters")
            return None
        return value or None

    def day(self, field: str, value: date | None) -> date | None:
        if value is not None and not in_range(value):
            self.add(field, f"must lie between {EARLIEST} and {LATEST}")
            return None
        return value

    def instant(self, field: str, value: datetime | None) -> datetime | None:
        """An aware instant within the accepted years (GraphQL DateTime inputs)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            self.add(field, "needs a UTC offset, e.g. 2026-12-01T08:00:00Z")
            return None
        if not in_range(value.date()):
            self.add(field, f"must lie between {EARLIEST} and {LATEST}")
            return None
        return value

    def vin(self, field: str, value: str | None) -> str | None:
        text = self.text(field, value, max_length=17, required=True)
        if text is None:
            return None
        vin = text.upper()
        if not VIN_RE.fullmatch(vin):
            self.add(field, "must be 17 characters of digits and letters other than I, O and Q")
            return None
        return vin

    def timestamp(self, field: str, value: str | None) -> datetime | None:
        if value is None:
            return None
        parsed = parse_rfc3339(value)
        if parsed is None:
            self.add(field, "must be an RFC 3339 timestamp such as 2022-08-23T13:30:00.000Z")
        return parsed

    def date_or_timestamp(self, field: str, value: str | None) -> date | datetime | None:
        if value is None:
            self.add(field, "is required")
            return None
        value = value.strip()
        if DATE_RE.fullmatch(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                self.add(field, f"{value!r} is not a calendar date")
                return None
            if not in_range(day):
                self.add(field, f"must lie between {EARLIEST} and {LATEST}")
                return None
            return day
        parsed = parse_rfc3339(value)
        if parsed is None:
            self.add(
                field,
                "must be a date (2022-01-12) or an RFC 3339 timestamp (2022-08-23T13:30:00Z)",
            )
        return parsed


# Dates the gateway accepts anywhere: wide enough for any booking, narrow enough that time-zone
# and window arithmetic can never overflow Python's datetime range.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def parse_rfc3339(value: str) -> datetime | None:
    """Strict RFC 3339 to an aware UTC datetime; None if malformed, impossible or out of the
    accepted years."""
    match = RFC3339_RE.match(value.strip())
    if not match:
        return None
    frac = (match["frac"] or "")[:7]  # Python keeps microseconds: drop finer digits
    offset = match["offset"].upper().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}{frac}{offset}")
        if not in_range(parsed.date()):
            return None
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True, slots=True)
class Limits:
    """Maximum lengths of imported text fields (documented in the README)."""

    booking_id: int = 128
    source: int = 64
    dealer: int = 64
    reason_key: int = 64
    reason_text: int = 1000
    external_ref: int = 64


LIMITS = Limits()
