"""Discord-shaped errors and JSON responses.

discord.py decodes a body as JSON only when Content-Type is exactly ``application/json`` (no charset
parameter), so every response is built here rather than with ``web.json_response``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

# Discord JSON error codes used by the fake (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN = 0
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
UNKNOWN_WEBHOOK = 10015
UNKNOWN_COMMAND = 10063
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060
EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
MISSING_PERMISSIONS = 50013
WRONG_CHANNEL_TYPE = 50024
TOO_OLD_TO_BULK_DELETE = 50034
INVALID_FORM_BODY = 50035
THREAD_LOCKED = 50083
THREAD_ALREADY_CREATED = 160004


class ApiError(Exception):
    """An error the REST API answers with: HTTP status plus Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = dict(errors) if errors else None

    def body(self) -> JSON:
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def form_error(field: str, message: str, code: str = "BASE_TYPE_INVALID") -> ApiError:
    """Discord's 50035 "Invalid Form Body" with one field error (the nested errors shape is flattened)."""
    return ApiError(
        400,
        INVALID_FORM_BODY,
        "Invalid Form Body",
        {field: {"_errors": [{"code": code, "message": message}]}},
    )


def not_found(code: int, what: str) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    all_headers = {"Content-Type": "application/json"}
    if headers:
        all_headers.update(headers)
    return web.Response(body=json.dumps(data).encode(), status=status, headers=all_headers)
