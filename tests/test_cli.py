"""The `parley` command as tooling and people use it: a separate process, real files, real server."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.httpserver import LocalServer

REPO = Path(__file__).resolve().parents[1]

ARTICLE = (
    "The Vellmark water board will raise prices by four per cent next year, its chair announced on "
    "Monday.\n\n"
    "\"Nobody likes paying more, but the pipes under this town are older than most of its houses,\" "
    "said Odile Brandt, who chairs the board. \"We either fix them now or pay twice as much later.\"\n\n"
    "The opposition called the rise \"a tax on the thirsty\" and said it would vote against it."
)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


async def parley(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Run:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_") and k != "DISCORD_TOKEN"}
    full_env.update(env or {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args,
        cwd=REPO, env=full_env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), timeout=120)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


@pytest.mark.asyncio
async def test_summarize_jsonl_reports_bad_lines_and_goes_on(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(
        json.dumps({"id": "a", "article": ARTICLE}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "b", "text": "Short. Very short."}) + "\n"
    )
    run = await parley("summarize", "--input", str(data))
    assert run.code == 1
    lines = [json.loads(line) for line in run.out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["summary"].split("\n")[0].startswith("The Vellmark water board")
    assert ":2: invalid JSON" in run.err


@pytest.mark.asyncio
async def test_quotes_extract_prints_the_contract_fields(tmp_path: Path) -> None:
    data = tmp_path / "q.jsonl"
    data.write_text(json.dumps({"id": "w1", "text": ARTICLE}) + "\n")
    run = await parley("quotes", "extract", "--input", str(data))
    assert run.code == 0, run.err
    record = json.loads(run.out)
    assert record["id"] == "w1"
    first = record["quotes"][0]
    assert set(first) == {"text", "speaker", "speaker_mention", "start", "end", "cue", "partial", "named"}
    assert first["speaker"] == "Odile Brandt"
    assert ARTICLE[first["start"]:first["end"]].startswith("Nobody likes paying more")


@pytest.mark.asyncio
async def test_ingest_then_ask_from_the_same_database(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    data = tmp_path / "articles.jsonl"
    data.write_text(json.dumps({"id": "x1", "title": "Water prices to rise", "text": ARTICLE}) + "\n")
    run = await parley("--db", str(db), "ingest", "--input", str(data))
    assert run.code == 0, run.err
    assert "stored x1" in run.out
    again = await parley("--db", str(db), "ingest", "--input", str(data))
    assert "skipped x1" in again.out  # re-ingesting is idempotent

    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": 1, "ask": "who said the pipes are older than the houses?"}) + "\n"
        + json.dumps({"id": 2, "ask": "who said \"NEAR(* -x\" OR ^col:y"}) + "\n"
    )
    run = await parley("--db", str(db), "ask", "--input", str(questions))
    assert run.code == 0, run.err
    answers = [json.loads(line) for line in run.out.splitlines()]
    assert answers[0]["answers"][0]["speaker"] == "Odile Brandt"
    assert answers[0]["answers"][0]["article_title"] == "Water prices to rise"
    assert answers[1]["answers"] == []  # FTS syntax is words, and nothing matches: "I don't know"


@pytest.mark.asyncio
async def test_ingest_feed_seeds_first_then_backfills(tmp_path: Path) -> None:
    async with LocalServer() as server:
        page = (
            "<html><head><title>{t}</title></head>"
            "<body><article><h1>{t}</h1><p>{p}</p></article></body></html>"
        )
        server.page("/a1", page.format(t="Bridge opens", p="The new bridge opened on Monday. " * 5))
        server.page("/a2", page.format(t="Library moves", p="The library moved its books on Tuesday. " * 5))
        items = "".join(
            f"<item><title>{t}</title><link>{server.url(p)}</link><guid>{p}</guid></item>"
            for t, p in (("Library moves", "/a2"), ("Bridge opens", "/a1"))
        )
        server.page("/feed.xml", f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>",
                    content_type="application/rss+xml")
        env = {"PARLEY_FETCH_ALLOW_PRIVATE": "true"}
        feed = server.url("/feed.xml")
        seeded_db = str(tmp_path / "seeded.db")
        first = await parley("--db", seeded_db, "ingest", "--feed", feed, env=env)
        assert first.code == 0, first.err
        assert "feed added" in first.out
        assert server.hits("/a1") == server.hits("/a2") == 0  # first poll: marked seen, nothing fetched

        db = str(tmp_path / "backfill.db")
        run = await parley("--db", db, "ingest", "--feed", feed, "--backfill", "2", env=env)
        assert run.code == 0, run.err
        stored = [line for line in run.out.splitlines() if line.startswith("stored")]
        # Both entries come in, oldest (last in the feed) first.
        assert [line.split()[1] for line in stored] == [server.url("/a1") + ":", server.url("/a2") + ":"]
        again = await parley("--db", db, "ingest", "--feed", feed, env=env)
        assert again.code == 0 and not [ln for ln in again.out.splitlines() if ln.startswith("stored")]


@pytest.mark.asyncio
async def test_private_address_is_refused_by_default(tmp_path: Path) -> None:
    run = await parley("--db", str(tmp_path / "x.db"), "ingest", "--url", "http://127.0.0.1:9/story")
    assert run.code == 1
    assert "Traceback" not in run.err
    assert "private" in run.err or "own machine" in run.err


@pytest.mark.asyncio
async def test_bad_config_and_unknown_command_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\nmax_bytes = 'many'\n")
    run = await parley("--config", str(bad), "db", "info")
    assert run.code == 2
    assert run.err.strip().count("\n") == 0 and "fetch.max_bytes" in run.err
    run = await parley("frobnicate")
    assert run.code == 2 and "invalid choice" in run.err and "Traceback" not in run.err


@pytest.mark.asyncio
async def test_demo_runs_offline_and_prints_posts_quotes_and_answers() -> None:
    run = await parley("demo")
    assert run.code == 0, run.err
    assert "Lindmoor council approves new harbour bridge" in run.out
    assert "People quoted:" in run.out
    assert "Tomas Verhoeven" in run.out
    assert "Questions" in run.out
    assert "I don't know" not in run.out.split("Questions", 1)[1].split("\n")[2]


@pytest.mark.asyncio
async def test_comments_export_prints_the_tree(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.comments import CommentService, IncomingMessage
    from bot.store.articles import ArticleRepo, NewArticle
    from bot.store.db import Database
    from bot.store.threads import ThreadRepo

    path = tmp_path / "c.db"
    async with Database.connect(path) as db:
        article_id = await ArticleRepo(db).insert(
            NewArticle(guild_id=0, title="Bridge vote", text="t", content_hash="h"), ("t",), "extractive"
        )
        threads = ThreadRepo(db)
        await threads.add(guild_id=0, thread_id=500, article_id=article_id, channel_id=1,
                          starter_message_id=499)
        service = CommentService(db, threads=threads)
        when = datetime(2026, 11, 1, tzinfo=UTC)
        await service.store(IncomingMessage(501, 0, 500, 7, "ana", "Great news", (), when))
        await service.store(IncomingMessage(502, 0, 500, 8, "bo", "I disagree", (), when, parent_id=501))
        await service.close()
    run = await parley("--db", str(path), "comments", "export", str(article_id))
    assert run.code == 0, run.err
    tree = json.loads(run.out)
    assert tree["article"]["title"] == "Bridge vote"
    [root] = tree["comments"]
    assert root["content"] == "Great news"
    assert [reply["content"] for reply in root["replies"]] == ["I disagree"]
    missing = await parley("--db", str(path), "comments", "export", "999")
    assert missing.code == 1 and "no article 999" in missing.err
