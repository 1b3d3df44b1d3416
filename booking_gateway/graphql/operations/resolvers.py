"""The operations root fields, assembled from each feature's module by inheritance (the
order of the bases is the order of the fields in the schema)."""

from __future__ import annotations

import strawberry

from booking_gateway.graphql.operations.booking_contact import BookingContactMutations
from booking_gateway.graphql.operations.booking_lists import BookingListQueries
from booking_gateway.graphql.operations.booking_messages import BookingMessageMutations
from booking_gateway.graphql.operations.booking_participants import BookingParticipantMutations
from booking_gateway.graphql.operations.booking_status import BookingStatusMutations
from booking_gateway.graphql.operations.change_requests import (
    BookingChangeMutations,
    ChangeRequestMutations,
    ChangeRequestQueries,
)
from booking_gateway.graphql.operations.service_history import ServiceHistoryQueries


@strawberry.type
class OperationsQueries(BookingListQueries, ChangeRequestQueries, ServiceHistoryQueries):
    pass


@strawberry.type
class OperationsMutations(
    BookingStatusMutations,
    BookingChangeMutations,
    BookingParticipantMutations,
    BookingContactMutations,
    BookingMessageMutations,
    ChangeRequestMutations,
):
    pass
