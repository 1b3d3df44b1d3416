"""``booking-gateway token`` refuses what would give a token no gateway accepts."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from booking_gateway import cli


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No configured key, in a fresh working directory."""
    for name in ("JWT_SECRET", "JWT_PUBLIC_KEY_FILE", "DEV_SECRET_FILE"):
        monkeypatch.delenv(f"BOOKING_GATEWAY_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_without_a_key_or_a_dev_secret_here_it_refuses_and_says_where_it_looked(
    no_key: Path,
) -> None:
    # when a token is asked for in a directory without the gateway's development secret
    with pytest.raises(SystemExit) as refused:
        cli.main(["token", "--tenant", "demo"])

    # then it names the file it looked for and creates none
    assert "no development secret at" in str(refused.value)
    assert str(no_key) in str(refused.value)
    assert list(no_key.iterdir()) == []


def test_with_the_dev_secret_here_it_signs_with_it(
    no_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the development secret the gateway keeps in its directory
    secret = "dev-secret-" + "x" * 40
    (no_key / ".booking-gateway-dev-secret").write_text(secret)

    # when a token is asked for
    cli.main(["token", "--tenant", "demo", "--scope", "bookings:read"])

    # then it is signed with that secret
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["tenant"] == "demo"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scope", "bookings:read bookings:everything"], "unknown scope bookings:everything"),
        (["--ttl", "-5"], "--ttl must be between"),
        (["--ttl", "99999999"], "--ttl must be between"),
    ],
)
def test_made_up_scopes_and_impossible_lifetimes_are_refused(
    monkeypatch: pytest.MonkeyPatch, extra: list[str], message: str
) -> None:
    # given a configured key
    monkeypatch.setenv("BOOKING_GATEWAY_JWT_SECRET", "configured-secret-" + "y" * 40)

    # when a token with a made-up scope or lifetime is asked for, then it is refused
    with pytest.raises(SystemExit) as refused:
        cli.main(["token", "--tenant", "demo", *extra])
    assert message in str(refused.value)
