"""Optional LLM summaries through any OpenAI-compatible chat-completions endpoint.

Why so defensive: the endpoint is an outside service (a hosted API or a local model server) that may be
down, slow, rate-limited or return something that is not a summary. Every such case raises
:class:`LLMError` with a short reason, and the caller falls back to the offline extractive summary, so a
summary is always posted. The answer is cleaned (bullets, labels, code fences) and held to the same
sentence and word caps as the extractive summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.summarize.extractive import SummaryOptions, lead_summary
from bot.text.sentences import split_sentences

__all__ = ["LLMConfig", "LLMError", "request_llm_summary"]

MAX_INPUT_CHARS = 12_000  # about 3k tokens: enough for a news article, bounded cost per request
MAX_RESPONSE_BYTES = 1_000_000
TEMPERATURE = 0.2

_LEADING_MARKUP = re.compile(r"^\s*(?:[-*•]+|\d+[.)])\s+")
_LABEL = re.compile(r"^\s*(?:\*\*)?(?:summary|tl;?dr)(?:\*\*)?\s*:\s*", re.IGNORECASE)
_FENCE = re.compile(r"^```\w*\s*|\s*```$")


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask: ``POST {base_url}/chat/completions`` with ``model``, bearer ``api_key``."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0


class LLMError(Exception):
    """The endpoint gave no usable summary; the message says why (never includes the key)."""


async def request_llm_summary(
    session: aiohttp.ClientSession,
    config: LLMConfig,
    text: str,
    title: str | None,
    options: SummaryOptions,
) -> list[str]:
    """Ask the endpoint for a summary and return its sentences within the caps of ``options``."""
    url = config.base_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    payload = {
        "model": config.model,
        "messages": _messages(text, title, options),
        "temperature": TEMPERATURE,
    }
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    try:
        async with session.post(url, json=payload, headers=headers, timeout=timeout) as response:
            if response.status != 200:
                raise LLMError(f"HTTP {response.status}")
            body = await _read_capped(response)
    except TimeoutError as exc:
        raise LLMError(f"timed out after {config.timeout_s:g}s") from exc
    except aiohttp.ClientError as exc:
        raise LLMError(f"request failed: {type(exc).__name__}") from exc
    sentences = lead_summary(split_sentences(_clean(_content(body))), options)
    if not sentences:
        raise LLMError("empty answer")
    return sentences


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise LLMError("response too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _messages(text: str, title: str | None, options: SummaryOptions) -> list[dict[str, str]]:
    low = max(1, min(options.min_sentences, options.max_sentences))
    count = f"{low}-{options.max_sentences}" if low < options.max_sentences else str(options.max_sentences)
    system = (
        f"You summarise news articles for a community chat. Write {count} plain sentences, at most "
        f"{options.max_words} words in total, in the language of the article. State only facts from the "
        "article. No preamble, no list, no markdown."
    )
    article = text if len(text) <= MAX_INPUT_CHARS else text[:MAX_INPUT_CHARS].rsplit(" ", 1)[0]
    user = f"Title: {title}\n\nArticle:\n{article}" if title else f"Article:\n{article}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _content(body: bytes) -> str:
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LLMError("response is not JSON") from exc
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMError("response has no choices[0].message.content") from exc
    if not isinstance(content, str):
        raise LLMError("message content is not text")
    return content


def _clean(content: str) -> str:
    """Strip what chat models wrap answers in: code fences, a "Summary:" label, bullets, outer quotes."""
    text = _FENCE.sub("", content.strip())
    lines = [_LEADING_MARKUP.sub("", _LABEL.sub("", line)).strip() for line in text.splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) >= 2 and text[0] in '"“' and text[-1] in '"”' and text.count('"') <= 2:
        text = text[1:-1].strip()
    return text.replace("**", "")
