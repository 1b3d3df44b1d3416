"""The status machine and language choice: pure rules."""

from __future__ import annotations

import pytest

from booking_gateway.domain.catalog import pick_text
from booking_gateway.domain.models import BookingStatus
from booking_gateway.domain.status import ACTIVE, TRANSITIONS, allowed
from booking_gateway.graphql.context import parse_accept_language

S = BookingStatus


def test_every_status_has_its_transitions_and_finals_are_final() -> None:
    assert set(TRANSITIONS) == set(BookingStatus)
    for final in (S.COMPLETED, S.CANCELLED, S.NO_SHOW):
        assert allowed(final) == []
        assert final not in ACTIVE


def test_every_active_booking_can_end() -> None:
    # given any active status, then some path leads to a final status
    for start in ACTIVE:
        seen, frontier = {start}, [start]
        while frontier:
            frontier = [n for s in frontier for n in TRANSITIONS[s] if n not in seen]
            seen.update(frontier)
        assert seen & {S.COMPLETED, S.CANCELLED, S.NO_SHOW}


def test_work_in_progress_cannot_be_cancelled_or_skipped() -> None:
    assert allowed(S.IN_PROGRESS) == [S.COMPLETED]
    assert S.COMPLETED not in TRANSITIONS[S.CONFIRMED]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("da-DK,da;q=0.9,en;q=0.5", ("da-DK", "da", "en")),
        ("en;q=0.2, de", ("de", "en")),
        ("*", ()),
        ("fr;q=0, nl", ("nl",)),
        (None, ()),
        ("en;q=x", ()),
    ],
)
def test_accept_language_is_ordered_by_quality(
    header: str | None, expected: tuple[str, ...]
) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("languages", "expected"),
    [
        (("da-DK",), "Olieskift"),
        (("de-AT",), "Ölwechsel"),
        (("sv",), "Oil change"),
        ((), "Oil change"),
    ],
)
def test_texts_fall_back_from_tag_to_language_to_english(
    languages: tuple[str, ...], expected: str
) -> None:
    names = {"en": "Oil change", "da": "Olieskift", "de-DE": "Ölwechsel"}
    assert pick_text(names, languages) == expected
