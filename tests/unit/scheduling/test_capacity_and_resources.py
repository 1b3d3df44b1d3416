from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking_gateway.domain.scheduling import (
    Busy,
    BusyKind,
    OpeningHours,
    OpeningInterval,
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
OIL = ServiceSpec(ServiceId("oil"), duration=timedelta(hours=1))
LIFT_A = Resource(ResourceId("lift-a"), "lift")
LIFT_B = Resource(ResourceId("lift-b"), "lift")
LIFT_C = Resource(ResourceId("lift-c"), "lift")
LIFTS = [LIFT_B, LIFT_A]  # deliberately not in id order


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=ZONE)


def service(**overrides: Any) -> ServiceSpec:
    return replace(OIL, **overrides)


def slots(
    spec: ServiceSpec,
    busy: list[Busy],
    *,
    resources: list[Resource] | None = None,
    spots: int = 1,
    requested: ResourceId | None = None,
) -> dict[datetime, Timeslot]:
    query = SlotQuery(services=(spec,), now=NOW, spots=spots, requested_resource_id=requested)
    found = compute_timeslots(HOURS, query, resources or [], busy, date_from=MONDAY, date_to=MONDAY)
    return {slot.local_start: slot for slot in found}


def test_buffers_are_not_part_of_the_customer_slot() -> None:
    # given
    spec = service(buffer_before=timedelta(minutes=10), buffer_after=timedelta(minutes=20))

    # when
    first = slots(spec, [])[at(8)]

    # then
    assert (first.local_start, first.local_end) == (at(8), at(9))
    part = first.allocation[0]
    assert (part.blocked_start, part.blocked_end) == (at(7, 50), at(9, 20))


def test_buffers_keep_a_booking_away_from_an_existing_one() -> None:
    # given
    spec = service(buffer_before=timedelta(minutes=15))
    existing = Busy(at(8), at(9, 15), service_id=spec.id)  # 08:00-09:00 plus 15 min after

    # when
    found = slots(spec, [existing])

    # then
    assert at(9, 15) not in found  # its 15 min before would overlap the existing buffer
    assert at(9, 30) in found


def test_capacity_leaves_the_remaining_spots_available() -> None:
    # given
    spec = service(capacity=3)
    existing = Busy(at(9), at(10), service_id=spec.id, spots=2)

    # when
    found = slots(spec, [existing])

    # then
    assert found[at(9)].available_spots == 1
    assert found[at(10)].available_spots == 3


def test_a_slot_is_offered_only_when_all_requested_spots_fit() -> None:
    # given
    spec = service(capacity=3)
    existing = Busy(at(9), at(10), service_id=spec.id, spots=2)

    # when
    found = slots(spec, [existing], spots=2)

    # then
    assert at(9) not in found
    assert at(8, 45) not in found
    assert at(10) in found


def test_capacity_counts_the_peak_of_concurrent_spots_not_their_sum() -> None:
    # given
    spec = service(capacity=2)
    before = Busy(at(8), at(8, 30), service_id=spec.id)
    after = Busy(at(9), at(9, 30), service_id=spec.id)

    # when
    found = slots(spec, [before, after])

    # then
    assert found[at(8, 15)].available_spots == 1  # overlaps both, but never both at once


def test_bookings_of_another_service_do_not_use_its_capacity() -> None:
    # given
    spec = service(capacity=1)
    other = Busy(at(8), at(12), service_id=ServiceId("wash"), spots=5)

    # when
    found = slots(spec, [other])

    # then
    assert found[at(8)].available_spots == 1


def test_the_lowest_free_resource_id_is_chosen() -> None:
    # given
    spec = service(required_resource_types=("lift",))

    # when
    found = slots(spec, [], resources=LIFTS)

    # then
    assert found[at(8)].allocation[0].resource_ids == (LIFT_A.id,)


def test_a_busy_resource_is_passed_over_for_a_free_one() -> None:
    # given
    spec = service(required_resource_types=("lift",))
    blocked = Busy(at(8), at(10), resource_ids=(LIFT_A.id,))

    # when
    found = slots(spec, [blocked], resources=LIFTS)

    # then
    assert found[at(8)].allocation[0].resource_ids == (LIFT_B.id,)
    assert found[at(10)].allocation[0].resource_ids == (LIFT_A.id,)


def test_no_slot_when_every_resource_of_a_type_is_busy() -> None:
    # given
    spec = service(required_resource_types=("lift",))
    busy = [Busy(at(8), at(10), resource_ids=(lift.id,)) for lift in LIFTS]

    # when
    found = slots(spec, busy, resources=LIFTS)

    # then
    assert at(9) not in found
    assert at(10) in found


def test_a_resource_busy_only_during_the_buffer_still_blocks() -> None:
    # given
    spec = service(required_resource_types=("lift",), buffer_after=timedelta(minutes=30))
    busy = [Busy(at(9, 15), at(9, 30), resource_ids=(LIFT_A.id,))]

    # when
    found = slots(spec, busy, resources=[LIFT_A])

    # then
    assert at(8) not in found  # 08:00-09:00 plus cleanup until 09:30
    assert at(9, 30) in found


