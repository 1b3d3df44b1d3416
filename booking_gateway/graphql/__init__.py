"""The GraphQL API: strawberry types per feature, the schema, the HTTP endpoint."""
