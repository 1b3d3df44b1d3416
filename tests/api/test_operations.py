"""Workshop operations (002/001): lists, status transitions, reschedule, messages, change
requests, service history."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from booking_gateway.auth import TokenIssuer
from tests.api.online import (
    CREATE_BOOKING,
    CREATE_RESOURCE,
    CUSTOMER,
    TIMESLOTS,
    book,
    future_day,
    local_at,
    resource,
    service,
    workshop,
)
from tests.api.queries import ADD, BY_ID, UPDATE_SETTINGS, booking_input
from tests.conftest import Api

LINE = "id status revision groupId allowedTransitions vin appointment { startsAt date localTime }"
GROUPS = (
    "query($filter: BookingFilterInput, $page: Int!, $size: Int!) {"
    " bookingGroups(filter: $filter, page: $page, pageSize: $size) {"
    " total page pageSize items { groupId bookings { " + LINE + " } } } }"
)
CONNECTION = """
query($filter: BookingFilterInput, $first: Int!, $after: String) {
  bookingsConnection(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}"""
ERRORS = """
    ... on InvalidTransitionError { code message current allowed bookingId }
    ... on RevisionMismatchError { code expected actual }
    ... on NotFoundError { code }
    ... on ValidationError { code fields { field message } }
"""
TRANSITION = (
    """
mutation($target: BookingTargetInput!, $to: BookingStatus!, $applyTo: ApplyTo! = ALL,
         $inState: BookingStatus, $revision: Int) {
  transitionBookings(target: $target, to: $to, applyTo: $applyTo, inState: $inState,
                     expectedRevision: $revision) {
    __typename
    ... on TransitionBookingsSuccess { bookings { id status revision } }
"""
    + ERRORS
    + "} }"
)
COMPLETE = """
mutation($target: BookingTargetInput!) {
  completeBookings(target: $target, summary: "Oil and filters") {
    __typename ... on TransitionBookingsSuccess { bookings { id status } }
  }
}"""
CHANGED = (
    """
    __typename
    ... on BookingsChanged { bookings { id status revision appointment { startsAt } } }
    ... on ChangeRequested { changeRequest { id kind status payload } }
    ... on SlotUnavailableError { code reason }
"""
    + ERRORS
)
CANCEL = (
    """
mutation($target: BookingTargetInput!, $revision: Int) {
  cancelBookings(target: $target, reason: "Customer ill", messageToCustomer: "Get well",
                 expectedRevision: $revision) {"""
    + CHANGED
    + "} }"
)
RESCHEDULE = (
    """
mutation($id: ID!, $start: DateTime!, $revision: Int) {
  rescheduleBooking(bookingId: $id, startsAt: $start, expectedRevision: $revision) {
"""
    + CHANGED
    + "} }"
)
MESSAGE = """
mutation($id: ID!, $body: String!, $internal: Boolean!, $files: [AttachmentInput!]) {
  postBookingMessage(bookingId: $id, body: $body, internal: $internal, attachments: $files) {
    __typename
    ... on MessagePosted { message { id internal body attachments { filename size } } }
    ... on ValidationError { fields { field } }
  }
}"""
MESSAGES = "query($id: ID!) { booking(id: $id) { messages { body internal author } } }"
PARTICIPANTS = """
mutation($id: ID!, $people: [ParticipantInput!]!) {
  setBookingParticipants(bookingId: $id, participants: $people) {
    __typename ... on BookingsChanged { bookings { participants { personId name role } } }
  }
}"""
REQUESTS = """
query($status: ChangeRequestStatus) {
  changeRequests(status: $status) { total items { id kind status requestedBy bookingId } }
}"""
DECIDE = """
mutation($id: ID!, $approve: Boolean!) {
  decideChangeRequest(id: $id, approve: $approve, note: "ok") {
    __typename
    ... on ChangeRequestDecided {
      changeRequest { status decidedBy } booking { id appointment { startsAt } }
    }
    ... on SlotUnavailableError { reason }
  }
}"""
NOTES = """
mutation($id: ID!) {
  updateBookingNotes(bookingId: $id, internalComment: "x") { __typename }
}"""
HISTORY = "query($vin: String!) { vehicleServiceHistory(vin: $vin) { bookingId summary vin } }"


def details(**extra: Any) -> dict[str, Any]:
    return {"customer": CUSTOMER, **extra}


async def visit(
    api: Api, *, start: str = "09:00", days: int = 7, **catalog: Any
) -> tuple[str, str, dict[str, Any]]:
    """A workshop, a service and one online booking; returns (workshop, service, booking)."""
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, **catalog)
    result = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(days), start),
                "details": details(vin="WVWZZZAUZKW123456"),
            }
        },
    )
    assert result["createBooking"]["__typename"] == "BookingSuccess", result
    return workshop_id, service_id, result["createBooking"]["bookings"][0]


async def test_groups_page_with_totals_and_filters(api: Api) -> None:
    # given a two-service visit, a single booking and an old imported booking
    workshop_id = await workshop(api)
    await resource(api, workshop_id, "lift", "Lift")
    oil = await service(api, workshop_id)
    wash = await service(api, workshop_id, durationMinutes=30, combinableWith=[oil])
    pair = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil, wash],
                "startsAt": local_at(future_day(3), "09:00"),
                "details": details(),
            }
        },
    )
    await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil],
                "startsAt": local_at(future_day(4), "09:00"),
                "details": details(),
            }
        },
    )
    await api.ok(ADD, {"input": booking_input()})  # 2022: outside the default window

    # when the first page of one group is read
    first = (await api.ok(GROUPS, {"page": 1, "size": 1}))["bookingGroups"]

    # then the window (today + 14 days) holds two groups, the first being the pair
    assert (first["total"], first["page"], first["pageSize"]) == (2, 1, 1)
    [group] = first["items"]
    assert group["groupId"] == pair["createBooking"]["groupId"]
    assert len(group["bookings"]) == 2
    assert group["bookings"][0]["allowedTransitions"] == ["IN_PROGRESS", "CANCELLED", "NO_SHOW"]

    # and filters narrow it
    old = await api.ok(
        GROUPS, {"page": 1, "size": 10, "filter": {"from": "2022-01-01", "to": "2022-12-31"}}
    )
    assert old["bookingGroups"]["total"] == 1
    none = await api.ok(GROUPS, {"page": 1, "size": 10, "filter": {"statuses": ["COMPLETED"]}})
    assert none["bookingGroups"]["total"] == 0
    second = await api.ok(GROUPS, {"page": 2, "size": 1})
    assert second["bookingGroups"]["items"][0]["groupId"] != group["groupId"]


async def test_mine_lists_bookings_where_the_token_person_is_the_resource(
    api: Api, issuer: TokenIssuer
) -> None:
    workshop_id = await workshop(api)
    await api.ok(
        CREATE_RESOURCE,
        {
            "input": {
                "workshopId": workshop_id,
                "type": "technician",
                "name": "Ole",
                "subject": "ole@workshop",
            }
        },
    )
    service_id = await service(api, workshop_id, requiredResourceTypes=["technician"])
    booked = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(2), "10:00"),
                "details": details(),
            }
        },
    )
    ole = api.as_(
        issuer.issue(tenant=api.tenant, subject="ole@workshop", scope="bookings:read staff")
    )
    anna = api.as_(
        issuer.issue(tenant=api.tenant, subject="anna@workshop", scope="bookings:read staff")
    )
    mine = await ole.ok(GROUPS, {"page": 1, "size": 10, "filter": {"mine": True}})
    assert mine["bookingGroups"]["items"][0]["groupId"] == booked["createBooking"]["groupId"]
    assert (await anna.ok(GROUPS, {"page": 1, "size": 10, "filter": {"mine": True}}))[
        "bookingGroups"
    ]["total"] == 0


async def test_cursor_connection_returns_each_booking_once_in_order(api: Api) -> None:
    # given seven imported bookings over a week
    day = future_day(1)
    for i in range(7):
        await api.ok(
            ADD,
            {
                "input": booking_input(
                    bookingId=f"c{i}", appointmentDate=(day + timedelta(days=i % 4)).isoformat()
                )
            },
        )

    # when paged three at a time
    seen: list[str] = []
    after = None
    while True:
        page = (await api.ok(CONNECTION, {"first": 3, "after": after}))["bookingsConnection"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break

    # then all seven come once each
    assert len(seen) == len(set(seen)) == 7
    bad = await api.error(CONNECTION, {"first": 3, "after": "not-a-cursor"})
    assert bad["extensions"]["code"] == "BAD_USER_INPUT"


async def test_status_machine_with_service_history(api: Api) -> None:
    _, _, booking = await visit(api)
    target = {"bookingId": booking["id"]}

    # an invalid transition names the current state and the allowed ones
    invalid = await api.ok(TRANSITION, {"target": target, "to": "COMPLETED"})
    error = invalid["transitionBookings"]
    assert error["__typename"] == "InvalidTransitionError"
    assert (error["current"], error["allowed"]) == (
        "CONFIRMED",
        ["IN_PROGRESS", "CANCELLED", "NO_SHOW"],
    )
    # a stale revision is refused
    stale = await api.ok(TRANSITION, {"target": target, "to": "IN_PROGRESS", "revision": 7})
    assert stale["transitionBookings"]["code"] == "REVISION_MISMATCH"

    # start, complete: the vehicle's history gets an entry
    started = await api.ok(TRANSITION, {"target": target, "to": "IN_PROGRESS", "revision": 1})
    assert started["transitionBookings"]["bookings"][0]["revision"] == 2
    done = await api.ok(COMPLETE, {"target": target})
    assert done["completeBookings"]["bookings"][0]["status"] == "COMPLETED"
    history = await api.ok(HISTORY, {"vin": "WVWZZZAUZKW123456"})
    assert history["vehicleServiceHistory"] == [
        {"bookingId": booking["id"], "summary": "Oil and filters", "vin": "WVWZZZAUZKW123456"}
    ]
    events = (await api.ok(BY_ID, {"id": booking["id"]}))["booking"]["history"]
    assert [e["action"] for e in events] == ["ADDED", "STATUS_CHANGED", "STATUS_CHANGED"]


async def test_group_transitions_all_or_only_lines_in_a_state(api: Api) -> None:
    workshop_id = await workshop(api)
    oil = await service(api, workshop_id)
    wash = await service(api, workshop_id, durationMinutes=30, combinableWith=[oil])
    pair = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [oil, wash],
                "startsAt": local_at(future_day(), "09:00"),
                "details": details(),
            }
        },
    )
    group = {"groupId": pair["createBooking"]["groupId"]}
    first = pair["createBooking"]["bookings"][0]["id"]

    # one line starts; then "only lines still CONFIRMED" are cancelled
    await api.ok(TRANSITION, {"target": {"bookingId": first}, "to": "IN_PROGRESS"})
    partial = await api.ok(
        TRANSITION,
        {"target": group, "to": "CANCELLED", "applyTo": "IN_STATE", "inState": "CONFIRMED"},
    )
    assert [b["status"] for b in partial["transitionBookings"]["bookings"]] == ["CANCELLED"]

    # and "all lines" to COMPLETED is refused as a whole (a cancelled line cannot complete)
    refused = await api.ok(TRANSITION, {"target": group, "to": "COMPLETED"})
    assert refused["transitionBookings"]["__typename"] == "InvalidTransitionError"
    lines = await api.ok(GROUPS, {"page": 1, "size": 5, "filter": {"groupId": group["groupId"]}})
    assert sorted(b["status"] for b in lines["bookingGroups"]["items"][0]["bookings"]) == [
        "CANCELLED",
        "IN_PROGRESS",
    ]


async def test_concurrent_group_transitions_leave_a_consistent_group(api: Api) -> None:
    # given a three-service visit
    workshop_id = await workshop(api)
    a = await service(api, workshop_id)
    b = await service(api, workshop_id, durationMinutes=30, combinableWith=[a])
    c = await service(api, workshop_id, durationMinutes=30, combinableWith=[a])
    pair = await api.ok(
        CREATE_BOOKING,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [a, b, c],
                "startsAt": local_at(future_day(), "09:00"),
                "details": details(),
            }
        },
    )
    group = {"groupId": pair["createBooking"]["groupId"]}

    # when "start all" and "cancel all" race, ten times each
    await asyncio.gather(
        *(
            api.post(TRANSITION, {"target": group, "to": to})
            for _ in range(10)
            for to in ("IN_PROGRESS", "CANCELLED")
        )
    )

    # then every line ended in the same state
    found = await api.ok(GROUPS, {"page": 1, "size": 5, "filter": {"groupId": group["groupId"]}})
    statuses = {line["status"] for line in found["bookingGroups"]["items"][0]["bookings"]}
    assert len(statuses) == 1
    assert statuses <= {"IN_PROGRESS", "CANCELLED"}


async def test_cancel_frees_the_slot_and_keeps_the_booking(api: Api) -> None:
    workshop_id, service_id, booking = await visit(api, start="11:00")
    cancelled = await api.ok(CANCEL, {"target": {"bookingId": booking["id"]}, "revision": 1})
    assert cancelled["cancelBookings"]["bookings"][0]["status"] == "CANCELLED"
    day = future_day(7)
    slots = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    assert booking["appointment"]["startsAt"] in slots["timeslots"]["days"][0]["startsAt"]
    kept = (await api.ok(BY_ID, {"id": booking["id"]}))["booking"]
    assert kept["status"] == "CANCELLED"
    assert kept["history"][-1]["action"] == "CANCELLED"


async def test_reschedule_keeps_the_id_and_moves_the_allocation(api: Api) -> None:
    workshop_id, service_id, booking = await visit(api, start="09:00")
    new_start = local_at(future_day(7), "13:00")
    moved = await api.ok(RESCHEDULE, {"id": booking["id"], "start": new_start, "revision": 1})
    [after] = moved["rescheduleBooking"]["bookings"]
    assert after["id"] == booking["id"]
    assert datetime.fromisoformat(after["appointment"]["startsAt"]) == datetime.fromisoformat(
        new_start
    )
    day = future_day(7)
    slots = await api.ok(
        TIMESLOTS,
        {
            "workshopId": workshop_id,
            "serviceIds": [service_id],
            "from": day.isoformat(),
            "to": day.isoformat(),
        },
    )
    starts = slots["timeslots"]["days"][0]["startsAt"]
    assert booking["appointment"]["startsAt"] in starts
    assert after["appointment"]["startsAt"] not in starts
    stale = await api.ok(RESCHEDULE, {"id": booking["id"], "start": new_start, "revision": 1})
    assert stale["rescheduleBooking"]["code"] == "REVISION_MISMATCH"


async def test_messages_internal_and_external_with_attachments(
    api: Api, issuer: TokenIssuer
) -> None:
    _, _, booking = await visit(api)
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    internal = await api.ok(
        MESSAGE, {"id": booking["id"], "body": "Check brakes too", "internal": True}
    )
    assert internal["postBookingMessage"]["message"]["internal"] is True
    note = {"filename": "photo.png", "contentType": "image/png", "dataBase64": "iVBORw0KGgo="}
    external = await customer.ok(
        MESSAGE, {"id": booking["id"], "body": "Running late", "internal": False, "files": [note]}
    )
    assert external["postBookingMessage"]["message"]["attachments"] == [
        {"filename": "photo.png", "size": 8}
    ]
    bad = await customer.ok(
        MESSAGE,
        {
            "id": booking["id"],
            "body": "x",
            "internal": False,
            "files": [{**note, "contentType": "application/x-sh"}],
        },
    )
    assert bad["postBookingMessage"]["fields"] == [{"field": "attachments[0].contentType"}]
    forbidden = await customer.error(MESSAGE, {"id": booking["id"], "body": "x", "internal": True})
    assert forbidden["extensions"]["code"] == "FORBIDDEN"

    staff_view = (await api.ok(MESSAGES, {"id": booking["id"]}))["booking"]["messages"]
    customer_view = (await customer.ok(MESSAGES, {"id": booking["id"]}))["booking"]["messages"]
    assert [m["body"] for m in staff_view] == ["Check brakes too", "Running late"]
    assert customer_view == [{"body": "Running late", "internal": False, "author": "karen"}]


async def test_participants_by_id_or_name(api: Api) -> None:
    _, _, booking = await visit(api)
    people = [{"personId": "E-17", "role": "technician"}, {"name": "Jens (driver)"}]
    result = await api.ok(PARTICIPANTS, {"id": booking["id"], "people": people})
    assert result["setBookingParticipants"]["bookings"][0]["participants"] == [
        {"personId": "E-17", "name": None, "role": "technician"},
        {"personId": None, "name": "Jens (driver)", "role": None},
    ]


async def test_customer_changes_become_requests_that_staff_decide(
    api: Api, issuer: TokenIssuer
) -> None:
    # given a booking and a customer-side token (the default policy needs approval)
    _, _, booking = await visit(api, start="09:00")
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    new_start = local_at(future_day(7), "14:00")

    # when the customer reschedules and cancels
    asked = await customer.ok(RESCHEDULE, {"id": booking["id"], "start": new_start})
    request = asked["rescheduleBooking"]["changeRequest"]
    cancel = await customer.ok(CANCEL, {"target": {"bookingId": booking["id"]}})

    # then nothing changed yet, and staff see two pending requests
    assert request["status"] == "PENDING"
    assert cancel["cancelBookings"]["changeRequest"]["kind"] == "CANCEL"
    pending = await api.ok(REQUESTS, {"status": "PENDING"})
    assert pending["changeRequests"]["total"] == 2
    assert (await customer.error(REQUESTS, {}))["extensions"]["code"] == "FORBIDDEN"

    # when staff approve the reschedule and reject the cancel
    approved = await api.ok(DECIDE, {"id": request["id"], "approve": True})
    rejected = await api.ok(
        DECIDE, {"id": cancel["cancelBookings"]["changeRequest"]["id"], "approve": False}
    )

    # then the move applied atomically and the log tells the whole story
    decided = approved["decideChangeRequest"]
    assert decided["changeRequest"]["status"] == "APPROVED"
    assert datetime.fromisoformat(decided["booking"]["appointment"]["startsAt"]) == (
        datetime.fromisoformat(new_start)
    )
    assert rejected["decideChangeRequest"]["changeRequest"]["status"] == "REJECTED"
    events = (await api.ok(BY_ID, {"id": booking["id"]}))["booking"]
    assert events["status"] == "CONFIRMED"
    assert [e["action"] for e in events["history"]] == [
        "ADDED",
        "CHANGE_REQUESTED",
        "CHANGE_REQUESTED",
        "CHANGE_APPROVED",
        "RESCHEDULED",
        "CHANGE_REJECTED",
    ]
    again = await api.ok(DECIDE, {"id": request["id"], "approve": True})
    assert again["decideChangeRequest"]["__typename"] == "ConflictError"


async def test_without_the_approval_policy_customer_changes_apply(
    api: Api, issuer: TokenIssuer
) -> None:
    await api.ok(UPDATE_SETTINGS, {"input": {"customerChangesNeedApproval": False}})
    _, _, booking = await visit(api)
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    result = await customer.ok(CANCEL, {"target": {"bookingId": booking["id"]}})
    assert result["cancelBookings"]["bookings"][0]["status"] == "CANCELLED"


async def test_there_is_no_way_to_delete_a_booking(api: Api) -> None:
    names = await api.ok("{ __schema { mutationType { fields { name } } } }")
    fields = [f["name"] for f in names["__schema"]["mutationType"]["fields"]]
    assert not [f for f in fields if "delete" in f.lower() or "remove" in f.lower()]


async def test_operations_never_reach_another_tenant(
    api: Api, other_api: Api, issuer: TokenIssuer
) -> None:
    _, _, booking = await visit(api)
    target = {"bookingId": booking["id"]}
    assert (await other_api.ok(GROUPS, {"page": 1, "size": 50}))["bookingGroups"]["total"] == 0
    assert (await other_api.ok(CONNECTION, {"first": 50}))["bookingsConnection"]["edges"] == []
    moved = await other_api.ok(TRANSITION, {"target": target, "to": "CANCELLED"})
    assert moved["transitionBookings"]["__typename"] == "NotFoundError"
    posted = await other_api.ok(MESSAGE, {"id": booking["id"], "body": "x", "internal": True})
    assert posted["postBookingMessage"]["__typename"] == "NotFoundError"
    again = await other_api.ok(
        RESCHEDULE, {"id": booking["id"], "start": local_at(future_day(7), "13:00")}
    )
    assert again["rescheduleBooking"]["__typename"] == "NotFoundError"
    assert (await other_api.ok(REQUESTS, {}))["changeRequests"]["total"] == 0
    assert (await other_api.ok(HISTORY, {"vin": "WVWZZZAUZKW123456"}))[
        "vehicleServiceHistory"
    ] == []
    group = await other_api.ok(
        "query($id: ID!) { bookingGroup(id: $id) { groupId } }", {"id": booking["groupId"]}
    )
    assert group["bookingGroup"] is None
    cancel = await other_api.ok(CANCEL, {"target": {"groupId": booking["groupId"]}})
    assert cancel["cancelBookings"]["__typename"] == "NotFoundError"
    people = await other_api.ok(PARTICIPANTS, {"id": booking["id"], "people": [{"name": "x"}]})
    assert people["setBookingParticipants"]["__typename"] == "NotFoundError"
    notes = await other_api.ok(NOTES, {"id": booking["id"]})
    assert notes["updateBookingNotes"]["__typename"] == "NotFoundError"

    # and a change request of this tenant cannot be decided by the other
    customer = api.as_(issuer.issue(tenant=api.tenant, subject="karen"))
    asked = await customer.ok(
        RESCHEDULE, {"id": booking["id"], "start": local_at(future_day(7), "14:00")}
    )
    request_id = asked["rescheduleBooking"]["changeRequest"]["id"]
    decided = await other_api.ok(DECIDE, {"id": request_id, "approve": True})
    assert decided["decideChangeRequest"]["__typename"] == "NotFoundError"
    final = (await api.ok(BY_ID, {"id": booking["id"]}))["booking"]
    assert final["status"] == "CONFIRMED"
    assert [e["action"] for e in final["history"]] == ["ADDED", "CHANGE_REQUESTED"]


SHORTCUTS = """
mutation($target: BookingTargetInput!) {
  noShow: markNoShow(target: $target) {
    __typename ... on TransitionBookingsSuccess { bookings { status } }
  }
}"""
CONFIRM_WITH_DURATION = """
mutation($target: BookingTargetInput!) {
  confirmBookings(target: $target, durationMinutes: 90) {
    __typename
    ... on SlotUnavailableError { reason }
    ... on TransitionBookingsSuccess { bookings { status endsAt appointment { startsAt } } }
  }
  startBookings(target: $target) {
    __typename ... on TransitionBookingsSuccess { bookings { status } }
  }
}"""


async def test_no_show_is_final(api: Api) -> None:
    _, _, booking = await visit(api)
    target = {"bookingId": booking["id"]}
    result = await api.ok(SHORTCUTS, {"target": target})
    assert result["noShow"]["bookings"] == [{"status": "NO_SHOW"}]
    refused = await api.ok(TRANSITION, {"target": target, "to": "IN_PROGRESS"})
    assert refused["transitionBookings"]["allowed"] == []


async def test_confirming_may_override_the_estimated_duration(api: Api) -> None:
    # given a confirmed 60-minute booking
    _, _, booking = await visit(api)
    target = {"bookingId": booking["id"]}

    # when staff confirm it for 90 minutes, then start it
    result = await api.ok(CONFIRM_WITH_DURATION, {"target": target})

    # then its end moved and the start moved it on
    [confirmed] = result["confirmBookings"]["bookings"]
    start = datetime.fromisoformat(confirmed["appointment"]["startsAt"])
    assert confirmed["status"] == "CONFIRMED"
    assert datetime.fromisoformat(confirmed["endsAt"]) - start == timedelta(minutes=90)
    assert result["startBookings"]["bookings"] == [{"status": "IN_PROGRESS"}]


ESTIMATE = """
mutation($target: BookingTargetInput!) {
  confirmBookings(target: $target, durationMinutes: 90) {
    __typename
    ... on SlotUnavailableError { reason }
    ... on TransitionBookingsSuccess { bookings { status endsAt } }
  }
}"""


async def test_a_longer_estimate_blocks_the_extra_time_or_is_refused(api: Api) -> None:
    # given two back-to-back 60-minute bookings of a capacity-1 service
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    first = await book(api, workshop_id, [service_id], local_at(future_day(), "09:00"))
    target = {"bookingId": first["bookings"][0]["id"]}

    # when staff estimate the first at 90 minutes while 10:00 is taken... then it is refused
    await book(api, workshop_id, [service_id], local_at(future_day(), "10:00"))
    refused = await api.ok(ESTIMATE, {"target": target})
    assert refused["confirmBookings"]["__typename"] == "SlotUnavailableError"

    # and with 10:00 free again, the estimate holds the time until 10:30
    later = await book(api, workshop_id, [service_id], local_at(future_day(), "13:00"))
    assert later["__typename"] == "BookingSuccess"
    second = await api.ok(GROUPS, {"page": 1, "size": 10})
    ten = next(
        g
        for g in second["bookingGroups"]["items"]
        if g["bookings"][0]["appointment"]["localTime"] == "10:00"
    )
    await api.ok(CANCEL, {"target": {"groupId": ten["groupId"]}})
    accepted = await api.ok(ESTIMATE, {"target": target})
    assert accepted["confirmBookings"]["bookings"][0]["status"] == "CONFIRMED"
    taken = await book(api, workshop_id, [service_id], local_at(future_day(), "10:15"))
    assert taken["reason"] == "CAPACITY"


async def test_a_new_workshop_time_zone_moves_local_dates_and_keeps_paging_whole(
    api: Api,
) -> None:
    # given two bookings of a Copenhagen workshop, one on the night of 23 August
    workshop_id = await workshop(api)
    day = future_day(2)
    for n, when in enumerate((f"{day.isoformat()}T02:30:00Z", day.isoformat())):
        await api.ok(
            ADD,
            {
                "input": booking_input(
                    bookingId=f"tz{n}", appointmentDate=when, workshopId=workshop_id
                )
            },
        )

    # when the workshop moves to New York
    moved = await api.ok(
        "mutation($i: UpdateWorkshopInput!) { updateWorkshop(input: $i) { __typename } }",
        {"i": {"id": workshop_id, "timeZone": "America/New_York"}},
    )
    assert moved["updateWorkshop"]["__typename"] == "WorkshopSuccess"

    # then the night booking's local date is the day before, and paging finds both once
    page = await api.ok(
        GROUPS,
        {
            "page": 1,
            "size": 10,
            "filter": {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()},
        },
    )
    dates = sorted(g["bookings"][0]["appointment"]["date"] for g in page["bookingGroups"]["items"])
    assert dates == [(day - timedelta(days=1)).isoformat(), day.isoformat()]
    seen, after = [], None
    while True:
        found = await api.ok(
            CONNECTION,
            {
                "first": 1,
                "after": after,
                "filter": {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()},
            },
        )
        connection = found["bookingsConnection"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        after = connection["pageInfo"]["endCursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
    assert len(seen) == len(set(seen)) == 2
