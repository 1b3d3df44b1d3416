"""Business rules: plain dataclasses, domain errors and services. No web or GraphQL imports."""
