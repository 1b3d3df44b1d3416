from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.domain.scheduling import (
    Busy,
    OpeningHours,
    OpeningInterval,
    Placement,
    Resource,
    ResourceId,
    ServiceId,
    ServiceSpec,
    SlotQuery,
    Timeslot,
    compute_timeslots,
)

ZONE = ZoneInfo("Europe/Copenhagen")
MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 5, 1, tzinfo=UTC)
HOURS = OpeningHours(
    "Europe/Copenhagen", weekly={MONDAY.weekday(): (OpeningInterval(time(8), time(12)),)}
)
LIFT = Resource(ResourceId("lift-1"), "lift")
BAY = Resource(ResourceId("bay-1"), "alignment-bay")
OIL = ServiceSpec(
    ServiceId("oil"),
    duration=timedelta(minutes=30),
    buffer_after=timedelta(minutes=10),
    capacity=2,
    required_resource_types=("lift",),
)
ALIGNMENT = ServiceSpec(
    ServiceId("alignment"),
    duration=timedelta(minutes=45),
    buffer_before=timedelta(minutes=5),
    capacity=3,
    required_resource_types=("alignment-bay",),
)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=ZONE)


def slots(
    services: tuple[ServiceSpec, ...],
    busy: list[Busy],
    *,
    resources: tuple[Resource, ...] = (LIFT, BAY),
    placement: Placement = Placement.SEQUENTIAL,
) -> dict[datetime, Timeslot]:
    query = SlotQuery(services=services, now=NOW, placement=placement)
    found = compute_timeslots(HOURS, query, resources, busy, date_from=MONDAY, date_to=MONDAY)
    return {slot.local_start: slot for slot in found}


def test_a_combination_is_placed_back_to_back_in_the_given_order() -> None:
    # given
    services = (OIL, ALIGNMENT)

    # when
    first = slots(services, [])[at(8)]

    # then
    assert (first.local_start, first.local_end) == (at(8), at(9, 15))
    oil, alignment = first.allocation
    assert (oil.service_id, oil.start, oil.end) == (OIL.id, at(8), at(8, 30))
    assert oil.resource_ids == (LIFT.id,)
    assert (alignment.service_id, alignment.start, alignment.end) == (
        ALIGNMENT.id,
        at(8, 30),
        at(9, 15),
    )
    assert alignment.resource_ids == (BAY.id,)


def test_a_combination_ends_by_closing_time() -> None:
    # given
    services = (OIL, ALIGNMENT)

    # when
    found = slots(services, [])

    # then
    assert max(found) == at(10, 45)


def test_a_combination_is_offered_only_when_every_service_fits() -> None:
    # given
    bay_busy = Busy(at(9), at(10), resource_ids=(BAY.id,))

    # when
    found = slots((OIL, ALIGNMENT), [bay_busy])

    # then
    assert at(8) not in found  # the oil change fits, the alignment from 08:30 does not
    assert at(8, 30) not in found
    assert at(9, 30) not in found  # alignment from 10:00, but its buffer starts at 09:55
    assert at(9, 45) in found


def test_a_combination_offers_the_fewest_spots_left_among_its_services() -> None:
    # given
    booked = Busy(at(8, 30), at(9, 15), service_id=ALIGNMENT.id, spots=2)
    services = (
        replace(OIL, required_resource_types=()),
        replace(ALIGNMENT, required_resource_types=()),
    )

    # when
    first = slots(services, [booked], resources=())[at(8)]

    # then
    assert first.available_spots == 1  # oil 2 free, alignment 3 - 2


def test_one_resource_can_serve_consecutive_services_of_the_same_visit() -> None:
    # given
    inspection = ServiceSpec(
        ServiceId("inspection"),
        duration=timedelta(minutes=30),
        buffer_before=timedelta(minutes=10),
        required_resource_types=("lift",),
    )

    # when
    first = slots((OIL, inspection), [], resources=(LIFT,))[at(8)]

    # then
    assert [part.resource_ids for part in first.allocation] == [(LIFT.id,), (LIFT.id,)]


def test_a_combination_offers_as_many_visits_as_find_a_resource_for_every_service() -> None:
    # given two lifts for an oil change then an inspection on a lift, lift 1 busy after 08:30
    inspection = ServiceSpec(
        ServiceId("inspection"),
        duration=timedelta(minutes=30),
        capacity=3,
        required_resource_types=("lift",),
    )
    oil = replace(OIL, buffer_after=timedelta(0))
    second_lift = Resource(ResourceId("lift-2"), "lift")
    busy = [Busy(at(8, 30), at(9), resource_ids=(LIFT.id,))]

    # when
    first = slots((oil, inspection), busy, resources=(LIFT, second_lift))[at(8)]

    # then the first visit takes lift 1 then lift 2; a second finds no lift for its inspection
    assert [part.resource_ids for part in first.allocation] == [(LIFT.id,), (second_lift.id,)]
    assert first.available_spots == 1


def test_parallel_services_start_together_and_the_visit_ends_with_the_longest() -> None:
    # given
    services = (OIL, ALIGNMENT)

    # when
    first = slots(services, [], placement=Placement.PARALLEL)[at(8)]

    # then
    assert (first.local_start, first.local_end) == (at(8), at(8, 45))
    assert [(part.start, part.end) for part in first.allocation] == [
        (at(8), at(8, 30)),
        (at(8), at(8, 45)),
    ]


def test_parallel_services_cannot_share_a_resource() -> None:
    # given
    inspection = ServiceSpec(
        ServiceId("inspection"), duration=timedelta(minutes=30), required_resource_types=("lift",)
    )

    # when
    found = slots((OIL, inspection), [], resources=(LIFT,), placement=Placement.PARALLEL)

    # then
    assert found == {}


def test_a_service_cannot_appear_twice_in_a_combination() -> None:
    # when / then
    with pytest.raises(ValueError, match="only once"):
        SlotQuery(services=(OIL, OIL), now=NOW)
