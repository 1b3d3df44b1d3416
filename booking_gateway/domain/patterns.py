"""Tenant-defined patterns (custom-field regular expressions) run on RE2 (``google-re2``):
matching takes time linear in the value, so no pattern an admin writes can stall the gateway
(Python's ``re`` took 3.1 s for ``(a+)+$`` on 27 characters, and every tenant waited). RE2
does not run backreferences or lookaround; a pattern that needs them is refused when it is
defined."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

MAX_PATTERN_LENGTH = 500

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the admin's input, not a log line


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _OPTIONS)


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a custom field's pattern, or None."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"must be at most {MAX_PATTERN_LENGTH} characters"
    try:
        _compiled(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return (
            f"is not a pattern the gateway can run in linear time ({reason}); "
            "backreferences and lookaround are not supported"
        )
    return None


def full_match(pattern: str, value: str) -> bool | None:
    """Whether all of ``value`` matches; None when the pattern cannot run (one stored before
    patterns were checked this way)."""
    try:
        return _compiled(pattern).fullmatch(value) is not None
    except re2.error:
        return None
