"""Main text and metadata of a news page, as an `Article`.

trafilatura finds the article body; the metadata it is weakest at for our purposes is read here from
the page head: the canonical URL (the first dedupe key, so it must be trustworthy: a page may only
claim a canonical URL on its own site), the full publication timestamp (trafilatura keeps only the
day) and the language (`<html lang>`, which needs no language-detection model).

Pages come from anywhere, so input is bounded (`MAX_HTML_BYTES`), parsing never recurses without a
limit (lxml caps nesting depth), and every way a page can fail ends in `ExtractionError` with a
sentence a member can act on. Extraction is CPU work: async callers use `extract_article_async`,
which runs it in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml_html_clean  # noqa: F401  (trafilatura needs it; importing here fails early and clearly)
import trafilatura
from lxml import etree, html
from trafilatura.settings import set_date_params

from bot.news.fetch import ACCEPT_HTML, Fetcher
from bot.news.model import Article
from bot.news.urls import URLError, check_url, host_of, normalize_url, same_site

log = logging.getLogger(__name__)

MAX_HTML_BYTES = 10_000_000
_FAST_ABOVE_BYTES = 1_000_000
_MIN_TEXT_CHARS = 80  # less than a couple of sentences is a teaser or an error page, not an article

# Block elements of trafilatura's output tree that hold running text.
_TEXT_BLOCKS = frozenset({"p", "quote", "item", "code"})
_SKIPPED_BLOCKS = frozenset({"head", "table", "graphic", "fw", "note"})
_SPACES = re.compile(r"\s+")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters or more: not a drive letter
_LANG = re.compile(r"^[A-Za-z]{2,3}(?=$|[-_])")

_PUBLISHED_META = (
    ("property", "article:published_time"),
    ("property", "og:article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "parsely-pub-date"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "publish-date"),
    ("name", "dc.date.issued"),
    ("name", "dcterms.issued"),
    ("name", "sailthru.date"),
)


class ExtractionError(Exception):
    """No article could be read from a page; `str(error)` says why in words a member understands."""


# Public API ------------------------------------------------------------------------------------


def extract_article(html_doc: str | bytes, url: str | None = None) -> Article:
    """The article in an HTML document. `url` is where it was fetched from (the final URL after
    redirects), used to resolve relative links and to judge the page's canonical URL; bytes are
    decoded from the page's declared charset (else detected)."""
    size = len(html_doc.encode("utf-8", errors="ignore") if isinstance(html_doc, str) else html_doc)
    if size == 0 or not html_doc.strip():
        raise ExtractionError("the page is empty")
    if size > MAX_HTML_BYTES:
        raise ExtractionError(
            f"the page is larger than {MAX_HTML_BYTES // 1_000_000} MB; Parley does not read it"
        )
    sample = html_doc[:2048] if isinstance(html_doc, bytes) else html_doc[:2048].encode("utf-8", "ignore")
    if sample.count(b"\x00") > 8:
        raise ExtractionError("that is not an HTML page (it looks like binary data)")

    tree = _parse(html_doc)
    meta = _page_metadata(tree, url)
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            # Big pages skip trafilatura's second-opinion extractors: they triple the time and
            # matter least where there is plenty of text.
            fast=size > _FAST_ABOVE_BYTES,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
            # Dates come from the page's metadata (here and in htmldate's quick pass); htmldate's
            # extensive search through the running text costs more than the whole extraction.
            date_extraction_params=set_date_params(extensive=False),
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        log.info("trafilatura failed on %s: %r", url or "a local page", exc)
        document = None
    paragraphs = _paragraphs(document) if document is not None else []
    title = _clean(getattr(document, "title", None) or meta.get("title") or "")
    paragraphs = _drop_repeats(paragraphs, title)
    if sum(len(p) for p in paragraphs) < _MIN_TEXT_CHARS:
        raise ExtractionError(
            "no article text found on that page; it may be a front page, a video or gallery, "
            "or a page that needs JavaScript or a subscription"
        )
    return Article(
        title=title,
        paragraphs=tuple(paragraphs),
        url=url,
        canonical_url=meta.get("canonical_url"),
        published=meta.get("published") or _date_text(getattr(document, "date", None)),
        author=_clean(getattr(document, "author", None) or "") or None,
        site_name=_clean(getattr(document, "sitename", None) or "")
        or meta.get("site_name")
        or host_of(url or "")
        or None,
        language=meta.get("language") or _language(getattr(document, "language", None)),
    )


