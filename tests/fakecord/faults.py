"""HTTP fault injection: "the next N requests on this route fail like this".

A route is a method plus a path pattern relative to the API base. Pattern segments that are `*` or
`{anything}` match any one path segment, so discord.py's own route templates work as patterns:
``fail_next("POST", "/channels/{channel_id}/messages")``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from aiohttp import web

from .errors import json_response


def path_matches(pattern: str, path: str) -> bool:
    want = pattern.strip("/").split("/")
    got = path.strip("/").split("/")
    if len(want) != len(got):
        return False
    return all(
        w == "*" or (w.startswith("{") and w.endswith("}")) or w == g for w, g in zip(want, got, strict=True)
    )


@dataclass(frozen=True)
class FaultRule:
    """One injected failure mode. `after_processing` runs the request for real and then loses the
    response (the case a client's nonce exists for)."""

    method: str
    pattern: str
    status: int = 429
    retry_after: float = 0.05
    is_global: bool = False
    code: int = 0
    message: str | None = None
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.method.upper() in (method.upper(), "*") and path_matches(self.pattern, path)

    def response(self) -> web.Response:
        if self.status == 429:
            body = {
                "message": self.message or "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
            }
            reset_after = f"{self.retry_after:.3f}"
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, math.ceil(self.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
                "X-RateLimit-Reset-After": reset_after,
                "X-RateLimit-Bucket": "fakecord-fault",
                "X-RateLimit-Scope": "shared" if not self.is_global else "global",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return json_response(body, status=429, headers=headers)
        return json_response(
            {"message": self.message or f"{self.status}: fakecord fault", "code": self.code},
            status=self.status,
        )


class Faults:
    """Pending HTTP faults, each with a remaining count (None: until cleared)."""

    def __init__(self) -> None:
        self._rules: list[tuple[FaultRule, list[int | None]]] = []

    def add(self, rule: FaultRule, count: int | None = 1) -> None:
        self._rules.append((rule, [count]))

    def clear(self) -> None:
        self._rules.clear()

    def take(self, method: str, path: str) -> FaultRule | None:
        """The first matching rule, consuming one use of it."""
        for index, (rule, remaining) in enumerate(self._rules):
            if not rule.matches(method, path):
                continue
            left = remaining[0]
            if left is not None:
                remaining[0] = left - 1
                if left - 1 <= 0:
                    del self._rules[index]
            return rule
        return None

    def pending(self) -> int:
        return len(self._rules)
