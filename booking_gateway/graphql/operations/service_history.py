from __future__ import annotations

from typing import Annotated

import strawberry

from booking_gateway.graphql.context import Context
from booking_gateway.graphql.operations.types import ServiceRecord


@strawberry.type
class ServiceHistoryQueries:
    @strawberry.field(description="Completed services of a vehicle, newest first.")
    async def vehicle_service_history(
        self,
        info: strawberry.Info[Context, None],
        vin: Annotated[str, strawberry.argument(description="The VIN.")],
    ) -> list[ServiceRecord]:
        found = await info.context.service_history.for_vehicle(vin)
        return [ServiceRecord.from_domain(r) for r in found]
