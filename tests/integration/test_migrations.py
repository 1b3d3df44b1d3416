"""Replicas started together on a fresh PostgreSQL database all come up: migrations run one
after another under an advisory lock."""

from __future__ import annotations

import asyncio
import sys
import uuid

import asyncpg
import pytest

from tests.conftest import PG_SERVER_URL, _with_database

UPGRADE = "import sys; from booking_gateway.db.migrate import upgrade; upgrade(sys.argv[1])"


async def test_three_replicas_migrating_one_fresh_database_all_succeed(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite is one process's embedded file")
    # given a fresh database on the shared server, this test's own
    name = f"booking_gateway_migrate_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_with_database(PG_SERVER_URL, "postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(PG_SERVER_URL, name)
    try:
        # when three processes migrate it at the same time
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                UPGRADE,
                url,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(3)
        ]
        results = await asyncio.wait_for(
            asyncio.gather(*(p.communicate() for p in processes)), timeout=120
        )

        # then every one succeeded and the schema is at head once
        failures = [
            err.decode()[-2000:]
            for p, (_, err) in zip(processes, results, strict=True)
            if p.returncode != 0
        ]
        assert failures == []
        conn = await asyncpg.connect(url)
        try:
            versions = await conn.fetch("SELECT version_num FROM alembic_version")
            tables = await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename = 'bookings'"
            )
        finally:
            await conn.close()
        assert len(versions) == 1
        assert tables == 1
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
