"""The verified-token cache never outlives a token's expiry."""

from __future__ import annotations

import pytest

from booking_gateway.auth import TokenIssuer, TokenVerifier
from booking_gateway.domain.errors import AuthenticationError
from booking_gateway.settings import Settings

SECRET = "unit-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123"


class FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_is_refused_once_it_expires() -> None:
    # given a token verified once (and so cached) with 60 s to live and 30 s leeway
    settings = Settings(jwt_secret=SECRET, jwt_leeway_seconds=30)
    token = TokenIssuer(settings).issue(tenant="acme", ttl_seconds=60)
    import jwt

    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    clock = FakeTime(expires - 30)
    verifier = TokenVerifier(settings, clock=clock)
    assert verifier.verify(token).tenant == "acme"

    # when the clock passes expiry plus leeway
    clock.now = expires + 31

    # then the cached principal is not used
    with pytest.raises(AuthenticationError):
        verifier.verify(token)


def test_a_cached_token_answers_the_same_principal() -> None:
    # given
    settings = Settings(jwt_secret=SECRET)
    token = TokenIssuer(settings).issue(tenant="acme", subject="dms", workshop="w1")
    verifier = TokenVerifier(settings)

    # when
    first, second = verifier.verify(token), verifier.verify(token)

    # then
    assert first == second
    assert (second.tenant, second.subject, second.workshop) == ("acme", "dms", "w1")


def test_a_forged_token_is_never_cached_as_valid() -> None:
    # given a token signed with another key
    settings = Settings(jwt_secret=SECRET)
    forged = TokenIssuer(Settings(jwt_secret="x" * 64)).issue(tenant="acme")
    verifier = TokenVerifier(settings)

    # when / then: refused every time
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            verifier.verify(forged)
