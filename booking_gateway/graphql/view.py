"""The GraphQL HTTP endpoint: authentication, request limits and error shaping around
``schema.execute``.

Authentication runs before any GraphQL does. Malformed requests get a JSON GraphQL error with a
stable ``extensions.code`` and the HTTP status of the GraphQL-over-HTTP spec.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from booking_gateway.auth import TokenVerifier
from booking_gateway.db.engine import Db
from booking_gateway.domain.errors import AuthenticationError
from booking_gateway.domain.ids import RequestId
from booking_gateway.domain.models import RequestMeta
from booking_gateway.domain.principal import Principal
from booking_gateway.graphql.bookings.import_fast_path import ImportFastPath
from booking_gateway.graphql.context import Context, parse_accept_language
from booking_gateway.graphql.errors import (
    BAD_USER_INPUT,
    REQUEST_ERROR_CODES,
    UNAVAILABLE,
    format_error,
    request_error,
)
from booking_gateway.graphql.schema import GatewaySchema
from booking_gateway.services import Clock, utc_now

log = logging.getLogger("booking_gateway.http")
GRAPHIQL_PAGE = Path(__file__).parent.parent / "static" / "graphiql" / "index.html"
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
NAMESPACE_HEADER = "x-organization-namespace"
TENANT_HEADER = "x-tenant-id"  # the appointment API's (003) tenant header
# Optional headers that, when sent, must name the token's tenant.
TENANT_HEADERS = (NAMESPACE_HEADER, TENANT_HEADER)


class RequestRejected(Exception):
    def __init__(self, status: int, message: str, code: str, **headers: str) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers


def request_id_of(headers: Headers) -> RequestId:
    given = headers.get("x-request-id", "")
    return RequestId(given if REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex)


class GraphQLEndpoint:
    """ASGI app for ``/graphql``: GET (queries, or GraphiQL for browsers) and POST."""

    def __init__(
        self,
        schema: GatewaySchema,
        verifier: TokenVerifier,
        db: Db,
        max_body_bytes: int,
        clock: Clock = utc_now,
    ) -> None:
        self._schema = schema
        self._clock = clock
        self.import_path = ImportFastPath()
        self._verifier = verifier
        self._db = db
        self._max_body = max_body_bytes
        self._graphiql = GRAPHIQL_PAGE.read_bytes() if GRAPHIQL_PAGE.exists() else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request_id = request_id_of(request.headers)
        started = time.perf_counter()
        principal: Principal | None = None
        try:
            if request.method == "GET" and self._wants_html(request):
                response: Response = self._page()
            else:
                if request.method not in ("GET", "POST"):
                    raise RequestRejected(
                        405, "Use GET or POST", "METHOD_NOT_ALLOWED", Allow="GET, POST"
                    )
                principal = self._authenticate(request.headers)
                response = await self._execute(request, principal, request_id)
        except RequestRejected as exc:
            response = GatewayJSONResponse(
                request_error(exc.message, exc.code),
                status_code=exc.status,
                headers=exc.headers,
            )
        response.headers["x-request-id"] = request_id
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "tenant": principal.tenant if principal else None,
                "subject": principal.subject if principal else None,
            },
        )
        await response(scope, receive, send)

    @staticmethod
    def _wants_html(request: Request) -> bool:
        return "text/html" in request.headers.get("accept", "") and not request.query_params

    def _page(self) -> Response:
        if self._graphiql is None:
            raise RequestRejected(404, "GraphiQL assets are not installed", "NOT_FOUND")
        return HTMLResponse(self._graphiql)

    def _authenticate(self, headers: Headers) -> Principal:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        challenge = 'Bearer realm="booking-gateway"'
        if scheme.lower() != "bearer" or not token.strip():
            raise RequestRejected(
                401,
                "Send a bearer token: Authorization: Bearer <JWT>",
                "UNAUTHENTICATED",
                **{"WWW-Authenticate": challenge},
            )
        try:
            principal = self._verifier.verify(token.strip())
        except AuthenticationError as exc:
            raise RequestRejected(
                401,
                exc.message,
                "UNAUTHENTICATED",
                **{"WWW-Authenticate": f'{challenge}, error="invalid_token"'},
            ) from None
        for name in TENANT_HEADERS:
            named = headers.get(name)
            if named is not None and named != principal.tenant:
                raise RequestRejected(403, f"{name} does not name the token's tenant", "FORBIDDEN")
        return principal

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max_body):
            raise RequestRejected(
                413, f"Request body over {self._max_body} bytes", "PAYLOAD_TOO_LARGE"
            )
        body = bytearray()
        try:
            async for chunk in request.stream():
                body.extend(chunk)
                if len(body) > self._max_body:
                    raise RequestRejected(
                        413, f"Request body over {self._max_body} bytes", "PAYLOAD_TOO_LARGE"
                    )
        except ClientDisconnect:
            raise RequestRejected(400, "The client disconnected", "BAD_REQUEST") from None
        return bytes(body)

    async def _parse(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params = request.query_params
            data: dict[str, Any] = {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
            }
            if "variables" in params:
                data["variables"] = _json(params["variables"].encode(), "variables")
            return data
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in ("application/json", "application/graphql-response+json"):
            raise RequestRejected(
                415,
                "Send the request as Content-Type: application/json",
                "UNSUPPORTED_MEDIA_TYPE",
            )
        data = _json(await self._read_body(request), "body")
        if isinstance(data, list):
            raise RequestRejected(400, "Batched requests are not supported", "BAD_REQUEST")
        if not isinstance(data, dict):
            raise RequestRejected(400, "The body must be a JSON object", "BAD_REQUEST")
        return data

    async def _execute(
        self, request: Request, principal: Principal, request_id: RequestId
    ) -> Response:
        data = await self._parse(request)
        query, variables, operation = (
            data.get("query"),
            data.get("variables"),
            data.get("operationName"),
        )
        if not isinstance(query, str) or not query.strip():
            raise RequestRejected(400, "`query` must be a non-empty string", "BAD_REQUEST")
        if variables is not None and not isinstance(variables, dict):
            raise RequestRejected(400, "`variables` must be an object", "BAD_REQUEST")
        if operation is not None and not isinstance(operation, str):
            raise RequestRejected(400, "`operationName` must be a string", "BAD_REQUEST")
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        context = Context(
            principal=principal,
            meta=RequestMeta(request_id=request_id, user_agent=_user_agent(request.headers)),
            db=self._db,
            languages=parse_accept_language(request.headers.get("accept-language")),
            clock=self._clock,
        )

        def formatted(error: GraphQLError) -> dict[str, Any]:
            return format_error(error, request_id)

        plan = self.import_path.plan(query, operation) if request.method == "POST" else None
        if plan is not None:
            async with self._db.session():
                fast = await self.import_path.run(plan, variables or {}, context, formatted)
            if fast is not None:
                return _respond(fast)
        try:
            # However many root fields run concurrently, the request holds one connection.
            async with self._db.session():
                result = await self._schema.execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation,
                    allowed_operation_types=allowed,
                )
        except InvalidOperationTypeError:
            raise RequestRejected(
                405, "Mutations must be sent with POST", "METHOD_NOT_ALLOWED", Allow="POST"
            ) from None
        except CannotGetOperationTypeError as exc:
            raise RequestRejected(400, exc.as_http_error_reason(), "BAD_REQUEST") from None
        except MissingQueryError:
            raise RequestRejected(
                400, "`query` must be a non-empty string", "BAD_REQUEST"
            ) from None
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [formatted(e) for e in result.errors]
        if result.data is not None or not result.errors:
            payload["data"] = result.data
        if result.data is not None and request.method == "POST":
            # Parsed and validated: a dealer import document gets a compiled plan.
            self.import_path.learn(query, operation)
        return _respond(payload)


def _respond(payload: dict[str, Any]) -> Response:
    """The HTTP answer to an executed document: 400 when nothing ran because the request was
    refused before execution, 503 (+ Retry-After) when only the database was unavailable."""
    status = 200
    errors = payload.get("errors")
    if errors:
        codes = {e["extensions"]["code"] for e in errors}
        if payload.get("data") is None and codes <= REQUEST_ERROR_CODES | {BAD_USER_INPUT}:
            status = 400
        elif codes == {UNAVAILABLE}:
            # Nothing was written; the client should retry shortly (load balancers and HTTP
            # clients understand 503 + Retry-After).
            status = 503
    response = GatewayJSONResponse(payload, status_code=status)
    if status == 503:
        response.headers["retry-after"] = "1"
    return response


class GatewayJSONResponse(JSONResponse):
    """JSON that can always be sent: text that UTF-8 cannot carry (a lone surrogate echoed
    from somewhere unforeseen) is escaped instead of failing the response with a bare 500."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()


def _json(raw: bytes, what: str) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRejected(400, f"The {what} is not valid UTF-8", "BAD_REQUEST") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise RequestRejected(400, f"The {what} is not valid JSON: {exc}", "BAD_REQUEST") from None


def _user_agent(headers: Headers) -> str | None:
    agent = headers.get("user-agent")
    return agent[:512] if agent else None
