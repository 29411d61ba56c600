"""Main-text extraction on made-up pages: metadata, canonical URL rules, paragraphs, hostile input."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.news.extract import (
    ExtractionError,
    extract_article,
    extract_article_async,
    fetch_article,
    load_article,
)
from bot.news.fetch import AddressPolicy, Fetcher, InvalidURL
from bot.settings import FetchSettings
from tests.httpserver import LocalServer, StaticResolver

P1 = "The harbour council met on Monday evening to discuss the new ferry timetable for the winter season."
P2 = '"We need more boats, not fewer," said Mira Dune, who runs the bakery next to the pier.'
P3 = "Officials said a final decision on the timetable would be taken before the end of the month."


def page(
    *,
    head: str = "",
    body: str | None = None,
    lang: str | None = "en-GB",
    title: str = "Ferry timetable row | Harbour Gazette",
) -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    if body is None:
        body = f"<article><h1>Ferry timetable row</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>"
    return (
        f"<!DOCTYPE html><html{lang_attr}><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/sport'>Sport</a></nav>{body}"
        "<footer>Copyright Harbour Gazette</footer></body></html>"
    )


FULL_HEAD = (
    '<link rel="canonical" href="https://www.harbour-gazette.example/news/ferry-row?utm_campaign=rss">'
    '<meta property="og:site_name" content="Harbour Gazette">'
    '<meta name="author" content="Ann Quill">'
    '<meta property="article:published_time" content="2024-03-05T18:30:00+01:00">'
)


# Metadata --------------------------------------------------------------------------------------


def test_article_text_and_metadata() -> None:
    article = extract_article(page(head=FULL_HEAD), "https://harbour-gazette.example/news/ferry-row?fbclid=1")
    assert article.title == "Ferry timetable row"
    assert article.paragraphs == (P1, P2, P3)
    assert article.text == f"{P1}\n\n{P2}\n\n{P3}"
    assert article.author == "Ann Quill"
    assert article.site_name == "Harbour Gazette"
    assert article.published == "2024-03-05T18:30:00+01:00"
    assert article.language == "en"
    assert article.url == "https://harbour-gazette.example/news/ferry-row?fbclid=1"
    # canonical on the same site (www. sub-domain) is trusted, and normalised
    assert article.canonical_url == "https://www.harbour-gazette.example/news/ferry-row"


def test_canonical_on_another_site_is_ignored_for_the_final_url() -> None:
    head = '<link rel="canonical" href="https://rival.example/stolen-story">'
    article = extract_article(page(head=head), "https://Harbour-Gazette.example/a?utm_source=x&id=7#c")
    assert article.canonical_url == "https://harbour-gazette.example/a?id=7"


def test_relative_canonical_and_og_url_fallback() -> None:
    rel = extract_article(page(head='<link rel="canonical" href="/news/ferry">'), "https://gazette.example/x")
    assert rel.canonical_url == "https://gazette.example/news/ferry"
    og = extract_article(
        page(head='<meta property="og:url" content="https://m.gazette.example/news/ferry#top">'),
        "https://gazette.example/x",
    )
    assert og.canonical_url == "https://m.gazette.example/news/ferry"


def test_without_a_url_the_page_canonical_is_used_when_it_is_http() -> None:
    article = extract_article(page(head='<link rel="canonical" href="https://gazette.example/n/1">'))
    assert article.canonical_url == "https://gazette.example/n/1"
    assert article.url is None
    bad = extract_article(page(head='<link rel="canonical" href="javascript:void(0)">'))
    assert bad.canonical_url is None


def test_published_from_json_ld_and_language_from_locale() -> None:
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [{"@type": "NewsArticle", "datePublished": "2023-11-02T07:15:00Z"}],
        }
    )
    head = f'<script type="application/ld+json">{ld}</script><meta property="og:locale" content="pt_BR">'
    article = extract_article(page(head=head, lang=None), "https://gazette.example/x")
    assert article.published == "2023-11-02T07:15:00+00:00"
    assert article.language == "pt"


def test_date_only_metadata_stays_a_date() -> None:
    head = '<meta name="pubdate" content="2022-07-14">'
    assert extract_article(page(head=head), "https://gazette.example/x").published == "2022-07-14"


# Paragraphs ------------------------------------------------------------------------------------


def test_headline_repeated_in_body_and_subheadings_are_not_paragraphs() -> None:
    body = (
        "<article><h1>Ferry timetable row</h1><p>Ferry timetable row</p>"
        f"<p>{P1}</p><h2>What next</h2><p>{P3}</p></article>"
    )
    article = extract_article(page(body=body), "https://gazette.example/x")
    assert article.paragraphs == (P1, P3)


def test_line_break_separated_text_becomes_paragraphs() -> None:
    body = f"<div class='post-body'>{P1}<br><br>{P2}<br/><br/>{P3}</div>"
    article = extract_article(page(body=body), "https://gazette.example/x")
    assert article.paragraphs == (P1, P2, P3)


def test_block_quote_paragraphs_and_list_items_are_kept_separately() -> None:
    body = (
        f"<article><p>{P1}</p><blockquote><p>{P2}</p><p>We will keep asking until they listen.</p>"
        "</blockquote><ul><li>Boats leave at seven in the morning.</li><li>Boats return at nine.</li></ul>"
        f"<p>{P3}</p></article>"
    )
    article = extract_article(page(body=body), "https://gazette.example/x")
    assert article.paragraphs == (
        P1,
        P2,
        "We will keep asking until they listen.",
        "Boats leave at seven in the morning.",
        "Boats return at nine.",
        P3,
    )


def test_inline_markup_keeps_words_in_order_and_spacing_clean() -> None:
    body = (
        "<article><p>The   council <b>voted</b> on <a href='/x'>the <i>new</i> plan</a>\n today.</p>"
        f"<p>{P1}</p></article>"
    )
    article = extract_article(page(body=body), "https://gazette.example/x")
    assert article.paragraphs[0] == "The council voted on the new plan today."


# Failures and hostile input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        "",
        "   ",
        page(body="<nav><ul><li><a href='/a'>World</a></li><li><a href='/b'>Sport</a></li></ul></nav>"),
        page(body="<article><p>Subscribe to read.</p></article>"),
    ],
)
def test_page_without_main_text_raises_a_clear_error(doc: str) -> None:
    with pytest.raises(ExtractionError, match=r"empty|no article text"):
        extract_article(doc, "https://gazette.example/front")


def test_non_utf8_bytes_are_decoded_from_the_declared_charset() -> None:
    text = (
        "Le conseil du port a voté lundi soir le nouvel horaire des ferries pour la saison d'hiver, "
        "très attendu."
    )
    doc = (
        "<html lang='fr'><head><meta charset='iso-8859-1'><title>Ferries</title></head>"
        f"<body><article><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode("latin-1")
    article = extract_article(doc, "https://gazette.example/fr")
    assert article.paragraphs[0] == text
    assert article.language == "fr"


def test_binary_data_is_refused() -> None:
    rng = random.Random(4)
    blob = bytes(rng.getrandbits(8) for _ in range(100_000)) + b"\x00" * 64
    with pytest.raises(ExtractionError, match=r"binary|no article text|could not be read"):
        extract_article(blob)


def test_deep_nesting_gives_a_result_or_a_clear_error() -> None:
    doc = "<html><body>" + "<div>" * 50_000 + f"<p>{P1}</p><p>{P2}</p>" + "</div>" * 50_000 + "</body></html>"
    try:
        article = extract_article(doc, "https://gazette.example/deep")
    except ExtractionError as exc:
        assert str(exc)
    else:
        assert P1 in article.text


def test_megabytes_of_junk_give_a_clear_error() -> None:
    rng = random.Random(7)
    junk = "".join(rng.choices("abc <>/&;\"'=div p", k=5_000_000))
    with pytest.raises(ExtractionError):
        extract_article(junk)


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(ExtractionError, match="larger than"):
        extract_article("<p>" + "a" * 11_000_000 + "</p>")


@pytest.mark.asyncio
async def test_async_variant_runs_in_a_thread() -> None:
    article = await extract_article_async(page(head=FULL_HEAD), "https://harbour-gazette.example/n")
    assert article.paragraphs == (P1, P2, P3)


# Sources: files and URLs -----------------------------------------------------------------------


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalServer]:
    async with LocalServer() as srv:
        yield srv


def fetcher_for(server: LocalServer, **settings: object) -> Fetcher:
    return Fetcher(
        FetchSettings(**settings),  # type: ignore[arg-type]
        policy=AddressPolicy(allowed_endpoints=frozenset({server.endpoint})),
        resolver=StaticResolver(),
    )


@pytest.mark.asyncio
async def test_load_article_from_a_local_file(tmp_path: Path, server: LocalServer) -> None:
    path = tmp_path / "story.html"
    path.write_text(page(head=FULL_HEAD), encoding="utf-8")
    async with fetcher_for(server) as fetcher:
        by_path = await load_article(str(path), fetcher)
        by_uri = await load_article(path.as_uri(), fetcher)
    assert by_path.paragraphs == (P1, P2, P3)
    assert by_path.url is None
    assert by_path.canonical_url == "https://www.harbour-gazette.example/news/ferry-row"
    assert by_uri == by_path
    assert server.requests == []


@pytest.mark.asyncio
async def test_load_article_file_errors(tmp_path: Path, server: LocalServer) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * 3000 + b"</p>")
    async with fetcher_for(server, max_bytes=2048) as fetcher:
        with pytest.raises(ExtractionError, match="there is no file"):
            await load_article(str(tmp_path / "missing.html"), fetcher)
        with pytest.raises(ExtractionError, match="folder"):
            await load_article(str(tmp_path), fetcher)
        with pytest.raises(ExtractionError, match="larger than"):
            await load_article(str(big), fetcher)


@pytest.mark.asyncio
async def test_load_article_from_a_url_uses_the_final_url(server: LocalServer) -> None:
    server.page("/news/ferry-row", page(head='<link rel="canonical" href="/news/ferry-row">'))
    start = server.redirect("/r", "/news/ferry-row?utm_medium=social")
    async with fetcher_for(server) as fetcher:
        article = await load_article(start, fetcher)
        with pytest.raises(InvalidURL):
            await load_article("ftp://gazette.example/story.html", fetcher)
    assert article.paragraphs == (P1, P2, P3)
    assert article.url == server.url("/news/ferry-row?utm_medium=social")
    assert article.canonical_url == server.url("/news/ferry-row")


@pytest.mark.asyncio
async def test_fetch_article_refuses_a_feed(server: LocalServer) -> None:
    url = server.page(
        "/rss", "<?xml version='1.0'?><rss version='2.0'></rss>", content_type="application/rss+xml"
    )
    async with fetcher_for(server) as fetcher:
        with pytest.raises(ExtractionError, match="not a web page"):
            await fetch_article(url, fetcher)


@pytest.mark.asyncio
async def test_fetched_page_without_declared_charset_is_detected(server: LocalServer) -> None:
    text = (
        "Le café du port a fermé ses portes après quarante ans, a annoncé la mairie lundi matin, très émue."
    )
    body = (
        f"<html><head><title>Café</title></head><body><article><p>{text}</p><p>{text}</p></article>"
        "</body></html>"
    )
    url = server.page("/cafe", body.encode("utf-8"), content_type="text/html")
    async with fetcher_for(server) as fetcher:
        article = await fetch_article(url, fetcher)
    assert article.paragraphs[0] == text
