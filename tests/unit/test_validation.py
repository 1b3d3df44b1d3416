"""RFC 3339, dates, VINs and text hygiene."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from booking_gateway.domain import booking_details, validation
from booking_gateway.domain.errors import ValidationFailed
from booking_gateway.domain.validation import Problems, parse_rfc3339
from booking_gateway.services.admin import check_time_zone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-08-23T13:30:00.000Z", datetime(2022, 8, 23, 13, 30, tzinfo=UTC)),
        ("2022-08-23t13:30:00z", datetime(2022, 8, 23, 13, 30, tzinfo=UTC)),
        ("2022-08-23 13:30:00Z", datetime(2022, 8, 23, 13, 30, tzinfo=UTC)),
        ("2022-08-23T15:30:00+02:00", datetime(2022, 8, 23, 13, 30, tzinfo=UTC)),
        ("2022-08-23T13:30:00.1234567891Z", datetime(2022, 8, 23, 13, 30, 0, 123456, tzinfo=UTC)),
    ],
)
def test_rfc3339_timestamps_parse_to_utc(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2022-08-23",
        "2022-08-23T13:30:00",
        "2022-08-23T13:30Z",
        "2022-02-30T00:00:00Z",
        "2022-08-23T13:30:00+0200",
        "tomorrow",
        "2022-08-23T24:00:00Z",
    ],
)
def test_non_rfc3339_text_is_rejected(text: str) -> None:
    assert parse_rfc3339(text) is None


def test_a_bare_date_stays_a_date() -> None:
    assert Problems().date_or_timestamp("d", "2022-01-12") == date(2022, 1, 12)


def test_problems_are_collected_and_raised_together() -> None:
    # given several bad fields
    p = Problems()
    p.vin("vin", "WV1ZZZ1JZXW00000Q")
    p.text("name", "a\x00b", max_length=10)
    p.text("note", "x" * 11, max_length=10)

    # when raised
    with pytest.raises(ValidationFailed) as caught:
        p.raise_if_any()

    # then every field is named
    assert [f.field for f in caught.value.fields] == ["vin", "name", "note"]


def test_vins_are_upper_cased_and_trimmed() -> None:
    assert Problems().vin("vin", " wv1zzz1jzxw000001 ") == "WV1ZZZ1JZXW000001"


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [
        ("PERSONAL_IDENTIFIER_RE", "ANNA0000000001"),
        ("EMAIL_RE", "karen@example.com"),
        ("PHONE_RE", "+45 12 34 56 78"),
        ("REGISTRATION_RE", "AB 12 345"),
        ("VIN_RE", "WV1ZZZ1JZXW000001"),
        ("DATE_RE", "2026-06-10"),
    ],
)
def test_identifier_patterns_refuse_a_trailing_newline(pattern: str, valid: str) -> None:
    # given a pattern and a value it accepts
    regex = getattr(booking_details, pattern, None) or getattr(validation, pattern)

    # then the same value with a trailing newline is refused ($ alone would let it pass)
    assert regex.fullmatch(valid)
    assert not regex.fullmatch(valid + "\n")


def test_a_customer_identifier_with_a_trailing_newline_is_refused() -> None:
    # given a customer whose identifier ends in a newline
    p = Problems()
    customer = booking_details.CustomerInput(
        personal_identifier="ANNA0000000001\n", first_name="Anna", last_name="Berg"
    )

    # when it is checked
    booking_details.check_customer(p, customer, False, date(2026, 6, 10))

    # then the identifier is named
    with pytest.raises(ValidationFailed) as raised:
        p.raise_if_any()
    assert [f.field for f in raised.value.fields] == ["customer.personalIdentifier"]


@pytest.mark.parametrize(
    "zone", ["America", "Europe", "Etc", "Europe/", "../etc/passwd", "localtime", "Factory", "x"]
)
def test_time_zones_must_be_real_iana_zones(zone: str) -> None:
    # when a name that is a directory of the tz database, a placeholder or nothing is checked
    p = Problems()
    checked = check_time_zone(p, "timeZone", zone)

    # then it is a field problem, never an exception
    assert checked is None
    with pytest.raises(ValidationFailed):
        p.raise_if_any()


@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "UTC", "America/Argentina/Buenos_Aires"])
def test_real_zones_pass(zone: str) -> None:
    assert check_time_zone(Problems(), "timeZone", zone) == zone
