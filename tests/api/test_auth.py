"""Bearer authentication (RFC 8725) and authorisation by scope and workshop."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from booking_gateway.app import create_app
from booking_gateway.auth import TokenIssuer
from booking_gateway.settings import Settings
from tests.api.queries import ADD, BY_KEY, CANCEL, CREATE_WORKSHOP, VIEWER, booking_input
from tests.conftest import TEST_SECRET, Api


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {
        "iss": "booking-gateway",
        "aud": "booking-gateway",
        "sub": "someone",
        "tenant": "acme",
        "scope": "bookings:read",
        "iat": now,
        "exp": now + 600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(**overrides: object) -> str:
    return jwt.encode(claims(**overrides), TEST_SECRET, algorithm="HS256")


async def test_missing_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = await api.as_(None).post(VIEWER)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(signed(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(signed(iss="someone-else"), id="wrong-issuer"),
        pytest.param(signed(aud="another-api"), id="wrong-audience"),
        pytest.param(signed(tenant=None), id="no-tenant"),
        pytest.param(signed(sub=None), id="no-subject"),
        pytest.param(signed(exp=None), id="no-expiry"),
        pytest.param(signed(tenant="../other tenant"), id="malformed-tenant"),
        pytest.param(signed(scope=["bookings:read"]), id="scope-not-a-string"),
        pytest.param(
            jwt.encode(claims(), "another-secret-of-enough-length-1234", "HS256"),
            id="bad-signature",
        ),
        pytest.param(jwt.encode(claims(), TEST_SECRET, algorithm="HS512"), id="alg-not-allowed"),
        # "" is the typed way to give PyJWT no key (the same token as None).
        pytest.param(jwt.encode(claims(), "", algorithm="none"), id="alg-none"),
        pytest.param("not-a-jwt", id="garbage"),
        pytest.param(signed(exp=1e308), id="lifetime-without-end"),
        pytest.param(signed(exp=int(time.time()) + 31 * 86400), id="lifetime-over-30-days"),
    ],
)
async def test_bad_tokens_are_401(api: Api, token: str) -> None:
    response = await api.as_(token).post(VIEWER)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in response.json()


async def test_small_clock_skew_is_tolerated(api: Api) -> None:
    response = await api.as_(signed(exp=int(time.time()) - 5)).post(VIEWER)
    assert response.status_code == 200


async def test_viewer_shows_the_verified_claims(api: Api) -> None:
    data = await api.as_(signed(scope="bookings:read admin", workshop="w1")).ok(VIEWER)
    assert data["viewer"] == {
        "tenant": "acme",
        "workshop": "w1",
        "subject": "someone",
        "scopes": ["admin", "bookings:read"],
    }


async def test_namespace_header_must_name_the_tokens_tenant(api: Api) -> None:
    # when the header names the token's tenant, the request passes
    ok = await api.post(VIEWER, None, **{"x-organization-namespace": api.tenant})
    assert ok.status_code == 200

    # when it names another tenant, it is refused
    response = await api.post(VIEWER, None, **{"x-organization-namespace": "someone-else"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_read_only_token_cannot_write(api: Api, issuer: TokenIssuer) -> None:
    reader = api.as_(issuer.issue(tenant=api.tenant, scope="bookings:read"))
    error = await reader.error(ADD, {"input": booking_input()})
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["requiredScope"] == "bookings:write"
    assert (await api.ok(BY_KEY, {"source": "user", "bookingId": "12345"}))[
        "bookingByExternalKey"
    ] is None


async def test_writer_without_read_scope_cannot_read(api: Api, issuer: TokenIssuer) -> None:
    writer = api.as_(issuer.issue(tenant=api.tenant, scope="bookings:write"))
    await writer.ok(ADD, {"input": booking_input()})
    error = await writer.error(BY_KEY, {"source": "user", "bookingId": "12345"})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_non_admin_cannot_create_workshops(api: Api, issuer: TokenIssuer) -> None:
    user = api.as_(issuer.issue(tenant=api.tenant))
    error = await user.error(CREATE_WORKSHOP, {"input": {"name": "X", "timeZone": "UTC"}})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_workshop_token_books_and_sees_only_its_workshop(
    api: Api, issuer: TokenIssuer
) -> None:
    # given two workshops and a token restricted to the first
    ids = []
    for dealer in ("D1", "D2"):
        data = await api.ok(
            CREATE_WORKSHOP, {"input": {"name": dealer, "timeZone": "UTC", "dealerNumber": dealer}}
        )
        ids.append(data["createWorkshop"]["workshop"]["id"])
    scoped = api.as_(issuer.issue(tenant=api.tenant, workshop=ids[0]))
    await api.ok(ADD, {"input": booking_input(bookingId="theirs", bookingDealer="D2")})

    # when it books for its own dealer, and for an unknown one
    await scoped.ok(ADD, {"input": booking_input(bookingId="own", bookingDealer="D1")})
    await scoped.ok(ADD, {"input": booking_input(bookingId="unknown", bookingDealer="X9")})

    # then both land in its workshop
    for booking_id in ("own", "unknown"):
        found = await scoped.ok(BY_KEY, {"source": "user", "bookingId": booking_id})
        assert found["bookingByExternalKey"]["workshop"]["id"] == ids[0]

    # and the other workshop's booking is invisible and untouchable
    other = await scoped.ok(BY_KEY, {"source": "user", "bookingId": "theirs"})
    assert other["bookingByExternalKey"] is None
    error = await scoped.error(CANCEL, {"input": {"bookingId": "theirs"}})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await scoped.error(ADD, {"input": booking_input(bookingId="x", bookingDealer="D2")})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_es256_tokens_verify_with_a_configured_public_key(tmp_path: Path) -> None:
    # given a gateway configured with an ES256 public key
    private = ec.generate_private_key(ec.SECP256R1())
    public_file, private_file = tmp_path / "public.pem", tmp_path / "private.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    private_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        jwt_public_key_file=public_file,
        jwt_private_key_file=private_file,
        jwt_algorithms=("ES256",),
    )
    app = create_app(settings)
    token = TokenIssuer(settings).issue(tenant="acme")
    hmac_token = signed()  # an HS256 token must not pass (algorithm confusion)

    # when both tokens are presented (viewer needs no database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        good = await client.post(
            "/graphql", json={"query": VIEWER}, headers={"authorization": f"Bearer {token}"}
        )
        bad = await client.post(
            "/graphql", json={"query": VIEWER}, headers={"authorization": f"Bearer {hmac_token}"}
        )

    # then only the ES256 one is accepted
    assert good.status_code == 200, good.text
    assert good.json()["data"]["viewer"]["tenant"] == "acme"
    assert bad.status_code == 401
