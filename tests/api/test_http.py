"""Health, readiness and the offline GraphiQL page."""

from __future__ import annotations

import re

from tests.conftest import Api


async def test_healthz_answers_without_a_token(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(api: Api) -> None:
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True}


async def test_browsers_get_graphiql_with_only_local_assets(api: Api) -> None:
    # when a browser opens /graphql
    page = await api.http.get("/graphql", headers={"accept": "text/html"})

    # then it gets GraphiQL, whose every script and stylesheet is served by the gateway
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets
    for asset in assets:
        if asset.startswith("data:"):
            continue
        assert asset.startswith("/static/graphiql/"), asset
        assert (await api.http.get(asset)).status_code == 200
    assert not re.search(r"https?://", page.text.split("<script>")[0])


async def test_graphiqls_script_is_compressed_for_clients_that_accept_it(api: Api) -> None:
    # when a browser that accepts gzip, and a client that does not, fetch GraphiQL's script
    raw = await api.http.get("/static/graphiql/graphiql.min.js", headers={"accept-encoding": ""})
    zipped = await api.http.get(
        "/static/graphiql/graphiql.min.js", headers={"accept-encoding": "gzip"}
    )

    # then the browser's copy came compressed, and both decode to the same script
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in raw.headers
    assert zipped.num_bytes_downloaded < len(raw.content) // 3
    assert zipped.content == raw.content
