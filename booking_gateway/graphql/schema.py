"""The root schema, assembled from each feature's Query/Mutation classes by inheritance."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError, MaxIntrospectionDepthRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from booking_gateway.graphql.admin.resolvers import AdminMutations, AdminQueries
from booking_gateway.graphql.bookings.import_mutations import ImportMutations
from booking_gateway.graphql.bookings.queries import BookingQueries
from booking_gateway.graphql.catalog.resolvers import CatalogMutations, CatalogQueries
from booking_gateway.graphql.errors import ValidationError
from booking_gateway.graphql.execution import GatewayExecutionContext
from booking_gateway.graphql.feed.resolvers import FeedQueries
from booking_gateway.graphql.online.resolvers import OnlineMutations, OnlineQueries
from booking_gateway.graphql.operations.resolvers import OperationsMutations, OperationsQueries
from booking_gateway.settings import Settings


@strawberry.type(description="Read the tenant's data. Every field needs a bearer token.")
class Query(
    BookingQueries, OperationsQueries, FeedQueries, CatalogQueries, OnlineQueries, AdminQueries
):
    pass


@strawberry.type(description="Change the tenant's data. Every field needs a bearer token.")
class Mutation(
    ImportMutations, OperationsMutations, OnlineMutations, CatalogMutations, AdminMutations
):
    pass


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """The HTTP endpoint formats and logs errors (with the correlation id); not here."""


def build_schema(settings: Settings | None = None) -> GatewaySchema:
    s = settings or Settings()
    # The limiters' rule classes are built once: ValidationCache keys on the rule list, so
    # rules created per request would never hit the cache.
    limit_rules = [
        *QueryDepthLimiter(max_depth=s.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=s.max_aliases).validation_rules,
        # The depth limiter skips introspection; this bounds its nesting (graphql-js's rule:
        # the standard introspection query passes, a query nesting types in types does not).
        MaxIntrospectionDepthRule,
    ]
    # Factories: a fresh extension per request; the parse/validation LRU caches are shared.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=s.max_query_tokens),
        lambda: AddValidationRules(limit_rules),
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        types=[ValidationError],
        execution_context_class=GatewayExecutionContext,
    )
