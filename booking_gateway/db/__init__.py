"""Persistence: tables, migrations and tenant-bound repositories. All SQL lives here."""
