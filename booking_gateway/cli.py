"""``booking-gateway``: serve / migrate / token / seed-demo / export-schema."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import os
import secrets
import sys
from pathlib import Path

from booking_gateway.auth import TokenIssuer
from booking_gateway.domain.principal import ALL_SCOPES, DEFAULT_TOKEN_SCOPES
from booking_gateway.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"booking-gateway: {exc}")


def _with_dev_secret(settings: Settings) -> Settings:
    """Without a configured key, development commands share a generated secret kept in a
    file (mode 0600) in the working directory, so tokens survive restarts."""
    if settings.jwt_secret or settings.jwt_public_key_file:
        return settings
    path: Path = settings.dev_secret_file
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        print(f"Generated a development token secret in {path}", file=sys.stderr)
    return dataclasses.replace(settings, jwt_secret=path.read_text().strip())


def _migrate(settings: Settings) -> None:
    from booking_gateway.db.migrate import upgrade

    upgrade(settings.database_url)


async def _seed(settings: Settings) -> None:
    from booking_gateway.db.engine import Db
    from booking_gateway.demo import seed_demo

    db = Db(settings.database_url)
    await db.connect()
    try:
        await seed_demo(db)
    finally:
        await db.disconnect()


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from booking_gateway import logs
    from booking_gateway.app import create_app
    from booking_gateway.demo import DEMO_TENANT

    settings = _settings()
    if args.demo:
        settings = _with_dev_secret(settings)
    elif not (settings.jwt_secret or settings.jwt_public_key_file):
        sys.exit(
            "booking-gateway: set BOOKING_GATEWAY_JWT_SECRET or "
            "BOOKING_GATEWAY_JWT_PUBLIC_KEY_FILE (or use --demo for a development secret)"
        )
    logs.configure(settings.log_level)
    _migrate(settings)
    if args.demo:
        asyncio.run(_seed(settings))
        token = TokenIssuer(settings).issue(
            tenant=DEMO_TENANT, subject="demo-admin", scope=ALL_SCOPES, ttl_seconds=7 * 86400
        )
        print(
            "\nBooking gateway demo is starting.\n"
            f"  GraphiQL:  http://{args.host}:{args.port}/graphql\n"
            f"  Dev token (tenant '{DEMO_TENANT}', valid 7 days):\n\n{token}\n\n"
            "  Paste into GraphiQL's Headers tab as:\n"
            f'  {{"Authorization": "Bearer {token}"}}\n',
            flush=True,
        )
    # Fewer garbage collections: a request allocates many short-lived objects and almost no
    # cycles, and the default threshold (700) ran a collection every few requests.
    gc.set_threshold(20_000, 20, 20)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        proxy_headers=True,
    )


def cmd_migrate(args: argparse.Namespace) -> None:
    _migrate(_settings())
    print("Database is at the latest schema revision.")


def cmd_seed_demo(args: argparse.Namespace) -> None:
    settings = _settings()
    _migrate(settings)
    asyncio.run(_seed(settings))
    print("Demo tenant 'demo' is seeded.")


MAX_TOKEN_TTL = 30 * 86400


def cmd_token(args: argparse.Namespace) -> None:
    settings = _settings()
    if not (settings.jwt_secret or settings.jwt_public_key_file):
        path = settings.dev_secret_file.resolve()
        if not path.exists():
            # A new secret here would sign tokens no running gateway accepts.
            sys.exit(
                f"booking-gateway: no token key configured and no development secret at {path}.\n"
                "Run this command in the directory where the gateway runs (./scripts/dev keeps "
                "its secret there), or set BOOKING_GATEWAY_DEV_SECRET_FILE to that file, or "
                "BOOKING_GATEWAY_JWT_SECRET to the gateway's key."
            )
        settings = _with_dev_secret(settings)
    unknown = sorted(set(args.scope.split()) - set(ALL_SCOPES.split()))
    if unknown:
        sys.exit(f"booking-gateway: unknown scope {' '.join(unknown)}; known: {ALL_SCOPES}")
    if not 0 < args.ttl <= MAX_TOKEN_TTL:
        sys.exit(f"booking-gateway: --ttl must be between 1 and {MAX_TOKEN_TTL} seconds")
    try:
        token = TokenIssuer(settings).issue(
            tenant=args.tenant,
            subject=args.subject,
            scope=args.scope,
            workshop=args.workshop,
            customer=args.customer,
            ttl_seconds=args.ttl,
        )
    except SettingsError as exc:
        sys.exit(f"booking-gateway: {exc}")
    print(token)


def cmd_export_schema(args: argparse.Namespace) -> None:
    from booking_gateway.graphql.schema import build_schema

    text = build_schema().as_str() + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="booking-gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations and serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed demo data, print a dev token")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("seed-demo", help="create the demo tenant's data").set_defaults(
        func=cmd_seed_demo
    )

    token = sub.add_parser("token", help="print a signed JWT")
    token.add_argument("--tenant", required=True)
    token.add_argument("--workshop", default=None)
    token.add_argument(
        "--customer",
        default=None,
        help="a customer token: the customer's personal identifier (sees only their bookings)",
    )
    token.add_argument("--subject", default="cli")
    token.add_argument(
        "--scope", default=DEFAULT_TOKEN_SCOPES, help=f"space separated, from: {ALL_SCOPES}"
    )
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.set_defaults(func=cmd_token)

    export = sub.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", "-o", default=None)
    export.set_defaults(func=cmd_export_schema)

    args = parser.parse_args(argv)
    args.func(args)
