"""End-to-end check of the offline GraphiQL explorer in a real (headless) Chromium.

The gateway is started as a subprocess, a token is minted with the CLI, and the
GraphiQL page served at ``GET /graphql`` is driven through Debian's Chromium with
Playwright. Every request to a host other than loopback is aborted and recorded,
so the test also proves that the explorer needs nothing from the internet.

Skipped only when no ``chromium`` binary is on PATH (CI installs it with
``apt-get install -y chromium``). Playwright's own browser downloads are not
used: the system Chromium is launched via ``executable_path``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response, Route, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
TENANT = "browser-test"
JWT_SECRET = "browser-test-secret-0123456789abcdef-0123456789abcdef"
STARTUP_TIMEOUT_S = 30.0
GATEWAY_CMD = [sys.executable, "-m", "booking_gateway"]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
]

# Editors inside the GraphiQL 3 page (CodeMirror 5 instances).
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
VISIBLE_TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESPONSE_EDITOR = ".graphiql-response .CodeMirror"
EXECUTE_BUTTON = "button.graphiql-execute-button"


@pytest.fixture
def chromium() -> str:
    """Path of the system Chromium; requested first so a missing browser skips early."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("no Chromium binary on PATH (install it with: apt-get install -y chromium)")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gateway_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["BOOKING_GATEWAY_DATABASE_URL"] = f"sqlite:///{(tmp_path / 'gateway.db').resolve()}"
    env["BOOKING_GATEWAY_JWT_SECRET"] = JWT_SECRET
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _healthz_ok(url: str) -> bool:
    try:
        # Only ever called with the http://127.0.0.1 URL built by the fixture.
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except urllib.error.HTTPError as exc:
        exc.close()
        return False
    except OSError:
        return False


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Run ``python -m booking_gateway serve`` on a free loopback port."""
    env = _gateway_env(tmp_path)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gateway.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*GATEWAY_CMD, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"gateway exited with code {proc.returncode} before answering /healthz:\n"
                    f"{_tail(log_path)}"
                )
            if _healthz_ok(f"{base_url}/healthz"):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"gateway did not answer GET /healthz with 200 "
                    f"within {STARTUP_TIMEOUT_S:.0f}s:\n"
                    f"{_tail(log_path)}"
                )
            time.sleep(0.2)
        yield base_url, env
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _mint_token(env: dict[str, str]) -> str:
    result = subprocess.run(
        [*GATEWAY_CMD, "token", "--tenant", TENANT, "--scope", "bookings:read"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"token command failed ({result.returncode}):\n{result.stderr}"
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"token command printed nothing on stdout:\n{result.stderr}"
    return lines[-1]


def _set_editor(page: Page, selector: str, value: str) -> None:
    page.evaluate(
        """([selector, value]) => {
            const el = document.querySelector(selector);
            if (!el || !el.CodeMirror) throw new Error('no CodeMirror editor at ' + selector);
            el.CodeMirror.setValue(value);
        }""",
        [selector, value],
    )


def test_graphiql_runs_viewer_query_with_bearer_token_offline(
    chromium: str, gateway: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    # ``chromium`` comes first so that a missing browser skips before the gateway starts.
    base_url, env = gateway
    token = _mint_token(env)
    graphql_url = f"{base_url}/graphql"

    aborted: list[str] = []
    failed_requests: list[str] = []
    bad_responses: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []
    graphql_auth_headers: list[str | None] = []

    def guard(route: Route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            aborted.append(url)
            route.abort("blockedbyclient")

    def on_request(request: Request) -> None:
        if request.url == graphql_url and request.method == "POST":
            graphql_auth_headers.append(request.headers.get("authorization"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # The API itself may answer 401 to GraphiQL's schema introspection
        # while the Headers tab still holds the placeholder; that is not a
        # failed asset load.
        if message.location.get("url") == graphql_url and "status of 4" in message.text:
            return
        console_errors.append(f"{message.text} @ {message.location.get('url')}")

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.url != graphql_url:
            bad_responses.append(f"{response.status} {response.url}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.on("request", on_request)
            page.on("requestfailed", lambda r: failed_requests.append(f"{r.url} ({r.failure})"))
            page.on("response", on_response)
            page.on("console", on_console)
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            try:
                page.goto(graphql_url, wait_until="load")
                page.wait_for_selector(QUERY_EDITOR)
                page.wait_for_selector(EXECUTE_BUTTON)

                page.get_by_role("button", name="Headers", exact=True).click()
                page.wait_for_selector(VISIBLE_TOOL_EDITOR)
                _set_editor(
                    page, VISIBLE_TOOL_EDITOR, json.dumps({"Authorization": f"Bearer {token}"})
                )
                _set_editor(page, QUERY_EDITOR, "{ viewer { tenant } }")

                page.click(EXECUTE_BUTTON)
                page.wait_for_function(
                    """([selector, needle]) => {
                        const el = document.querySelector(selector);
                        return !!(el && el.CodeMirror && el.CodeMirror.getValue().includes(needle));
                    }""",
                    arg=[RESPONSE_EDITOR, f'"tenant": "{TENANT}"'],
                )
                result_text = page.evaluate(
                    "(selector) => document.querySelector(selector).CodeMirror.getValue()",
                    RESPONSE_EDITOR,
                )
            except Exception:
                page.screenshot(path=str(tmp_path / "graphiql-failure.png"))
                raise
            context.close()
        finally:
            browser.close()

    assert json.loads(result_text) == {"data": {"viewer": {"tenant": TENANT}}}
    assert f"Bearer {token}" in graphql_auth_headers, "Headers tab's Authorization not sent"
    assert aborted == [], f"page tried to reach non-loopback hosts: {aborted}"
    assert failed_requests == [], f"requests failed: {failed_requests}"
    assert bad_responses == [], f"error responses: {bad_responses}"
    assert console_errors == [], f"console errors: {console_errors}"
    assert page_errors == [], f"uncaught page errors: {page_errors}"
