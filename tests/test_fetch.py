"""Safe fetching against real local servers: redirects, caps, content types and SSRF refusals.

The test server lives on loopback, which the default policy refuses. To test the refusals honestly
the fetcher's policy allows exactly one endpoint (the test server's address and port) and nothing
else; every refusal test then points at a different address, often a second LIVE server, and
asserts that the refused server never saw a request.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from yarl import URL

from bot.news.fetch import (
    ACCEPT_FEED,
    AddressPolicy,
    BlockedAddress,
    Fetcher,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    TooLarge,
    TooManyRedirects,
    Unreachable,
    UnsupportedContentType,
    build_session,
    classify_address,
    guarded_socket_factory,
)
from bot.news.urls import URLError, check_url, normalize_url, same_site
from bot.settings import FetchSettings
from tests.httpserver import LocalServer, RawServer, StaticResolver

HTML = "<html><head><title>Hello</title></head><body><p>Hello, reader.</p></body></html>"
RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


@pytest_asyncio.fixture
async def server() -> AsyncIterator[LocalServer]:
    async with LocalServer() as srv:
        yield srv


@pytest_asyncio.fixture
async def other() -> AsyncIterator[LocalServer]:
    """A second live server that the policy does NOT allow: it must never receive a request."""
    async with LocalServer() as srv:
        srv.page("/", HTML)
        yield srv


def only(server: LocalServer) -> AddressPolicy:
    return AddressPolicy(allowed_endpoints=frozenset({server.endpoint}))


def make_fetcher(server: LocalServer, resolver: StaticResolver | None = None, **settings: object) -> Fetcher:
    return Fetcher(
        FetchSettings(**settings),  # type: ignore[arg-type]
        policy=only(server),
        resolver=resolver or StaticResolver(),
    )


# Plain fetching --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_fetches_a_page_with_type_charset_and_text(server: LocalServer) -> None:
    url = server.page("/story", HTML, headers={"ETag": '"v1"'})
    async with make_fetcher(server) as fetcher:
        result = await fetcher.fetch(url)
    assert result.status == 200
    assert result.url == url
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.text == HTML
    assert result.etag == '"v1"'
    assert not result.not_modified
    sent = server.requests[0].headers
    assert "ParleyBot" in sent["User-Agent"]
    assert sent["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.asyncio
async def test_feed_content_types_and_plain_text_are_accepted(server: LocalServer) -> None:
    rss = server.page("/rss", RSS, content_type="application/rss+xml")
    atom = server.page("/atom", RSS, content_type="application/atom+xml; charset=utf-8")
    txt = server.page("/t", "plain words", content_type="text/plain")
    async with make_fetcher(server) as fetcher:
        assert (await fetcher.fetch(rss, accept=ACCEPT_FEED)).content_type == "application/rss+xml"
        assert (await fetcher.fetch(atom)).charset == "utf-8"
        assert (await fetcher.fetch(txt)).text == "plain words"
    assert server.requests[0].headers["Accept"] == ACCEPT_FEED


@pytest.mark.asyncio
async def test_charset_is_sniffed_from_meta_when_header_has_none(server: LocalServer) -> None:
    body = "<html><head><meta charset='iso-8859-1'></head><body><p>Café crème</p></body></html>"
    url = server.page("/latin", body.encode("latin-1"), content_type="text/html")
    async with make_fetcher(server) as fetcher:
        result = await fetcher.fetch(url)
    assert result.charset == "iso-8859-1"
    assert "Café crème" in result.text


def _untyped(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)


@pytest.mark.asyncio
async def test_missing_content_type_is_sniffed() -> None:
    async with (
        RawServer(_untyped(HTML.encode())) as text_srv,
        RawServer(_untyped(b"\x89PNG\x00\x00\x00\rIHDR")) as bin_srv,
    ):
        policy = AddressPolicy(allowed_endpoints=frozenset({text_srv.endpoint, bin_srv.endpoint}))
        async with Fetcher(FetchSettings(), policy=policy, resolver=StaticResolver()) as fetcher:
            result = await fetcher.fetch(text_srv.url())
            assert result.text == HTML and result.content_type is None
            with pytest.raises(UnsupportedContentType, match="binary"):
                await fetcher.fetch(bin_srv.url())


@pytest.mark.asyncio
async def test_conditional_get_reports_not_modified(server: LocalServer) -> None:
    url = server.page(
        "/feed",
        RSS,
        content_type="application/rss+xml",
        etag='"abc"',
        last_modified="Mon, 01 Jan 2024 00:00:00 GMT",
    )
    async with make_fetcher(server) as fetcher:
        first = await fetcher.fetch(url)
        again = await fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
        by_date = await fetcher.fetch(url, last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert first.etag == '"abc"' and first.body
    assert again.not_modified and again.status == 304 and again.body == b""
    assert by_date.not_modified
    assert server.requests[1].headers["If-None-Match"] == '"abc"'
    assert server.requests[2].headers["If-Modified-Since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


@pytest.mark.asyncio
async def test_compressed_bodies_are_decoded(server: LocalServer) -> None:
    async with make_fetcher(server) as fetcher:
        for encoding in ("gzip", "deflate", "raw-deflate"):
            url = server.compressed(f"/{encoding}", HTML, encoding=encoding)
            assert (await fetcher.fetch(url)).text == HTML, encoding
        with pytest.raises(UnsupportedContentType, match="br"):
            await fetcher.fetch(server.compressed("/br", HTML, encoding="br"))


@pytest.mark.asyncio
async def test_error_statuses_raise_with_the_status(server: LocalServer) -> None:
    url404 = server.url("/missing")
    url500 = server.page("/boom", "oops", status=503, content_type="text/plain")
    async with make_fetcher(server) as fetcher:
        with pytest.raises(HTTPStatusError, match="does not exist") as err:
            await fetcher.fetch(url404)
        assert err.value.status == 404
        with pytest.raises(HTTPStatusError, match="try again later") as err:
            await fetcher.fetch(url500)
        assert err.value.status == 503


@pytest.mark.asyncio
async def test_unreachable_port_and_unknown_name(server: LocalServer) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    policy = AddressPolicy(
        allowed_endpoints=frozenset({(ipaddress.ip_address("127.0.0.1"), closed_port), server.endpoint})
    )
    async with Fetcher(FetchSettings(), policy=policy, resolver=StaticResolver()) as fetcher:
        with pytest.raises(Unreachable, match="could not connect"):
            await fetcher.fetch(f"http://127.0.0.1:{closed_port}/")
        with pytest.raises(Unreachable, match=r"could not find the site nowhere\.example"):
            await fetcher.fetch("http://nowhere.example/")


# Redirects -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_redirect_chain_is_followed_to_the_final_url(server: LocalServer) -> None:
    server.page("/final", HTML)
    server.redirect("/c", "/final", status=308)
    server.redirect("/b", server.url("/c"), status=301)
    start = server.redirect("/a", "b#frag", status=302)
    async with make_fetcher(server) as fetcher:
        result = await fetcher.fetch(start)
    assert result.url == server.url("/final")
    assert [r.path for r in server.requests] == ["/a", "/b", "/c", "/final"]


@pytest.mark.asyncio
async def test_redirect_limit_is_exactly_max_redirects(server: LocalServer) -> None:
    server.page("/r5", HTML)
    for i in range(5):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    server.redirect("/x", "/r0")  # six redirects from /x
    async with make_fetcher(server) as fetcher:
        assert (await fetcher.fetch(server.url("/r0"))).url == server.url("/r5")
        with pytest.raises(TooManyRedirects, match="more than 5"):
            await fetcher.fetch(server.url("/x"))
    async with make_fetcher(server, max_redirects=0) as fetcher:
        with pytest.raises(TooManyRedirects):
            await fetcher.fetch(server.url("/r4"))


@pytest.mark.asyncio
async def test_redirect_loop_is_reported_as_a_loop(server: LocalServer) -> None:
    server.redirect("/ping", "/pong")
    server.redirect("/pong", "/ping")
    async with make_fetcher(server) as fetcher:
        with pytest.raises(TooManyRedirects, match="loop"):
            await fetcher.fetch(server.url("/ping"))
    assert len(server.requests) == 6


@pytest.mark.asyncio
async def test_cookie_set_on_redirect_is_sent_back_within_one_fetch(server: LocalServer) -> None:
    async def gate(request: web.Request) -> web.StreamResponse:
        if request.cookies.get("consent") == "yes":
            return web.Response(text=HTML, content_type="text/html")
        return web.Response(status=302, headers={"Location": "/gate", "Set-Cookie": "consent=yes; Path=/"})

    url = server.route("/gate", gate)
    async with make_fetcher(server) as fetcher:
        assert (await fetcher.fetch(url)).text == HTML
        # the cookie lived for that fetch only: the next fetch starts without it
        await fetcher.fetch(url)
    assert "Cookie" not in server.requests[2].headers


@pytest.mark.asyncio
async def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    url = server.redirect("/ftp", "ftp://files.example/x")
    js = server.redirect("/js", "javascript:alert(1)")
    async with make_fetcher(server) as fetcher:
        with pytest.raises(InvalidURL, match="ftp"):
            await fetcher.fetch(url)
        with pytest.raises(InvalidURL):
            await fetcher.fetch(js)


# Caps ------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_slow_body_hits_the_total_timeout(server: LocalServer) -> None:
    url = server.slow("/slow", chunks=100, delay_s=0.1)
    async with make_fetcher(server, timeout_s=0.5) as fetcher:
        with pytest.raises(FetchTimeout, match=r"0\.5 seconds"):
            await fetcher.fetch(url)


@pytest.mark.asyncio
async def test_huge_bodies_stop_at_the_size_cap(server: LocalServer) -> None:
    streamed = server.huge("/huge", 50_000_000)
    declared = server.huge("/declared", 50_000_000, declare_length=True)
    fits = server.huge("/fits", 100_000)
    async with make_fetcher(server, max_bytes=1_000_000) as fetcher:
        with pytest.raises(TooLarge, match="1 MB"):
            await fetcher.fetch(streamed)
        with pytest.raises(TooLarge):
            await fetcher.fetch(declared)
        assert len((await fetcher.fetch(fits)).body) == 100_000


@pytest.mark.asyncio
async def test_gzip_bomb_is_stopped_after_decompression(server: LocalServer) -> None:
    url = server.gzip_bomb("/bomb", size=100_000_000)
    async with make_fetcher(server, max_bytes=2_000_000) as fetcher:
        with pytest.raises(TooLarge):
            await fetcher.fetch(url)


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/octet-stream"])
async def test_other_content_types_are_refused(server: LocalServer, content_type: str) -> None:
    url = server.page("/file", b"%PDF-1.4 binary", content_type=content_type)
    async with make_fetcher(server) as fetcher:
        with pytest.raises(UnsupportedContentType, match=content_type):
            await fetcher.fetch(url)


# URL checks ------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.com/a", "only fetches http"),
        ("http://", "no site name"),
        ("not a url", "spaces"),
        ("javascript:alert(1)", "only fetches http"),
        ("", "empty"),
        ("example.com/story", "full web address"),
        ("http://user:pw@example.com/", "password"),
    ],
)
async def test_malformed_urls_are_refused(server: LocalServer, url: str, message: str) -> None:
    async with make_fetcher(server) as fetcher:
        with pytest.raises(InvalidURL, match=message):
            await fetcher.fetch(url)


def test_check_url_accepts_http_and_https() -> None:
    assert check_url("  https://example.com/a b".replace(" b", "")) == "https://example.com/a"
    with pytest.raises(URLError):
        check_url("mailto:someone@example.com")


def test_normalize_url_drops_tracking_fragment_and_sorts_params() -> None:
    url = "HTTPS://News.Example.COM:443/World/Story?utm_source=x&b=2&fbclid=y&a=1&gclid=z&UTM_Medium=m#top"
    assert normalize_url(url) == "https://news.example.com/World/Story?a=1&b=2"
    assert normalize_url("http://example.com") == "http://example.com/"
    assert normalize_url("http://example.com:8080/x?") == "http://example.com:8080/x"
    assert normalize_url("http://[2001:DB8::1]:80/") == "http://[2001:db8::1]/"


def test_same_site_uses_the_registrable_domain() -> None:
    assert same_site("https://www.example.co.uk/a", "https://news.example.co.uk/b")
    assert not same_site("https://example.co.uk/a", "https://other.co.uk/a")
    assert not same_site("https://alice.github.io/a", "https://bob.github.io/a")
    assert same_site("https://www.gazette.example/a", "https://gazette.example/b")
    assert not same_site("http://127.0.0.1/a", "http://127.0.0.2/a")


# Address policy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "metadata"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("::127.0.0.1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("2002:0a00:0001::1", "private"),
        ("2001:db8::1", "reserved"),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("172.32.0.1", None),
    ],
)
def test_classify_address(address: str, category: str | None) -> None:
    assert classify_address(ipaddress.ip_address(address)) == category


def test_allow_private_opens_private_ranges_but_never_metadata() -> None:
    policy = AddressPolicy(allow_private=True)
    for open_ in ("127.0.0.1", "10.1.2.3", "192.168.0.10", "100.64.1.1", "::1", "fd00::5"):
        assert policy.refusal(ipaddress.ip_address(open_), 80) is None, open_
    for closed in ("169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1"):
        assert policy.refusal(ipaddress.ip_address(closed), 80) is not None, closed
    assert policy.host_refusal("metadata.google.internal.") is not None


def test_allowed_endpoint_is_exact_address_and_port() -> None:
    ip = ipaddress.ip_address("127.0.0.1")
    policy = AddressPolicy(allowed_endpoints=frozenset({(ip, 8080)}))
    assert policy.refusal(ip, 8080) is None
    assert policy.refusal(ip, 8081) is not None
    assert policy.refusal(ipaddress.ip_address("127.0.0.2"), 8080) is not None


def test_socket_factory_refuses_before_creating_a_socket() -> None:
    factory = guarded_socket_factory(AddressPolicy())
    with pytest.raises(OSError, match="private network"):
        factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80)))
    with pytest.raises(OSError, match="own machine"):
        factory((socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 80, 0, 0)))
    sock = factory((socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)))
    sock.close()


# SSRF refusals through the real fetch path -----------------------------------------------------

BLOCKED_TARGETS = [
    ("http://10.0.0.1/", "private network"),
    ("http://172.16.0.1/", "private network"),
    ("http://192.168.1.1/", "private network"),
    ("http://100.64.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://[::1]/", "own machine"),
    ("http://[fc00::1]/", "private network"),
    ("http://[::ffff:127.0.0.1]/", "own machine"),
    ("http://[fe80::1]/", "link-local"),
    ("http://0.0.0.0/", "not a real destination"),
]


@pytest.mark.asyncio
async def test_default_policy_refuses_loopback_even_for_a_live_server(other: LocalServer) -> None:
    async with Fetcher(FetchSettings(), resolver=StaticResolver()) as fetcher:
        with pytest.raises(BlockedAddress, match="own machine"):
            await fetcher.fetch(other.url("/"))
    assert other.requests == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("target", "message"), BLOCKED_TARGETS)
async def test_blocked_addresses_are_refused(server: LocalServer, target: str, message: str) -> None:
    async with make_fetcher(server) as fetcher:
        with pytest.raises(BlockedAddress, match=message) as err:
            await fetcher.fetch(target)
    assert URL(err.value.url or "") == URL(target)


@pytest.mark.asyncio
@pytest.mark.parametrize(("target", "message"), BLOCKED_TARGETS)
async def test_redirect_from_an_allowed_server_to_a_blocked_address_is_refused(
    server: LocalServer, target: str, message: str
) -> None:
    start = server.redirect("/go", target)
    async with make_fetcher(server) as fetcher:
        with pytest.raises(BlockedAddress, match=message):
            await fetcher.fetch(start)
    assert [r.path for r in server.requests] == ["/go"]


@pytest.mark.asyncio
async def test_redirect_to_a_live_loopback_server_never_reaches_it(
    server: LocalServer, other: LocalServer
) -> None:
    start = server.redirect("/go", other.url("/"))
    via_name = server.redirect("/name", f"http://localhost:{other.port}/")
    async with make_fetcher(server) as fetcher:
        with pytest.raises(BlockedAddress, match="own machine"):
            await fetcher.fetch(start)
    # `localhost` is resolved by the real system resolver (hosts file, no DNS query)
    async with Fetcher(FetchSettings(), policy=only(server)) as fetcher:
        with pytest.raises(BlockedAddress, match="own machine"):
            await fetcher.fetch(via_name)
        with pytest.raises(BlockedAddress, match="localhost: that address points at the bot's own machine"):
            await fetcher.fetch(f"http://localhost:{other.port}/")
    assert other.requests == []


@pytest.mark.asyncio
async def test_names_resolving_to_private_addresses_are_refused(
    server: LocalServer, other: LocalServer
) -> None:
    resolver = StaticResolver(
        {
            "news.example": ["127.0.0.1"],  # the allowed test server: the positive control
            "intranet.example": ["10.0.0.1"],
            "sneaky.example": ["127.0.0.1"],  # same address, but the port of the other server
            "mixed.example": ["127.0.0.1", "192.168.0.7"],
            "mapped.example": ["::ffff:10.0.0.1"],
        }
    )
    server.page("/", HTML)
    async with make_fetcher(server, resolver=resolver) as fetcher:
        ok = await fetcher.fetch(f"http://news.example:{server.port}/")
        assert ok.text == HTML
        assert server.requests[-1].headers["Host"] == f"news.example:{server.port}"
        with pytest.raises(BlockedAddress, match=r"intranet\.example: that address is on a private network"):
            await fetcher.fetch("http://intranet.example/")
        with pytest.raises(BlockedAddress, match="own machine"):
            await fetcher.fetch(f"http://sneaky.example:{other.port}/")
        with pytest.raises(BlockedAddress, match="private network") as err:
            await fetcher.fetch(f"http://mixed.example:{server.port}/")
        assert "192.168.0.7" not in str(err.value)  # internal addresses are not shown to members
        with pytest.raises(BlockedAddress):
            await fetcher.fetch("http://mapped.example/")
    assert other.requests == []
    assert server.hits("/") == 1


@pytest.mark.asyncio
async def test_dns_rebinding_cannot_switch_the_address_after_the_check(server: LocalServer) -> None:
    """The name answers with the allowed address once, then with a live server on 127.0.0.2 (same
    port). A check-then-connect design would resolve twice and land on the second server."""
    server.page("/", HTML)
    try:
        rebound = await LocalServer(host="127.0.0.2", port=server.port).start()
    except OSError:
        pytest.skip("cannot bind 127.0.0.2 here")
    try:
        rebound.page("/", "<p>internal</p>")
        resolver = StaticResolver()
        resolver.rebind("rebind.example", ["127.0.0.1"], ["127.0.0.2"])
        url = f"http://rebind.example:{server.port}/"
        async with make_fetcher(server, resolver=resolver) as fetcher:
            assert (await fetcher.fetch(url)).text == HTML
        async with make_fetcher(server, resolver=resolver) as fresh:
            with pytest.raises(BlockedAddress):
                await fresh.fetch(url)
        assert rebound.requests == []
        assert len(resolver.calls) == 2  # one lookup per connection: the one that was checked
    finally:
        await rebound.close()


@pytest.mark.asyncio
async def test_allow_private_fetches_local_servers(other: LocalServer) -> None:
    async with Fetcher(FetchSettings(allow_private=True), resolver=StaticResolver()) as fetcher:
        assert (await fetcher.fetch(other.url("/"))).text == HTML
        with pytest.raises(BlockedAddress, match="metadata"):
            await fetcher.fetch("http://169.254.169.254/")


@pytest.mark.asyncio
async def test_a_session_must_come_from_build_session(server: LocalServer) -> None:
    async with aiohttp.ClientSession() as plain:
        with pytest.raises(ValueError, match="build_session"):
            Fetcher(FetchSettings(), plain)
    session = build_session(FetchSettings(), policy=only(server), resolver=StaticResolver())
    try:
        url = server.page("/s", HTML)
        async with Fetcher(FetchSettings(), session) as fetcher:
            assert (await fetcher.fetch(url)).text == HTML
            with pytest.raises(BlockedAddress):
                await fetcher.fetch("http://10.0.0.1/")
        assert not session.closed  # a borrowed session is left open for its owner
    finally:
        await session.close()


def test_every_error_is_a_fetch_error() -> None:
    for cls in (InvalidURL, BlockedAddress, TooManyRedirects, TooLarge, UnsupportedContentType):
        assert issubclass(cls, FetchError)
    for cls2 in (FetchTimeout, HTTPStatusError, Unreachable):
        assert issubclass(cls2, FetchError)