async def extract_article_async(html_doc: str | bytes, url: str | None = None) -> Article:
    """`extract_article` in a worker thread, so a long page does not stall the event loop."""
    return await asyncio.to_thread(extract_article, html_doc, url)


async def fetch_article(url: str, fetcher: Fetcher) -> Article:
    """Fetch a URL (with all of the fetcher's safety checks) and extract its article.

    Raises `FetchError` subclasses for fetch failures and `ExtractionError` for pages without one."""
    result = await fetcher.fetch(url, accept=ACCEPT_HTML)
    if result.content_type not in (None, "text/html", "application/xhtml+xml"):
        raise ExtractionError(f"that address is {result.content_type}, not a web page with an article")
    body: str | bytes = result.text if result.charset else result.body
    return await extract_article_async(body, result.url)


async def load_article(source: str, fetcher: Fetcher) -> Article:
    """An article from a URL (`http(s)://...`) or from a local HTML file (a path or `file://`).

    Anything with a URL scheme goes to the fetcher (which refuses `ftp:`, `javascript:` ...); a
    local file is read up to the fetcher's size cap, like a download would be."""
    text = source.strip()
    if text.lower().startswith("file://"):
        return await _load_file(urlsplit(text).path, fetcher.settings.max_bytes)
    if _URL_SCHEME.match(text):
        return await fetch_article(text, fetcher)
    return await _load_file(text, fetcher.settings.max_bytes)


# Helpers ---------------------------------------------------------------------------------------


async def _load_file(name: str, max_bytes: int) -> Article:
    def read() -> bytes:
        path = Path(name).expanduser()
        try:
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except FileNotFoundError:
            raise ExtractionError(f"there is no file {str(path)!r}") from None
        except IsADirectoryError:
            raise ExtractionError(f"{str(path)!r} is a folder, not an HTML file") from None
        except OSError as exc:
            raise ExtractionError(f"cannot read {str(path)!r} ({exc.strerror or exc})") from None
        if len(data) > max_bytes:
            raise ExtractionError(f"{str(path)!r} is larger than the {max_bytes // 1_000_000 or 1} MB limit")
        return data

    data = await asyncio.to_thread(read)
    return await extract_article_async(data, None)


def _parse(html_doc: str | bytes) -> html.HtmlElement:
    try:
        tree = trafilatura.load_html(html_doc)
    except (ValueError, etree.LxmlError, RecursionError) as exc:
        raise ExtractionError(f"the page could not be read as HTML ({exc})") from None
    if tree is None:
        raise ExtractionError("the page could not be read as HTML")
    return tree


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _tokens(element: etree._Element) -> Iterator[str | None]:
    """The text of a block in order, with None wherever a paragraph break belongs: at `<lb/>`
    (pages that separate paragraphs with `<br><br>` instead of `<p>`) and around nested blocks
    (paragraphs in a quote, items of a list)."""
    if element.text:
        yield element.text
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "lb":
            yield None
        elif tag in _SKIPPED_BLOCKS:
            pass
        elif tag in _TEXT_BLOCKS or tag == "list":
            yield None
            yield from _tokens(child)
            yield None
        else:
            yield from _tokens(child)
        if child.tail:
            yield child.tail


def _block_paragraphs(element: etree._Element) -> Iterator[str]:
    buffer: list[str] = []
    for token in [*_tokens(element), None]:
        if token is not None:
            buffer.append(token)
            continue
        text = _clean("".join(buffer))
        buffer = []
        if text:
            yield text


