"""Declare an API operation once: its route, its schemas, its errors, and its OpenAPI entry.

`@operation(...)` registers a Flask route on the API blueprint that authenticates the
bearer token, parses and validates the JSON body and the query string with pydantic,
calls the view with typed models, and turns domain errors into the SPEC error shape.
The same declarations feed `openapi_document()`, so the document cannot drift from code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from app.accounts import tokens
from app.api.errors import json_error
from app.api.schemas import ErrorResponse
from app.backoffice import admin_tokens
from app.core.errors import DomainError
from app.models.users import User

ERROR_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, or NUL characters in any field",
    401: "Missing, invalid or expired credentials",
    403: "The account is disabled",
    404: "Not found (or not yours)",
    409: "Conflict: stock, balance, state or a reused Idempotency-Key",
    413: "Too large: over 1 MiB or too many records",
    415: "The body is not JSON",
    422: "Validation failed; details name the fields",
    429: "Too many requests; see Retry-After",
    503: "Busy: too many open streams on this server; see Retry-After",
}


@dataclass
class Operation:
    method: str
    path: str
    endpoint: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | None]
    errors: tuple[int, ...]
    auth: bool
    idempotent: bool = False
    tags: list[str] = field(default_factory=list)
    admin_scope: str | None = None
    # A text/event-stream answer: what its events are.
    stream: str | None = None


REGISTRY: list[Operation] = []


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    details = []
    for error in exc.errors(include_url=False, include_input=False):
        location = [str(part) for part in error.get("loc", ())]
        details.append(
            {"field": ".".join(location) or None, "message": error["msg"], "type": error["type"]}
        )
    return details


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


def _bearer_user() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer <access token>'.")
    return tokens.user_for_access_token(token.strip())


def _admin_token(scope: str) -> None:
    """Authenticate an admin personal access token (`fka_…`) for an admin operation."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer <admin API token>'.")
    if not admin_tokens.looks_like_admin_token(token):
        # A valid member access token is a known caller without the right: 403, else 401.
        tokens.user_for_access_token(token)
        raise ApiError(
            403,
            "forbidden",
            "The admin API takes an admin's personal access token (fka_…), "
            "not a member access token.",
        )
    identity = admin_tokens.authenticate(token, ip_address=request.remote_addr)
    g.api_user = identity.admin
    g.admin_token_name = identity.name
    if scope == "write" and identity.scope != "write":
        raise ApiError(
            403, "insufficient_scope", "This token is read-only; use a token with write scope."
        )
    if scope == "read":
        admin_tokens.record_api_read(identity, request.endpoint or "", request.full_path)


def parse_json_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()) or not raw.strip():
            raise ApiError(400, "malformed_json", "The body is not valid JSON.") from None
        if any(e["type"] == "model_type" and not e["loc"] for e in exc.errors()):
            raise ApiError(422, "validation_error", "The body must be a JSON object.") from None
        raise ApiError(
            422, "validation_error", "Some fields are not valid.", validation_details(exc)
        ) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(
            422,
            "validation_error",
            "Some query parameters are not valid.",
            validation_details(exc),
        ) from None


def operation(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    responses: dict[int, type[BaseModel] | None],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    auth: bool = True,
    idempotent: bool = False,
    tags: list[str] | None = None,
    before_body: Callable[[], None] | None = None,
    admin_scope: str | None = None,
    stream: str | None = None,
) -> Callable:
    """`admin_scope` ("read" or "write") makes it an admin API operation: it takes an admin
    personal access token instead of a member's access token."""
    if admin_scope not in (None, "read", "write"):
        raise ValueError(f"admin_scope must be read or write, not {admin_scope!r}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def handler(**path_args: Any) -> Response | tuple[Response, int]:
            try:
                if admin_scope is not None:
                    _admin_token(admin_scope)
                elif auth:
                    g.api_user = _bearer_user()
                kwargs: dict[str, Any] = dict(path_args)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                if before_body is not None:
                    before_body()
                if body is not None:
                    kwargs["body"] = parse_json_body(body)
                return view(**kwargs)
            except ApiError as exc:
                return json_error(exc.status, exc.code, exc.message, exc.details)
            except DomainError as exc:
                return json_error(exc.status, exc.code, exc.message, exc.details)

        bp.add_url_rule(path, endpoint=view.__name__, view_func=handler, methods=[method])
        # 400: malformed JSON, or NUL characters anywhere (app/request_guards.py).
        all_errors = set(errors) | {400}
        if body is not None or query is not None:
            all_errors |= {422}
        if body is not None:
            all_errors |= {413, 415}
        if auth or admin_scope is not None:
            all_errors |= {401, 403}
        REGISTRY.append(
            Operation(
                method=method.lower(),
                path=path,
                endpoint=view.__name__,
                summary=summary,
                body=body,
                query=query,
                responses=responses,
                errors=tuple(sorted(all_errors)),
                auth=auth,
                idempotent=idempotent,
                tags=tags or [],
                admin_scope=admin_scope,
                stream=stream,
            )
        )
        return handler

    return decorate


def reply(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    """Serialise through the response schema, so answers always match the document."""
    return jsonify(model.model_dump(mode="json")), status


# --- the OpenAPI document ------------------------------------------------------------------

_FLASK_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")


def openapi_document(prefix: str) -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorResponse}
    for op in REGISTRY:
        if op.body:
            models.add(op.body)
        models.update(m for m in op.responses.values() if m is not None)
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (m, "validation" if _is_input(m) else "serialization") for m in models
    ]
    refs, definitions = models_json_schema(modes, ref_template="#/components/schemas/{model}")
    components = definitions.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return refs[(model, "validation" if _is_input(model) else "serialization")]

    paths: dict[str, dict[str, Any]] = {}
    for op in REGISTRY:
        path = prefix + _FLASK_PARAM.sub(r"{\1}", op.path)
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": op.tags,
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _FLASK_PARAM.findall(op.path)
            ],
            "responses": {},
        }
        if op.query is not None:
            schema = op.query.model_json_schema(by_alias=True)
            for name, prop in schema.get("properties", {}).items():
                entry["parameters"].append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in schema.get("required", []),
                        "schema": prop,
                    }
                )
        if op.idempotent:
            entry["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": "Same key + same body replays the first answer; "
                    "same key + another body is a 409.",
                }
            )
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        for status, model in op.responses.items():
            response: dict[str, Any] = {"description": "Success"}
            if model is not None:
                response["content"] = {"application/json": {"schema": ref(model)}}
            elif op.stream is not None:
                response["description"] = op.stream
                response["content"] = {"text/event-stream": {"schema": {"type": "string"}}}
            entry["responses"][str(status)] = response
        for status in op.errors:
            entry["responses"][str(status)] = {
                "description": ERROR_DESCRIPTIONS.get(status, "Error"),
                "content": {"application/json": {"schema": ref(ErrorResponse)}},
            }
        if op.admin_scope is not None:
            entry["security"] = [{"adminToken": []}]
            entry["x-token-scope"] = op.admin_scope
        elif op.auth:
            entry["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FitKart phone API",
            "version": "1.0.0",
            "description": "Sync steps, read coins and the catalogue, place orders.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "fka_ personal access token",
                    "description": "Created by an admin at /admin/tokens; read or write scope.",
                },
            },
        },
    }


def _is_input(model: type[BaseModel]) -> bool:
    from app.api.schemas import In

    return issubclass(model, In)
