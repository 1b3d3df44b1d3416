"""SQL written once, scoped by construction, rendered once per shape for the driver.

A ``Statement`` is SQL text with ``:name`` parameters and two markers:

- ``{scope b}``: the full scope of the row ``b``: its tenant, the workshop of a
  workshop-scoped token where the table belongs to a workshop (directly, through its booking or
  through the workshops that offer a service), and the customer of a customer token where the
  table belongs to a customer (a booking by its customer, rows of a booking through it, the
  customer's own profile and holds; a vehicle's service history only as the customer's own
  bookings wrote it). Use it everywhere by default.
- ``{tenant b}``: the tenant only, for the few reads that are tenant-wide on purpose (the
  one-active-booking-per-vehicle policy, dealer numbers); name why next to the statement.

Optional parts go in ``[[ ... ]]``: they are kept when every parameter inside is given (not
None). ``x = ANY(:ids)`` takes a list (a ``json_each`` on SQLite); ``FOR UPDATE`` is dropped on
SQLite (its writers are serialised already).

Constructing a statement that reads or writes a tenant-owned table without its scope marker (or,
for an INSERT, without ``:tenant``) raises ``UnscopedStatement`` at import time: a repository
cannot forget the tenant, the workshop or the customer. ``:tenant``, ``:workshop`` and
``:customer`` are bound by the repository base from the scope it was built with, never by a
caller.

Rendering happens once per (dialect, scope shape, optional parts kept) and is cached;
a request only looks the text up and orders its arguments.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar, Literal

Dialect = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class TableScope:
    """How a tenant-owned table is scoped: its tenant column, where its workshop is, and
    where its customer is (``customer``: the column holding the customer's row id;
    ``customer_key``: the column holding the customer's personal identifier; ``via_booking``:
    the booking's)."""

    tenant: str = "tenant_id"
    workshop: str | None = None
    via_booking: str | None = None
    via_service: str | None = None
    customer: str | None = None
    customer_key: str | None = None


TABLES: dict[str, TableScope] = {
    "tenants": TableScope(tenant="id"),
    "workshops": TableScope(workshop="id"),
    "bookings": TableScope(workshop="workshop_id", customer="customer_id"),
    "audit_events": TableScope(via_booking="booking_id"),
    "booking_messages": TableScope(via_booking="booking_id"),
    "change_requests": TableScope(via_booking="booking_id"),
    "service_history": TableScope(via_booking="booking_id"),
    "services": TableScope(via_service="id"),
    "service_workshops": TableScope(workshop="workshop_id"),
    "service_groups": TableScope(),
    "resources": TableScope(workshop="workshop_id"),
    "customers": TableScope(customer_key="personal_identifier"),
    "reservations": TableScope(workshop="workshop_id", customer_key="customer_key"),
    "allocations": TableScope(workshop="workshop_id"),
    "capacity_usage": TableScope(workshop="workshop_id"),
}

RESERVED_PARAMS = frozenset({"tenant", "workshop", "customer"})


class UnscopedStatement(ValueError):
    """A statement touches a tenant-owned table outside the scoped base."""


_KEYWORDS = frozenset(
    {
        "where", "set", "on", "left", "right", "inner", "outer", "join", "cross", "group",
        "order", "limit", "offset", "using", "values", "returning", "as", "union", "for",
        "having", "default", "select", "natural", "full", "lateral",
    }
)  # fmt: skip
_TABLE_RE = re.compile(
    r"\b(?P<kw>DELETE\s+FROM|FROM|JOIN|UPDATE|INTO)\s+(?P<table>[a-z_][a-z_0-9]*)"
    r"(?:\s+(?:AS\s+)?(?P<alias>[a-z_][a-z_0-9]*))?",
    re.IGNORECASE,
)
_MARKER_RE = re.compile(r"\{(scope|tenant) ([a-z_][a-z_0-9]*)\}")
_OPTIONAL_RE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_PARAM_RE = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_]\w*)")
_ANY_RE = re.compile(r"(=\s*ANY|<>\s*ALL)\(\s*(:[A-Za-z_]\w*)\s*\)", re.IGNORECASE)
_LOCK_RE = re.compile(
    r"\s+FOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE)(?:\s+OF\s+[\w, ]+?)?"
    r"(?:\s+SKIP\s+LOCKED|\s+NOWAIT)?(?=\s*(?:\)|$))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    sql: str
    names: tuple[str, ...]


# The row id of the token's customer (customers are unique per tenant and identifier).
_CUSTOMER_ROW = (
    "(SELECT scope_c.id FROM customers scope_c WHERE scope_c.tenant_id = :tenant "
    "AND scope_c.personal_identifier = :customer)"
)


def _scope_predicate(alias: str, table: str, *, workshop: bool, customer: bool, full: bool) -> str:
    rule = TABLES[table]
    parts = [f"{alias}.{rule.tenant} = :tenant"]
    if not full:
        return "(" + parts[0] + ")"
    if workshop and rule.workshop is not None:
        parts.append(f"{alias}.{rule.workshop} = :workshop")
    if customer and rule.customer is not None:
        parts.append(f"{alias}.{rule.customer} = {_CUSTOMER_ROW}")
    if customer and rule.customer_key is not None:
        parts.append(f"{alias}.{rule.customer_key} = :customer")
    if rule.via_booking is not None and (workshop or customer):
        through = [f"scope_b.id = {alias}.{rule.via_booking}", "scope_b.tenant_id = :tenant"]
        if workshop:
            through.append("scope_b.workshop_id = :workshop")
        if customer:
            through.append(f"scope_b.customer_id = {_CUSTOMER_ROW}")
        if len(through) > 2:
            parts.append(f"EXISTS (SELECT 1 FROM bookings scope_b WHERE {' AND '.join(through)})")
    if workshop and rule.via_service is not None:
        parts.append(
            f"EXISTS (SELECT 1 FROM service_workshops scope_sw WHERE scope_sw.service_id = "
            f"{alias}.{rule.via_service} AND scope_sw.tenant_id = :tenant "
            "AND scope_sw.workshop_id = :workshop)"
        )
    return "(" + " AND ".join(parts) + ")"


class Statement:
    """One SQL statement of a repository; see the module docstring."""

    registry: ClassVar[list[Statement]] = []

    def __init__(self, sql: str, *, sqlite: str | None = None) -> None:
        self.sql = " ".join(sql.split())
        self.sqlite_sql = " ".join(sqlite.split()) if sqlite is not None else None
        self._optional = [
            tuple(m.group(1) for m in _PARAM_RE.finditer(block) if m.group(1))
            for block in _OPTIONAL_RE.findall(self.sql)
        ]
        self._cache: dict[tuple[Dialect, bool, bool, tuple[bool, ...]], Rendered] = {}
        for text in filter(None, (self.sql, self.sqlite_sql)):
            self.aliases = _check_scoped(text)
        Statement.registry.append(self)

    def __repr__(self) -> str:
        return f"Statement({self.sql[:60]!r}...)"

    def kept(self, params: dict[str, object]) -> tuple[bool, ...]:
        return tuple(all(params.get(n) is not None for n in names) for names in self._optional)

    def render(
        self,
        dialect: Dialect,
        workshop: bool,
        kept: tuple[bool, ...] = (),
        *,
        customer: bool = False,
    ) -> Rendered:
        key = (dialect, workshop, customer, kept)
        rendered = self._cache.get(key)
        if rendered is None:
            rendered = self._cache[key] = self._render(dialect, workshop, customer, kept)
        return rendered

    def _render(
        self, dialect: Dialect, workshop: bool, customer: bool, kept: tuple[bool, ...]
    ) -> Rendered:
        text = self.sqlite_sql if dialect == "sqlite" and self.sqlite_sql else self.sql
        blocks = iter(kept or (False,) * len(self._optional))
        text = _OPTIONAL_RE.sub(lambda m: m.group(1) if next(blocks) else "", text)
        aliases = _aliases(text)
        text = _MARKER_RE.sub(
            lambda m: _scope_predicate(
                m.group(2),
                aliases[m.group(2)],
                workshop=workshop,
                customer=customer,
                full=m.group(1) == "scope",
            ),
            text,
        )
        if dialect == "sqlite":
            text = _ANY_RE.sub(
                lambda m: (
                    ("IN" if m.group(1).startswith("=") else "NOT IN")
                    + f" (SELECT value FROM json_each({m.group(2)}))"
                ),
                text,
            )
            text = _LOCK_RE.sub("", text)
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return match.group(0)
            if name not in names:
                names.append(name)
            position = names.index(name) + 1
            return f"${position}" if dialect == "postgresql" else f"?{position}"

        text = _PARAM_RE.sub(number, text)
        return Rendered(" ".join(text.split()), tuple(names))


def _aliases(sql: str) -> dict[str, str]:
    """alias -> table for every tenant-owned table the statement names."""
    found: dict[str, str] = {}
    for match in _TABLE_RE.finditer(sql):
        table = match.group("table").lower()
        if table not in TABLES:
            continue
        alias = match.group("alias")
        if alias is None or alias.lower() in _KEYWORDS:
            alias = table
        found[alias] = table
    return found


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


_INSERT_RE = re.compile(
    r"\bINSERT\s+INTO\s+(?P<table>[a-z_]+)\s*\((?P<columns>[^)]*)\)\s*"
    r"(?:VALUES\s*\((?P<values>.*?)\)(?=\s*(?:ON\s+CONFLICT|RETURNING|\)|$))"
    r"|SELECT\s+(?P<selected>.*?)\s+(?:WHERE|FROM)\b)",
    re.IGNORECASE | re.DOTALL,
)
_CONFLICT_UPDATE_RE = re.compile(
    r"ON\s+CONFLICT\s*\((?P<target>[^)]*)\)\s*DO\s+UPDATE", re.IGNORECASE
)


def _check_insert(body: str, sql: str) -> None:
    """An INSERT into a tenant-owned table binds its tenant column to ``:tenant``, and an
    upsert's conflict target includes the tenant (so it can never update another tenant's
    row)."""
    for match in _INSERT_RE.finditer(body):
        table = match.group("table").lower()
        if table not in TABLES:
            continue
        columns = [c.strip().lower() for c in match.group("columns").split(",")]
        values = _split_top_level(match.group("values") or match.group("selected") or "")
        tenant_column = TABLES[table].tenant
        if tenant_column not in columns or len(values) != len(columns):
            raise UnscopedStatement(f"INSERT INTO {table} without its {tenant_column}: {sql[:120]}")
        value = values[columns.index(tenant_column)]
        if not re.fullmatch(r":tenant|CAST\(:tenant AS VARCHAR\(\d+\)\)", value, re.IGNORECASE):
            raise UnscopedStatement(f"INSERT INTO {table}: {tenant_column} is not :tenant")
        for conflict in _CONFLICT_UPDATE_RE.finditer(body[match.end() :]):
            target = [c.strip().lower() for c in conflict.group("target").split(",")]
            if tenant_column not in target:
                raise UnscopedStatement(f"upsert of {table} without {tenant_column} in its target")
            break


def _check_scoped(sql: str) -> dict[str, str]:
    # String literals are data: blank them out before looking for tables, comments and markers.
    sql = re.sub(r"'(?:[^']|'')*'", lambda m: "'" + " " * (len(m.group(0)) - 2) + "'", sql)
    if "--" in sql or "/*" in sql or '"' in sql:
        raise UnscopedStatement(f"no comments or quoted identifiers in statements: {sql[:120]}")
    if re.search(r"\bUSING\b", sql, re.IGNORECASE):
        raise UnscopedStatement(f"USING hides a table from the scope check: {sql[:120]}")
    for block in _OPTIONAL_RE.findall(sql):
        inside = set(_aliases(block))
        if any(m.group(2) not in inside for m in _MARKER_RE.finditer(block)):
            # dropped with the block, it would leave a table outside the block unscoped
            raise UnscopedStatement(f"a scope marker inside an optional part: {sql[:120]}")
    if re.search(r"\bOR\s*\{(?:scope|tenant) |\}\s*OR\b", sql, re.IGNORECASE):
        raise UnscopedStatement(f"a scope marker next to OR: {sql[:120]}")
    body = _OPTIONAL_RE.sub(lambda m: m.group(1), sql)
    marker_counts = Counter(m.group(2) for m in _MARKER_RE.finditer(body))
    markers = set(marker_counts)
    declared: Counter[str] = Counter()
    aliases: dict[str, str] = {}
    named: set[int] = set()
    for match in _TABLE_RE.finditer(body):
        table = match.group("table").lower()
        if table not in TABLES:
            continue
        named.add(match.start("table"))
        if match.group("kw").upper() == "INTO":
            continue
        alias = match.group("alias")
        if alias is None or alias.lower() in _KEYWORDS:
            alias = table
        if alias not in markers:
            raise UnscopedStatement(
                f"{table} {alias} is read or written without {{scope {alias}}}: {sql[:120]}"
            )
        if aliases.setdefault(alias, table) != table:
            raise UnscopedStatement(f"alias {alias} names two tables: {sql[:120]}")
        declared[alias] += 1
        if declared[alias] > marker_counts[alias]:
            # one marker for every place the alias is declared (a subquery reusing it too)
            raise UnscopedStatement(
                f"{table} {alias} is declared more often than scoped: {sql[:120]}"
            )
    # A tenant-owned table named anywhere else (a comma join, a schema-qualified name) would
    # escape the check: only FROM/JOIN/UPDATE/INTO/DELETE FROM and column qualifiers are allowed.
    unmarked = _MARKER_RE.sub(lambda m: " " * len(m.group(0)), body)
    for word in re.finditer(r"(?<![\w])([A-Za-z_][A-Za-z_0-9]*)\b(?!\s*\.)", unmarked):
        if word.group(1).lower() in TABLES and word.start(1) not in named:
            raise UnscopedStatement(f"{word.group(1)} is named outside FROM/JOIN: {sql[:120]}")
    for name in re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", _MARKER_RE.sub("", body)):
        if name in ("workshop", "customer"):
            raise UnscopedStatement(f":{name} is bound by the scope only: {sql[:120]}")
    unknown = markers - set(aliases)
    if unknown:
        raise UnscopedStatement(f"scope marker for unknown alias {sorted(unknown)}: {sql[:120]}")
    _check_insert(body, sql)
    return aliases
