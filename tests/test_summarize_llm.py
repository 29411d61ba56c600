"""LLM backend against a real local chat-completions server: success, and every failure falls back."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from bot.summarize import LLMConfig, Summarizer, SummaryOptions, summarize_extractive
from bot.summarize.extractive import count_words
from tests.httpserver import LocalServer

ARTICLE = (
    "The Calder River reached a record 8.4 meters on Tuesday, forcing the evacuation of 12,000 residents "
    "from Riverton. Emergency crews rescued 140 people from rooftops and cars overnight. "
    '"We have never seen water like this," Mayor Tom Brandt said. '
    "Officials estimated flood damage at $45.5 million. "
    "Forecasters expect the river to fall below flood stage by Friday."
)
TITLE = "Calder River floods Riverton"
PATH = "/v1/chat/completions"


def completion(content: Any) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


class ChatServer:
    """Records what the client sent and answers with whatever the test sets."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.raw: bytes | None = None
        self.answer: Any = completion("The river hit a record level. Thousands were evacuated.")
        self.delay_s = 0.0
        server.route(PATH, self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url("/v1")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.bodies.append(await request.json())
        self.headers.append(dict(request.headers))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.raw is not None:
            return web.Response(status=self.status, body=self.raw, content_type="application/json")
        return web.json_response(self.answer, status=self.status)


@pytest_asyncio.fixture
async def chat() -> AsyncIterator[ChatServer]:
    async with LocalServer() as server:
        yield ChatServer(server)


def extractive() -> tuple[str, ...]:
    return tuple(summarize_extractive(ARTICLE, SummaryOptions(), TITLE))


@pytest.mark.asyncio
async def test_llm_summary_is_used_and_request_has_the_chat_completions_shape(chat: ChatServer) -> None:
    config = LLMConfig(base_url=chat.base_url, model="tiny-news", api_key="sk-test-123", timeout_s=5)
    summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE, TITLE)
    assert summary.method == "llm"
    assert summary.sentences == ("The river hit a record level.", "Thousands were evacuated.")
    body = chat.bodies[0]
    assert body["model"] == "tiny-news"
    assert isinstance(body["temperature"], float)
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user"]
    assert "60 words" in body["messages"][0]["content"]
    assert TITLE in body["messages"][1]["content"]
    assert "8.4 meters" in body["messages"][1]["content"]
    assert chat.headers[0]["Authorization"] == "Bearer sk-test-123"


@pytest.mark.asyncio
async def test_no_authorization_header_without_a_key(chat: ChatServer) -> None:
    config = LLMConfig(base_url=chat.base_url + "/", model="local", timeout_s=5)
    summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE)
    assert summary.method == "llm"
    assert "Authorization" not in chat.headers[0]


@pytest.mark.asyncio
async def test_a_shared_session_is_used_and_left_open(chat: ChatServer) -> None:
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    async with aiohttp.ClientSession() as session:
        summarizer = Summarizer(SummaryOptions(), config, session)
        first = await summarizer.summarize(ARTICLE)
        second = await summarizer.summarize(ARTICLE)
        assert not session.closed
    assert first.method == second.method == "llm"
    assert len(chat.bodies) == 2


@pytest.mark.asyncio
async def test_answer_markup_is_cleaned_and_capped(chat: ChatServer) -> None:
    chat.answer = completion(
        "Summary:\n- The river hit a record level on Tuesday.\n- Thousands were evacuated.\n"
        "- Crews rescued 140 people.\n- Damage was put at $45.5 million."
    )
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    summary = await Summarizer(SummaryOptions(max_words=60, max_sentences=3), config).summarize(ARTICLE)
    assert summary.method == "llm"
    assert summary.sentences == (
        "The river hit a record level on Tuesday.",
        "Thousands were evacuated.",
        "Crews rescued 140 people.",
    )


@pytest.mark.asyncio
async def test_overlong_answer_is_held_to_the_word_cap(chat: ChatServer) -> None:
    chat.answer = completion(" ".join(["flood"] * 200) + ".")
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    summary = await Summarizer(SummaryOptions(max_words=30), config).summarize(ARTICLE)
    assert summary.method == "llm"
    assert len(summary.sentences) == 1
    assert count_words(summary.sentences[0]) == 30
    assert summary.sentences[0].endswith("…")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "raw", "answer", "reason"),
    [
        (500, None, {"error": "boom"}, "HTTP 500"),
        (429, None, {"error": "rate limited"}, "HTTP 429"),
        (200, b"<html>not json</html>", None, "not JSON"),
        (200, None, {"result": "no choices here"}, "no choices"),
        (200, None, completion(None), "not text"),
        (200, None, completion("   "), "empty answer"),
        (200, None, {"choices": []}, "no choices"),
    ],
)
async def test_failures_fall_back_to_the_extractive_summary(
    chat: ChatServer,
    caplog: pytest.LogCaptureFixture,
    status: int,
    raw: bytes | None,
    answer: Any,
    reason: str,
) -> None:
    chat.status, chat.raw, chat.answer = status, raw, answer
    config = LLMConfig(base_url=chat.base_url, model="local", api_key="sk-secret-999", timeout_s=5)
    with caplog.at_level(logging.WARNING, logger="bot.summarize.summarizer"):
        summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE, TITLE)
    assert summary.method == "llm-fallback"
    assert summary.sentences == extractive()
    assert len(chat.bodies) == 1
    assert reason in caplog.text
    assert "sk-secret-999" not in caplog.text


@pytest.mark.asyncio
async def test_timeout_falls_back(chat: ChatServer, caplog: pytest.LogCaptureFixture) -> None:
    chat.delay_s = 2.0
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with caplog.at_level(logging.WARNING, logger="bot.summarize.summarizer"):
        summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE, TITLE)
    assert loop.time() - started < 1.5
    assert summary.method == "llm-fallback"
    assert summary.sentences == extractive()
    assert "timed out" in caplog.text


@pytest.mark.asyncio
async def test_unreachable_server_falls_back() -> None:
    async with LocalServer() as server:
        base_url = server.url("/v1")
    # The server is closed now: the port refuses connections.
    config = LLMConfig(base_url=base_url, model="local", timeout_s=2)
    summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE, TITLE)
    assert summary.method == "llm-fallback"
    assert summary.sentences == extractive()


@pytest.mark.asyncio
async def test_oversized_response_falls_back(chat: ChatServer) -> None:
    chat.raw = json.dumps(completion("x " * 600_000)).encode()
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    summary = await Summarizer(SummaryOptions(), config).summarize(ARTICLE)
    assert summary.method == "llm-fallback"


@pytest.mark.asyncio
async def test_without_llm_config_no_request_is_made(chat: ChatServer) -> None:
    summary = await Summarizer(SummaryOptions()).summarize(ARTICLE, TITLE)
    assert summary.method == "extractive"
    assert summary.sentences == extractive()
    assert chat.bodies == []


@pytest.mark.asyncio
async def test_empty_text_is_not_sent_to_the_llm(chat: ChatServer) -> None:
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    summary = await Summarizer(SummaryOptions(), config).summarize("   ")
    assert summary.sentences == ()
    assert chat.bodies == []


@pytest.mark.asyncio
async def test_long_article_is_cut_before_sending(chat: ChatServer) -> None:
    config = LLMConfig(base_url=chat.base_url, model="local", timeout_s=5)
    long_text = ARTICLE + " " + "The council met again to discuss the repairs. " * 2000
    await Summarizer(SummaryOptions(), config).summarize(long_text)
    sent = chat.bodies[0]["messages"][1]["content"]
    assert len(sent) < 13_000
    assert "8.4 meters" in sent