def test_a_service_without_any_resource_of_a_required_type_has_no_slots() -> None:
    # given
    spec = service(required_resource_types=("alignment-bay",))

    # when
    found = slots(spec, [], resources=LIFTS)

    # then
    assert found == {}


def test_a_type_listed_twice_needs_two_distinct_resources() -> None:
    # given
    spec = service(required_resource_types=("lift", "lift"))

    # when
    found = slots(spec, [], resources=LIFTS)

    # then
    assert found[at(8)].allocation[0].resource_ids == (LIFT_A.id, LIFT_B.id)


def test_several_spots_of_one_booking_need_one_resource_of_each_type() -> None:
    # given
    spec = service(required_resource_types=("lift",), capacity=4)

    # when
    found = slots(spec, [], resources=[LIFT_A], spots=3)

    # then
    assert found[at(8)].allocation[0].resource_ids == (LIFT_A.id,)


def test_a_requested_resource_is_the_only_candidate_of_its_type() -> None:
    # given
    spec = service(required_resource_types=("lift",))

    # when
    found = slots(spec, [], resources=LIFTS, requested=LIFT_B.id)

    # then
    assert {slot.allocation[0].resource_ids for slot in found.values()} == {(LIFT_B.id,)}


def test_a_busy_requested_resource_yields_no_slot_even_if_another_is_free() -> None:
    # given
    spec = service(required_resource_types=("lift",))
    blocked = Busy(at(8), at(10), resource_ids=(LIFT_B.id,))

    # when
    found = slots(spec, [blocked], resources=LIFTS, requested=LIFT_B.id)

    # then
    assert at(9) not in found
    assert at(10) in found


def test_an_unknown_requested_resource_is_rejected() -> None:
    # given
    spec = service(required_resource_types=("lift",))

    # when / then
    with pytest.raises(ValueError, match="unknown requested resource"):
        slots(spec, [], resources=LIFTS, requested=ResourceId("lift-z"))


def test_free_spots_are_bounded_by_the_free_resources() -> None:
    # given capacity 3 but two lifts, and each booking needs a lift
    spec = service(capacity=3, required_resource_types=("lift",))
    one_booked = [Busy(at(8), at(9), resource_ids=(LIFT_A.id,), service_id=spec.id)]

    # when
    before = slots(spec, [], resources=LIFTS)[at(8)]
    after = slots(spec, one_booked, resources=LIFTS)[at(8)]

    # then two visits fit, then one
    assert before.available_spots == 2
    assert after.available_spots == 1


def test_a_slot_with_capacity_left_but_one_free_resource_offers_one_visit() -> None:
    # given capacity 6 with one spot used, and only lift B free
    spec = service(capacity=6, required_resource_types=("lift",))
    busy = [
        Busy(at(8), at(9), resource_ids=(LIFT_A.id,), service_id=spec.id),
        Busy(at(7), at(12), resource_ids=(LIFT_C.id,)),
    ]

    # when
    found = slots(spec, busy, resources=[*LIFTS, LIFT_C])

    # then
    assert found[at(8)].available_spots == 1
    assert found[at(9)].available_spots == 2


def test_a_resource_busy_during_the_buffer_is_not_counted_as_free() -> None:
    # given lift A is busy just after the service, within its cleanup buffer
    spec = service(
        capacity=3, required_resource_types=("lift",), buffer_after=timedelta(minutes=30)
    )
    busy = [Busy(at(9, 15), at(9, 30), resource_ids=(LIFT_A.id,))]

    # when
    found = slots(spec, busy, resources=LIFTS)

    # then
    assert found[at(8)].available_spots == 1
    assert found[at(8)].allocation[0].resource_ids == (LIFT_B.id,)


def test_available_spots_count_whole_visits_of_the_requested_spots() -> None:
    # given capacity 5 and three lifts, asked for two spots per booking
    spec = service(capacity=5, required_resource_types=("lift",))

    # when
    found = slots(spec, [], resources=[*LIFTS, LIFT_C], spots=2)

    # then two bookings of two fit (a third would need 6 spots)
    assert found[at(8)].available_spots == 4


def test_a_type_needed_twice_counts_two_resources_per_visit() -> None:
    # given
    spec = service(capacity=4, required_resource_types=("lift", "lift"))

    # when
    found = slots(spec, [], resources=[*LIFTS, LIFT_C])

    # then
    assert found[at(8)].available_spots == 1


def test_a_requested_resource_offers_one_visit_whatever_the_capacity() -> None:
    # given
    spec = service(capacity=3, required_resource_types=("lift",))

    # when
    found = slots(spec, [], resources=LIFTS, requested=LIFT_B.id)

    # then
    assert found[at(8)].available_spots == 1


def test_live_holds_take_their_resources_from_the_count() -> None:
    # given
    spec = service(capacity=3, required_resource_types=("lift",))
    held = Busy(
        at(8),
        at(9),
        resource_ids=(LIFT_A.id,),
        service_id=spec.id,
        kind=BusyKind.HOLD,
        expires_at=NOW + timedelta(minutes=15),
    )

    # when
    found = slots(spec, [held], resources=LIFTS)

    # then
    assert found[at(8)].available_spots == 1
