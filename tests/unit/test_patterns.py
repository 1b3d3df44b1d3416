"""Custom-field patterns run in linear time, and patterns that cannot are refused."""

from __future__ import annotations

import pytest

from booking_gateway.domain.patterns import full_match, pattern_problem


def test_a_catastrophic_pattern_answers_at_once() -> None:
    # given the pattern that froze the gateway for 3.1 s on 27 characters
    pattern = "(a+)+$"

    # when a long value that almost matches is checked
    matched = full_match(pattern, "a" * 10_000 + "!")

    # then it answers (RE2: linear in the value), and correctly
    assert matched is False
    assert full_match(pattern, "a" * 10_000) is True


@pytest.mark.parametrize("pattern", [r"(a)\1", r"foo(?=bar)", r"(?<!x)y", "(", "x" * 501])
def test_patterns_that_cannot_run_in_linear_time_are_refused_when_defined(pattern: str) -> None:
    assert pattern_problem(pattern) is not None


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (r"[A-Z]{2} ?[0-9]{5}", "AB 12345", True),
        (r"[A-Z]{2} ?[0-9]{5}", "AB 12345 extra", False),
        (r"\d{4}", "2026", True),
        (r"colou?r", "color", True),
    ],
)
def test_ordinary_patterns_match_whole_values(pattern: str, value: str, expected: bool) -> None:
    assert pattern_problem(pattern) is None
    assert full_match(pattern, value) is expected


def test_a_stored_pattern_that_cannot_run_is_reported_not_raised() -> None:
    assert full_match(r"(a)\1", "aa") is None
