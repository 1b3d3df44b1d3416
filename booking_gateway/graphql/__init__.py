"""The GraphQL API: strawberry types per feature, the schema, the HTTP endpoint."""

# Registers the domain enums before any type module can meet one unregistered.
import booking_gateway.graphql.enums  # noqa: F401
