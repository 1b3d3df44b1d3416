"""Tenant and workshop scope cannot be forgotten: every statement on a tenant-owned table is
built through the scoped base, and one that is not cannot even be constructed."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import booking_gateway.db.repositories as repositories_package
from booking_gateway.db.statements import TABLES, Statement, UnscopedStatement

REPOSITORIES = Path(repositories_package.__file__).parent


def _load_all_repositories() -> None:
    for module in pkgutil.iter_modules([str(REPOSITORIES)]):
        importlib.import_module(f"booking_gateway.db.repositories.{module.name}")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT b.id FROM bookings b WHERE b.id = :id",
        "SELECT b.id FROM bookings b JOIN workshops w ON w.id = b.workshop_id WHERE {scope b}",
        "SELECT b.id FROM bookings b WHERE {scope b} AND b.id IN "
        "(SELECT m.booking_id FROM booking_messages m)",
        "UPDATE bookings SET status = :status WHERE id = :id",
        "DELETE FROM service_workshops WHERE service_id = :id",
        "INSERT INTO audit_events (tenant_id, booking_id) VALUES (:tenant_id, :id)",
        "SELECT b.id FROM bookings b WHERE {scope b} AND b.workshop_id = :workshop",
        "SELECT r.id FROM resources r WHERE {scope x}",
        # ways around a regex check, found in review
        "SELECT c.id FROM bookings c WHERE {scope c} AND c.customer_id IN "
        "(SELECT c.id FROM customers c WHERE {scope c})",
        "SELECT b.id FROM bookings b WHERE {scope b} OR TRUE",
        "SELECT b.id FROM bookings b WHERE b.id = :id [[ AND {scope b} AND b.vin = :vin ]]",
        "SELECT b.id FROM bookings b, customers c WHERE {scope b}",
        "DELETE FROM service_workshops sw USING bookings b WHERE {scope sw}",
        'SELECT b.id FROM "bookings" b WHERE b.id = :id',
        "SELECT b.id FROM public.bookings b WHERE b.id = :id",
        "SELECT b.id FROM bookings b WHERE {scope b} -- AND b.id = :id",
        "INSERT INTO customers (id, tenant_id) VALUES (:id, :x) "
        "ON CONFLICT (id) DO UPDATE SET tenant_id = :tenant",
        "INSERT INTO customers (id, tenant_id) VALUES (:id, :tenant) "
        "ON CONFLICT (id) DO UPDATE SET first_name = :first_name",
        "INSERT INTO bookings (id, status) SELECT :id, :tenant WHERE 1 = 1",
        "SELECT b.id FROM bookings b, BOOKINGS o WHERE {scope b}",
        "SELECT b.id FROM bookings b WHERE {scope b} AND EXISTS "
        "(SELECT 1 FROM bookings b WHERE b.vin = :vin)",
    ],
)
def test_a_statement_outside_the_scoped_base_cannot_be_built(sql: str) -> None:
    # given / when / then
    with pytest.raises(UnscopedStatement):
        Statement(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT a.id FROM audit_events a WHERE {scope a} AND a.action = 'bookings'",
        "SELECT a.id FROM audit_events a WHERE {scope a} AND a.actor_subject LIKE '%using--%'",
    ],
)
def test_string_literals_are_data_to_the_scope_check(sql: str) -> None:
    # given / when
    statement = Statement(sql)
    # then
    assert "tenant" in statement.render("postgresql", False).names


def test_every_repository_statement_renders_with_its_scope_on_both_databases() -> None:
    # given
    _load_all_repositories()
    statements = [s for s in Statement.registry if "tenant" in s.sql]
    assert len(statements) > 40
    for statement in statements:
        for dialect in ("postgresql", "sqlite"):
            for workshop_scoped in (False, True):
                # when
                rendered = statement.render(dialect, workshop_scoped)
                # then: the tenant is always bound, never a hole
                assert "tenant" in rendered.names, statement
                assert "{" not in rendered.sql or "'{" in rendered.sql, rendered.sql


def test_a_workshop_scoped_render_binds_the_workshop_for_workshop_tables() -> None:
    # given
    statement = Statement(
        "SELECT m.id FROM booking_messages m JOIN bookings b ON {scope b} "
        "AND b.id = m.booking_id WHERE {scope m}"
    )
    # when
    tenant_wide = statement.render("postgresql", False)
    workshop_scoped = statement.render("postgresql", True)
    # then
    assert "workshop" not in tenant_wide.names
    assert workshop_scoped.names[:2] == ("tenant", "workshop")
    assert workshop_scoped.sql.count("workshop_id = $2") == 2


def test_every_tenant_owned_table_has_a_scope_rule() -> None:
    # given
    from booking_gateway.db.tables import metadata

    # when
    tables = set(metadata.tables)
    # then
    assert tables <= set(TABLES), tables - set(TABLES)


def _direct_database_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"fetch", "fetchrow", "execute", "_run", "_acquire"}
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_db"
        ):
            found.append(f"{path.name}:{node.lineno} self._db.{node.attr}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"_fetch", "_fetchrow", "_execute"}
            and node.args
            and isinstance(node.args[0], ast.Constant | ast.JoinedStr | ast.BinOp)
        ):
            found.append(f"{path.name}:{node.lineno} SQL text passed to {node.func.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in {"asyncpg", "aiosqlite", "sqlite3"}:
            found.append(f"{path.name}:{node.lineno} imports the driver")
        if isinstance(node, ast.Import) and any(
            a.name in {"asyncpg", "aiosqlite", "sqlite3", "sqlalchemy"} for a in node.names
        ):
            found.append(f"{path.name}:{node.lineno} imports a driver or SQLAlchemy")
    return found


def test_repositories_reach_the_database_only_through_the_scoped_base() -> None:
    # given
    modules = [p for p in REPOSITORIES.glob("*.py") if p.name not in {"base.py", "__init__.py"}]
    # when
    offences = [offence for path in modules for offence in _direct_database_calls(path)]
    # then
    assert offences == []
