"""Composition root: ``create_app(settings)`` wires settings, database, auth and GraphQL."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from booking_gateway.auth import TokenVerifier
from booking_gateway.db.engine import Db
from booking_gateway.graphql.schema import build_schema
from booking_gateway.graphql.view import GraphQLEndpoint
from booking_gateway.services import Clock, utc_now
from booking_gateway.settings import Settings

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings, *, clock: Clock = utc_now) -> Starlette:
    db = Db(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
        statement_timeout=settings.db_statement_timeout_seconds,
    )
    endpoint = GraphQLEndpoint(
        build_schema(settings), TokenVerifier(settings), db, settings.max_body_bytes, clock
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.connect()
        # What start-up built lives as long as the process: keep it out of every collection.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await db.disconnect()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            ready = await db.ping()
        except Exception:
            ready = False
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "database": ready},
            status_code=200 if ready else 503,
        )

    middleware = []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=[
                    "authorization",
                    "content-type",
                    "x-request-id",
                    "x-organization-namespace",
                    "x-tenant-id",
                ],
                expose_headers=["x-request-id"],
                max_age=600,
            )
        )
    app = Starlette(
        routes=[
            Route("/graphql", endpoint),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # GraphiQL's script is 3.4 MB: compressed for clients that accept it. API responses
            # are left to the proxy (gzip costs more CPU than most answers are worth).
            Mount(
                "/static",
                app=GZipMiddleware(
                    StaticFiles(directory=STATIC, check_dir=False), minimum_size=1024
                ),
                name="static",
            ),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.graphql = endpoint
    app.state.settings = settings
    return app
