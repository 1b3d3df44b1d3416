"""Bearer-token verification (RFC 8725) -> Principal(tenant, workshop, subject, scopes).

The algorithm list comes from configuration, never from the token. ``exp``, ``iat``, ``sub``,
``tenant``, ``iss`` and ``aud`` are required; issuer and audience are checked.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jwt

from booking_gateway.domain.booking_details import PERSONAL_IDENTIFIER_RE
from booking_gateway.domain.errors import AuthenticationError
from booking_gateway.domain.ids import TenantId, WorkshopId
from booking_gateway.domain.principal import DEFAULT_TOKEN_SCOPES, Principal, Scope
from booking_gateway.settings import Settings, SettingsError

TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _read(path: Any) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise SettingsError(f"cannot read key file {path}: {exc.strerror}") from exc


# Verified tokens, by their exact text: a client sends the same token with every request, and
# checking its signature costs more than the rest of a small request. Expiry is still checked
# on every use; only tokens that verified are kept; the oldest go first past the bound.
VERIFIED_CACHE_SIZE = 4096


class TokenVerifier:
    def __init__(
        self,
        settings: Settings,
        secret: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._algorithms = list(settings.jwt_algorithms)
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_seconds
        self._max_lifetime = settings.jwt_max_lifetime_seconds
        if settings.jwt_public_key_file is not None:
            self._key: Any = _read(settings.jwt_public_key_file)
        elif secret or settings.jwt_secret:
            self._key = secret or settings.jwt_secret
        else:
            raise SettingsError(
                "no token key configured: set BOOKING_GATEWAY_JWT_SECRET or "
                "BOOKING_GATEWAY_JWT_PUBLIC_KEY_FILE"
            )

    def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if self._clock() < expires:
                return principal
            del self._verified[token]
        principal, expires = self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "tenant"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("The token has expired") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationError(f"The token is not valid: {exc}") from None
        expires = float(claims["exp"]) + self._leeway
        if self._clock() >= expires:  # the injected clock decides too (tests, cache)
            raise AuthenticationError("The token has expired")
        if float(claims["exp"]) - float(claims["iat"]) > self._max_lifetime:
            raise AuthenticationError(
                f"The token lives longer than {self._max_lifetime} seconds (exp - iat)"
            )
        return _principal_from_claims(claims), expires


def _principal_from_claims(claims: dict[str, Any]) -> Principal:
    tenant, subject = claims["tenant"], claims["sub"]
    workshop, scope = claims.get("workshop"), claims.get("scope", "")
    if not isinstance(tenant, str) or not TENANT_RE.fullmatch(tenant):
        raise AuthenticationError("The token's 'tenant' claim is not a valid tenant id")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise AuthenticationError("The token's 'sub' claim must be a non-empty string")
    if workshop is not None and (not isinstance(workshop, str) or not 0 < len(workshop) <= 64):
        raise AuthenticationError("The token's 'workshop' claim must be a workshop id")
    if not isinstance(scope, str):
        raise AuthenticationError("The token's 'scope' claim must be a space-separated string")
    scopes = frozenset(scope.split())
    customer = claims.get("customer")
    if "customer" in claims:  # present, even as null: it must name the customer
        if not isinstance(customer, str) or not PERSONAL_IDENTIFIER_RE.fullmatch(customer):
            raise AuthenticationError(
                "The token's 'customer' claim must be the customer's personal identifier"
            )
        if {Scope.STAFF, Scope.ADMIN, Scope.CUSTOMERS_READ} & scopes:
            raise AuthenticationError(
                "A customer token ('customer' claim) cannot carry staff, admin or customers:read"
            )
    return Principal(
        tenant=TenantId(tenant),
        subject=subject,
        scopes=scopes,
        workshop=WorkshopId(workshop) if workshop else None,
        customer=customer,
    )


class TokenIssuer:
    """Signs tokens for the CLI's ``token`` command and for tests."""

    def __init__(self, settings: Settings, secret: str | None = None) -> None:
        self._settings = settings
        self._algorithm = settings.jwt_algorithms[0]
        if settings.jwt_public_key_file is not None:
            if settings.jwt_private_key_file is None:
                raise SettingsError(
                    "signing tokens with a public-key algorithm needs "
                    "BOOKING_GATEWAY_JWT_PRIVATE_KEY_FILE"
                )
            self._key: Any = _read(settings.jwt_private_key_file)
        elif secret or settings.jwt_secret:
            self._key = secret or settings.jwt_secret
        else:
            raise SettingsError("no token key configured: set BOOKING_GATEWAY_JWT_SECRET")

    def issue(
        self,
        *,
        tenant: str,
        subject: str = "dev",
        scope: str = DEFAULT_TOKEN_SCOPES,
        workshop: str | None = None,
        customer: str | None = None,
        ttl_seconds: int = 3600,
        **extra: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "sub": subject,
            "tenant": tenant,
            "scope": scope,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": secrets.token_hex(8),
            **extra,
        }
        if workshop:
            claims["workshop"] = workshop
        if customer:
            claims["customer"] = customer
        return jwt.encode(claims, self._key, algorithm=self._algorithm)
