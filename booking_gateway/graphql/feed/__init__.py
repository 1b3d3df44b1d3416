"""Change feed: every audit event of the tenant, in an order a client can resume from."""
