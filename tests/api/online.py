"""Catalog set-up and documents for the online-booking API tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tests.conftest import FIXED_NOW, Api

ALL_WEEK = [{"weekday": d, "intervals": [["08:00", "16:00"]]} for d in range(7)]

CREATE_WORKSHOP = """
mutation($input: CreateWorkshopInput!) {
  createWorkshop(input: $input) { __typename ... on CreateWorkshopSuccess { workshop { id } } }
}"""
UPDATE_WORKSHOP = """
mutation($input: UpdateWorkshopInput!) {
  updateWorkshop(input: $input) {
    __typename
    ... on WorkshopSuccess { workshop { id timeZone openingHours { weekday intervals { opens closes } } } }
    ... on ValidationError { code fields { field message } }
  }
}"""
CREATE_SERVICE = """
mutation($input: ServiceInput!) {
  createService(input: $input) {
    __typename
    ... on ServiceSuccess { service { id name } }
    ... on ValidationError { code fields { field message } }
  }
}"""
CREATE_RESOURCE = """
mutation($input: CreateResourceInput!) {
  createResource(input: $input) { __typename ... on ResourceSuccess { resource { id type } } }
}"""
TIMESLOTS = """
query($workshopId: ID!, $serviceIds: [ID!]!, $from: Date!, $to: Date!, $spots: Int! = 1,
      $resource: ID, $placement: Placement! = SEQUENTIAL) {
  timeslots(workshopId: $workshopId, serviceIds: $serviceIds, dateFrom: $from, dateTo: $to,
            spots: $spots, requestedResourceId: $resource, placement: $placement) {
    timeZone
    days { date startsAt endsAt localStartsAt localEndsAt availableSpots }
  }
}"""
RESULT_ERRORS = """
    ... on SlotUnavailableError { code message reason serviceId }
    ... on ValidationError { code message fields { field message } }
    ... on NotFoundError { code message }
"""
RESERVE = (
    """
mutation($input: ReserveTimeslotInput!) {
  reserveTimeslot(input: $input) {
    __typename
    ... on ReserveTimeslotSuccess {
      reservation { id status startsAt endsAt localStartsAt expiresAt spots
                    lines { serviceId startsAt endsAt resourceIds } }
    }
"""
    + RESULT_ERRORS
    + "} }"
)
BOOKED = """
    ... on BookingSuccess {
      groupId
      bookings {
        id status groupId spots endsAt registrationNumber internalComment commentToCustomer
        appointment { precision startsAt localStartsAt date timeZone }
        service { id name } workshop { id }
        customer { id personalIdentifier firstName lastName email phoneNumber }
        resources { id type }
        quantities { priceCategoryId quantity }
        customFieldValues { id value }
        answers { questionId answer }
        notifications { sendEmailConfirmation sendSmsReminder }
        history { action actor { subject } after }
      }
    }
"""
CONFIRM = (
    """
mutation($input: ConfirmReservationInput!) {
  confirmReservation(input: $input) {
    __typename
"""
    + BOOKED
    + """
    ... on ReservationExpiredError { code message expiredAt }
    ... on ValidationError { code message fields { field message } }
    ... on NotFoundError { code message }
  }
}"""
)
RELEASE = """
mutation($id: ID!) {
  releaseReservation(input: {reservationId: $id}) {
    __typename
    ... on ReleaseReservationSuccess { reservation { id status } }
    ... on NotFoundError { code }
    ... on ConflictError { code }
  }
}"""
CREATE_BOOKING = (
    """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) {
    __typename
"""
    + BOOKED
    + RESULT_ERRORS
    + "} }"
)

CUSTOMER = {
    "personalIdentifier": "CUST0000000001",
    "firstName": "Karen",
    "lastName": "Jensen",
    "email": "karen@example.com",
    "phoneNumber": "+45 12 34 56 78",
}


def future_day(days: int = 7) -> date:
    """The date ``days`` after the suite's fixed today (never the real date)."""
    return (FIXED_NOW + timedelta(days=days)).date()


async def workshop(
    api: Api, zone: str = "Europe/Copenhagen", hours: list[dict[str, Any]] | None = None
) -> str:
    data = await api.ok(CREATE_WORKSHOP, {"input": {"name": "Online", "timeZone": zone}})
    workshop_id: str = data["createWorkshop"]["workshop"]["id"]
    updated = await api.ok(
        UPDATE_WORKSHOP,
        {
            "input": {
                "id": workshop_id,
                "openingHours": ALL_WEEK if hours is None else hours,
                "address": {
                    "streetName": "Vej 1",
                    "zipCode": "2100",
                    "city": "København",
                    "country": "DK",
                },
                "latitude": 55.7,
                "longitude": 12.57,
            }
        },
    )
    assert updated["updateWorkshop"]["__typename"] == "WorkshopSuccess", updated
    return workshop_id


async def service(api: Api, workshop_id: str, **fields: Any) -> str:
    definition: dict[str, Any] = {
        "names": [
            {"language": "en", "text": "Oil change"},
            {"language": "da", "text": "Olieskift"},
        ],
        "durationMinutes": 60,
        "workshopIds": [workshop_id],
    }
    definition.update(fields)
    data = await api.ok(CREATE_SERVICE, {"input": definition})
    assert data["createService"]["__typename"] == "ServiceSuccess", data
    service_id: str = data["createService"]["service"]["id"]
    return service_id


async def resource(api: Api, workshop_id: str, kind: str, name: str) -> str:
    data = await api.ok(
        CREATE_RESOURCE, {"input": {"workshopId": workshop_id, "type": kind, "name": name}}
    )
    resource_id: str = data["createResource"]["resource"]["id"]
    return resource_id


def local_at(day: date, hhmm: str, zone: str = "Europe/Copenhagen") -> str:
    from zoneinfo import ZoneInfo

    hour, minute = map(int, hhmm.split(":"))
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return moment.isoformat()


async def book(
    api: Api, workshop_id: str, service_ids: list[str], start: str, **extra: Any
) -> dict[str, Any]:
    """``createBooking`` for the default customer; returns the result union member."""
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": service_ids,
                "startsAt": start,
                "details": {"customer": CUSTOMER},
                **extra,
            }
        },
    )
    member: dict[str, Any] = result["createBooking"]
    return member