def _paragraphs(document: Any) -> list[str]:
    body = getattr(document, "body", None)
    if body is None:
        text = getattr(document, "text", None) or ""
        return [_clean(line) for line in text.splitlines() if _clean(line)]
    out: list[str] = []
    for block in body:
        tag = block.tag if isinstance(block.tag, str) else ""
        if tag not in _SKIPPED_BLOCKS:
            out.extend(_block_paragraphs(block))
    return out


def _drop_repeats(paragraphs: list[str], title: str) -> list[str]:
    """Drop the headline repeated as the first paragraph and consecutive duplicates."""
    out: list[str] = []
    for para in paragraphs:
        if out and para == out[-1]:
            continue
        if not out and title and para.casefold() == title.casefold():
            continue
        out.append(para)
    return out


def _date_text(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    match = _LANG.match(value.strip())
    return match.group(0).lower() if match else None


def _iso_timestamp(value: str) -> str | None:
    """The value as ISO 8601 (as precise as given) when it parses as a date or a datetime."""
    text = value.strip()
    if not text:
        return None
    try:
        return (
            datetime.fromisoformat(text).isoformat()
            if len(text) > 10
            else date.fromisoformat(text).isoformat()
        )
    except ValueError:
        return None


def _first_attr(tree: html.HtmlElement, xpath: str) -> str | None:
    for value in tree.xpath(xpath):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _meta(tree: html.HtmlElement, attr: str, name: str) -> str | None:
    lowered = name.lower()
    for element in tree.iter("meta"):
        key = element.get(attr)
        if key and key.strip().lower() == lowered:
            content = element.get("content")
            if content and content.strip():
                return content.strip()
    return None


def _json_ld_dates(tree: html.HtmlElement) -> Iterator[str]:
    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                yield value
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = script.text or ""
        if len(raw) > 200_000:
            continue
        try:
            yield from walk(json.loads(raw))
        except (ValueError, RecursionError):
            continue


def _published(tree: html.HtmlElement) -> str | None:
    for attr, name in _PUBLISHED_META:
        value = _meta(tree, attr, name)
        if value and (stamp := _iso_timestamp(value)):
            return stamp
    for value in _json_ld_dates(tree):
        if stamp := _iso_timestamp(value):
            return stamp
    value = _first_attr(tree, '//time[@itemprop="datePublished"]/@datetime')
    return _iso_timestamp(value) if value else None


def _canonical(tree: html.HtmlElement, url: str | None) -> str | None:
    """The page's own canonical URL when it is on the same site as the fetched URL, else the
    fetched URL, normalised. A page can claim anything in its head, and the canonical URL decides
    which stored article a link dedupes against, so a claim on another site is ignored."""
    candidates = [
        _first_attr(tree, '//link[contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href'),
        _meta(tree, "property", "og:url"),
    ]
    for candidate in candidates:
        if not candidate:
            continue
        absolute = urljoin(url, candidate) if url else candidate
        try:
            check_url(absolute)
        except URLError:
            continue
        if url is None or same_site(absolute, url):
            return normalize_url(absolute)
    if url is None:
        return None
    try:
        return normalize_url(url)
    except URLError:
        return None


def _page_metadata(tree: html.HtmlElement, url: str | None) -> dict[str, str]:
    meta: dict[str, str] = {}
    canonical = _canonical(tree, url)
    if canonical:
        meta["canonical_url"] = canonical
    published = _published(tree)
    if published:
        meta["published"] = published
    lang = _language(
        tree.get("lang")
        or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
        or _meta(tree, "http-equiv", "content-language")
        or _meta(tree, "property", "og:locale")
    )
    if lang:
        meta["language"] = lang
    site = _meta(tree, "property", "og:site_name")
    if site:
        meta["site_name"] = _clean(site)
    title = _meta(tree, "property", "og:title") or _first_attr(tree, "//title/text()")
    if title:
        meta["title"] = _clean(title)
    return meta
