"""Tenant administration: who am I, tenant policies, workshops."""
