"""Catalog: workshops, services, service groups, resources (types, inputs, resolvers)."""
