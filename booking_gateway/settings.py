"""One frozen settings object, read from ``BOOKING_GATEWAY_*`` environment variables.

Every setting is documented in the README; keep the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "BOOKING_GATEWAY_"
DEFAULT_DATABASE_URL = "sqlite:///./booking_gateway.db"
SYMMETRIC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_public_key_file: Path | None = None
    jwt_private_key_file: Path | None = None
    jwt_algorithms: tuple[str, ...] = ("HS256",)
    jwt_issuer: str = "booking-gateway"
    jwt_audience: str = "booking-gateway"
    jwt_leeway_seconds: int = 30
    # Longest lifetime (exp - iat) a token may claim: a leaked token cannot live for ever.
    jwt_max_lifetime_seconds: int = 30 * 86400
    max_body_bytes: int = 100 * 1024
    max_query_depth: int = 10
    max_aliases: int = 30
    max_query_tokens: int = 2000
    log_level: str = "INFO"
    cors_origins: tuple[str, ...] = ()
    dev_secret_file: Path = Path(".booking-gateway-dev-secret")
    # PostgreSQL connections per process, and how long a request waits for a free one before
    # it answers SERVICE_UNAVAILABLE (retryable).
    db_pool_size: int = 10
    db_pool_timeout_seconds: float = 5.0
    # PostgreSQL cancels a statement (a lock wait included) running longer: the request
    # answers 503 SERVICE_UNAVAILABLE instead of hanging on a held lock.
    db_statement_timeout_seconds: float = 10.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name)
            return value if value not in (None, "") else None

        def get_int(name: str, default: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{PREFIX}{name} must be an integer, got {raw!r}") from None
            if value <= 0:
                raise SettingsError(f"{PREFIX}{name} must be positive, got {value}")
            return value

        def get_float(name: str, default: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{PREFIX}{name} must be a number, got {raw!r}") from None
            if not 0 < value < 3600:
                raise SettingsError(f"{PREFIX}{name} must be between 0 and 3600, got {raw}")
            return value

        defaults = cls()
        public_key = get("JWT_PUBLIC_KEY_FILE")
        private_key = get("JWT_PRIVATE_KEY_FILE")
        default_algorithms = "RS256" if public_key else "HS256"
        algorithms = tuple((get("JWT_ALGORITHMS") or default_algorithms).replace(",", " ").split())
        settings = cls(
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            jwt_secret=get("JWT_SECRET"),
            jwt_public_key_file=Path(public_key) if public_key else None,
            jwt_private_key_file=Path(private_key) if private_key else None,
            jwt_algorithms=algorithms,
            jwt_issuer=get("JWT_ISSUER") or defaults.jwt_issuer,
            jwt_audience=get("JWT_AUDIENCE") or defaults.jwt_audience,
            jwt_leeway_seconds=get_int("JWT_LEEWAY_SECONDS", defaults.jwt_leeway_seconds),
            jwt_max_lifetime_seconds=get_int(
                "JWT_MAX_LIFETIME_SECONDS", defaults.jwt_max_lifetime_seconds
            ),
            max_body_bytes=get_int("MAX_BODY_BYTES", defaults.max_body_bytes),
            max_query_depth=get_int("MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_aliases=get_int("MAX_ALIASES", defaults.max_aliases),
            max_query_tokens=get_int("MAX_QUERY_TOKENS", defaults.max_query_tokens),
            log_level=(get("LOG_LEVEL") or defaults.log_level).upper(),
            cors_origins=tuple((get("CORS_ORIGINS") or "").replace(",", " ").split()),
            dev_secret_file=Path(get("DEV_SECRET_FILE") or defaults.dev_secret_file),
            db_pool_size=get_int("DB_POOL_SIZE", defaults.db_pool_size),
            db_pool_timeout_seconds=get_float(
                "DB_POOL_TIMEOUT_SECONDS", defaults.db_pool_timeout_seconds
            ),
            db_statement_timeout_seconds=get_float(
                "DB_STATEMENT_TIMEOUT_SECONDS", defaults.db_statement_timeout_seconds
            ),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.database_url.startswith(
            ("sqlite:", "sqlite+aiosqlite:", "postgresql:", "postgresql+asyncpg:", "postgres:")
        ):
            raise SettingsError(f"{PREFIX}DATABASE_URL must start with sqlite:// or postgresql://")
        if not self.jwt_algorithms:
            raise SettingsError(f"{PREFIX}JWT_ALGORITHMS must name at least one algorithm")
        unknown = set(self.jwt_algorithms) - SYMMETRIC_ALGORITHMS - ASYMMETRIC_ALGORITHMS
        if unknown:
            raise SettingsError(f"{PREFIX}JWT_ALGORITHMS has unsupported {sorted(unknown)}")
        # RFC 8725 section 3.1: never let one key serve both families (algorithm confusion).
        symmetric = set(self.jwt_algorithms) <= SYMMETRIC_ALGORITHMS
        asymmetric = set(self.jwt_algorithms) <= ASYMMETRIC_ALGORITHMS
        if not (symmetric or asymmetric):
            raise SettingsError(f"{PREFIX}JWT_ALGORITHMS mixes HMAC and public-key algorithms")
        if asymmetric and self.jwt_public_key_file is None:
            raise SettingsError(
                f"{PREFIX}JWT_ALGORITHMS {list(self.jwt_algorithms)} needs "
                f"{PREFIX}JWT_PUBLIC_KEY_FILE"
            )
        if symmetric and self.jwt_public_key_file is not None:
            raise SettingsError(
                f"{PREFIX}JWT_PUBLIC_KEY_FILE is set: choose RS256/ES256 in {PREFIX}JWT_ALGORITHMS"
            )
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < 32:
            # RFC 7518 section 3.2: an HMAC key at least as long as the hash output.
            raise SettingsError(f"{PREFIX}JWT_SECRET must be at least 32 bytes long")
