"""Fetching web pages and feeds for members without letting them reach inside our network.

Any member can hand Parley a URL, so every fetch is a potential server-side request forgery: a URL
(or a redirect, or a DNS answer) pointing at 127.0.0.1, the LAN, or the cloud metadata service would
let them read things only the bot's host can see. The address rules are therefore enforced where the
connection is actually made, not just checked up front:

- `AddressPolicy` decides, for one IP address and port, whether a connection is allowed;
- `GuardedResolver` wraps the DNS resolver used by the connector: a name with ANY refused address is
  refused as a whole, so the check and the connection use the very same DNS answer (no rebinding gap);
- the connector's socket factory checks the final socket address again, which also covers IP
  literals (aiohttp does not send those through the resolver);
- redirects are followed by hand (`allow_redirects=False`), and every hop goes through the same path.

Bodies are read as a stream and decompressed here (not by aiohttp) with a hard cap on the
decompressed size, so a gzip bomb stops at the cap instead of filling memory.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import logging
import re
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.news.urls import URLError, check_url, host_of, site_key
from bot.settings import FetchSettings

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1"
ACCEPT_FEED = (
    "application/rss+xml,application/atom+xml,application/rdf+xml;q=0.9,"
    "application/xml;q=0.8,text/xml;q=0.8,text/html;q=0.3,*/*;q=0.1"
)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


# Errors ----------------------------------------------------------------------------------------


class FetchError(Exception):
    """A page could not be fetched. `str(error)` is a sentence a member can act on."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class InvalidURL(FetchError):
    """Not an absolute http(s) URL (or a redirect to one that is not)."""


class BlockedAddress(FetchError):
    """The address (directly, via DNS or via a redirect) is not on the public internet."""

    def __init__(self, message: str, *, url: str | None = None, address: str | None = None) -> None:
        super().__init__(message, url=url)
        self.address = address  # for logs only: never shown to members (it would leak internal DNS)


class TooManyRedirects(FetchError):
    """More redirects than `FetchSettings.max_redirects`, or a loop."""


class TooLarge(FetchError):
    """The body (after decompression) is larger than `FetchSettings.max_bytes`."""


class UnsupportedContentType(FetchError):
    """Not HTML, XML (RSS/Atom included) or text, or compressed in a way we did not ask for."""


class FetchTimeout(FetchError):
    """The whole fetch, redirects included, took longer than `FetchSettings.timeout_s`."""


class HTTPStatusError(FetchError):
    """The site answered with an error status (4xx/5xx or an unexpected code)."""

    def __init__(self, message: str, *, url: str | None = None, status: int = 0) -> None:
        super().__init__(message, url=url)
        self.status = status


class Unreachable(FetchError):
    """DNS failure, refused connection, broken TLS or a connection dropped mid-way."""


# Address policy --------------------------------------------------------------------------------

_METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack ...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)
_METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"}
)

_PRIVATE_NETS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
)
_SHARED_NET = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64_NETS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPAT_NET = ipaddress.ip_network("::/96")

# Categories `allow_private` opens up; link-local, metadata, multicast, reserved stay closed always.
_PRIVATE_CATEGORIES = frozenset({"private", "loopback", "shared"})

_CATEGORY_MESSAGES = {
    "loopback": "that address points at the bot's own machine; Parley only fetches public web pages",
    "private": "that address is on a private network; Parley only fetches public web pages",
    "shared": "that address is on a private (carrier) network; Parley only fetches public web pages",
    "link-local": "that address is a link-local address; Parley only fetches public web pages",
    "metadata": "that address is a cloud metadata service; Parley never fetches it",
    "multicast": "that address is a multicast address; Parley only fetches public web pages",
    "unspecified": "that address is not a real destination; Parley only fetches public web pages",
    "reserved": "that address is not on the public internet; Parley only fetches public web pages",
}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64_NETS) or (ip in _IPV4_COMPAT_NET and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify_address(ip: IPAddress) -> str | None:
    """The non-public category of an address (see `_CATEGORY_MESSAGES`), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = classify_address(embedded)
            if inner is not None:
                return inner
    if ip in _METADATA_ADDRESSES:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if any(ip in net for net in _PRIVATE_NETS):
        return "private"
    if ip in _SHARED_NET:
        return "shared"
    if ip.is_reserved or ip.is_private or not ip.is_global:
        return "reserved"
    return None


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a connection may go to.

    `allow_private` opens private networks, loopback and carrier NAT (tests, self-hosted feeds);
    link-local, metadata, multicast and reserved addresses stay closed. `allowed_endpoints` lists
    exact (address, port) pairs that are always allowed: a test can allow its own local server and
    still prove that every other loopback or private address is refused.
    """

    allow_private: bool = False
    allowed_endpoints: frozenset[tuple[IPAddress, int]] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: FetchSettings) -> AddressPolicy:
        return cls(allow_private=settings.allow_private)

    def refusal(self, ip: IPAddress, port: int) -> str | None:
        """Why a connection to ip:port is refused (a member-facing sentence), or None if allowed."""
        if (ip, port) in self.allowed_endpoints:
            return None
        category = classify_address(ip)
        if category is None:
            return None
        if self.allow_private and category in _PRIVATE_CATEGORIES:
            return None
        return _CATEGORY_MESSAGES[category]

    def host_refusal(self, host: str) -> str | None:
        """Refusals decided by the name alone, before any DNS query."""
        name = host.rstrip(".").lower()
        if name in _METADATA_NAMES:
            return _CATEGORY_MESSAGES["metadata"]
        return None


class _Refused(OSError):
    """Carries a BlockedAddress through aiohttp's connector, which only passes OSErrors along."""

    def __init__(self, error: BlockedAddress) -> None:
        super().__init__(str(error))
        self.error = error


class GuardedResolver(AbstractResolver):
    """A resolver that refuses a name when any of its addresses is refused by the policy."""

    def __init__(self, policy: AddressPolicy, base: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._base = base

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        reason = self.policy.host_refusal(host)
        if reason is not None:
            raise _Refused(BlockedAddress(reason, address=host))
        if self._base is None:
            self._base = aiohttp.ThreadedResolver()
        results = await self._base.resolve(host, port, family)
        for result in results:
            ip = _parse_ip(result["host"])
            if ip is None:
                raise _Refused(
                    BlockedAddress("the site's address could not be checked", address=result["host"])
                )
            reason = self.policy.refusal(ip, result["port"])
            if reason is not None:
                log.info("refused %s: resolves to %s (%s)", host, ip, reason)
                raise _Refused(BlockedAddress(f"{host}: {reason}", address=str(ip)))
        return results

    async def close(self) -> None:
        if self._base is not None:
            await self._base.close()


def guarded_socket_factory(policy: AddressPolicy) -> Callable[[Any], socket.socket]:
    """A socket factory for aiohttp that refuses to open a socket to a refused address.

    It sees the exact address the socket is about to connect to, after every resolver and cache,
    so it is the last word even for IP literals."""

    def factory(addr_info: Any) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        ip = _parse_ip(str(sockaddr[0]))
        reason = (
            "the site's address could not be checked" if ip is None else policy.refusal(ip, int(sockaddr[1]))
        )
        if reason is not None:
            raise _Refused(BlockedAddress(reason, address=str(sockaddr[0])))
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


class GuardedConnector(aiohttp.TCPConnector):
    """A TCP connector whose every connection obeys an AddressPolicy (resolver + socket factory)."""

    def __init__(
        self, policy: AddressPolicy, *, resolver: AbstractResolver | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            resolver=GuardedResolver(policy, resolver),
            socket_factory=guarded_socket_factory(policy),
            **kwargs,
        )
        self.policy = policy


def build_session(
    settings: FetchSettings,
    *,
    policy: AddressPolicy | None = None,
    resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """A client session safe for member-supplied URLs. Call inside a running event loop.

    No environment proxies (a proxy would make the connection, bypassing the address checks), no
    shared cookie jar (cookies of one guild's fetch must not leak into another's), and no automatic
    decompression (done by `Fetcher` with a size cap)."""
    connector = GuardedConnector(policy or AddressPolicy.from_settings(settings), resolver=resolver)
    return aiohttp.ClientSession(
        connector=connector,
        trust_env=False,
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=aiohttp.ClientTimeout(
            total=None, sock_connect=settings.timeout_s, sock_read=settings.timeout_s
        ),
    )


# Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    """A fetched body (or a 304 answer). `url` is the final URL after redirects."""

    url: str
    status: int
    content_type: str | None
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False

    @property
    def text(self) -> str:
        """The body decoded with its declared charset, else UTF-8, else Windows-1252 (the web's
        de-facto default for undeclared legacy pages); never raises."""
        if self.charset:
            try:
                return self.body.decode(self.charset, errors="replace")
            except LookupError:
                pass
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return self.body.decode("cp1252", errors="replace")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def sniff_charset(body: bytes) -> str | None:
    """The charset a page declares in its first bytes (XML declaration or HTML meta tag)."""
    head = body[:4096]
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    name = match.group(1).decode("ascii", errors="ignore").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _content_type_allowed(mimetype: str) -> bool:
    if mimetype in {"text/html", "text/plain", "text/xml", "application/xml", "application/xhtml+xml"}:
        return True
    major, _, minor = mimetype.partition("/")
    return major in {"text", "application"} and minor.endswith("+xml")


def _looks_binary(sample: bytes) -> bool:
    return b"\x00" in sample[:1024] and not sample.startswith((b"\xff\xfe", b"\xfe\xff"))


def _status_message(status: int, reason: str | None) -> str:
    label = f"{status} {reason}".strip() if reason else str(status)
    if status == 404 or status == 410:
        return f"the site says that page does not exist ({label})"
    if status in (401, 403):
        return f"the site refuses to show that page to bots ({label})"
    if status == 429:
        return f"the site is rate-limiting requests; try again later ({label})"
    if status >= 500:
        return f"the site had an error; try again later ({label})"
    return f"the site answered with an unexpected status ({label})"


class _Decoder:
    """Incremental gzip/deflate/identity decoder that never produces more than `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.limit = limit
        self.produced = 0
        self._obj: Any = None
        self._raw_deflate: bool | None = None

    def _new_obj(self, first: bytes) -> Any:
        if self.encoding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" should be zlib-wrapped, but some servers send a raw deflate stream.
        zlib_header = len(first) >= 2 and (first[0] & 0x0F) == 8 and ((first[0] << 8) | first[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> list[bytes]:
        if self.encoding == "identity":
            self.produced += len(data)
            self._check()
            return [data]
        out: list[bytes] = []
        while data:
            if self._obj is None:
                self._obj = self._new_obj(data)
            try:
                piece = self._obj.decompress(data, self.limit - self.produced + 1)
            except zlib.error as exc:
                raise Unreachable(f"the site sent a damaged compressed page ({exc})") from None
            self.produced += len(piece)
            self._check()
            out.append(piece)
            if self._obj.eof:
                data = self._obj.unused_data  # concatenated gzip members
                self._obj = None
                if self.encoding not in ("gzip", "x-gzip"):
                    break
            else:
                data = self._obj.unconsumed_tail
        return out

    def _check(self) -> None:
        if self.produced > self.limit:
            raise TooLarge(f"that page is larger than the {self.limit // 1_000_000 or 1} MB limit")


# Fetcher ---------------------------------------------------------------------------------------


class Fetcher:
    """Fetches one URL at a time per call, safely; share one Fetcher (and its session) per process.

    With `session=None` the Fetcher builds (lazily, inside the event loop) and owns a guarded session
    from `policy` (default: from `settings.allow_private`) and `resolver` (default: the system
    resolver). A session passed in must come from `build_session()`; it is not closed by `close()`.
    """

    def __init__(
        self,
        settings: FetchSettings,
        session: aiohttp.ClientSession | None = None,
        *,
        policy: AddressPolicy | None = None,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.settings = settings
        if session is not None:
            connector = session.connector
            if not isinstance(connector, GuardedConnector):
                raise ValueError(
                    "Fetcher needs a session from build_session(): its connector checks addresses"
                )
            if policy is not None or resolver is not None:
                raise ValueError("pass policy and resolver to build_session(), not with a ready session")
            self.policy = connector.policy
        else:
            self.policy = policy or AddressPolicy.from_settings(settings)
        self._session = session
        self._owns_session = session is None
        self._resolver = resolver

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = build_session(self.settings, policy=self.policy, resolver=self._resolver)
        return self._session

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = ACCEPT_HTML,
    ) -> FetchResult:
        """GET `url`, following up to `max_redirects` redirects, within `timeout_s` overall.

        `etag`/`last_modified` make it a conditional GET; a 304 answer gives `not_modified=True` and
        an empty body. Raises a FetchError subclass for every refusal or failure."""
        try:
            start = check_url(url)
        except URLError as exc:
            raise InvalidURL(str(exc), url=url) from None
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                return await self._follow(start, etag=etag, last_modified=last_modified, accept=accept)
        except TimeoutError:
            raise FetchTimeout(
                f"the site took longer than {self.settings.timeout_s:g} seconds to answer", url=url
            ) from None

    def _preflight(self, url: URL) -> None:
        """Refuse IP literals and known metadata names before opening anything (clear message,
        no DNS query); names are checked by the connector's resolver at connect time."""
        host = (url.host or "").strip("[]")
        reason = self.policy.host_refusal(host)
        if reason is None:
            ip = _parse_ip(host)
            if ip is not None:
                reason = self.policy.refusal(ip, url.port or 0)
        if reason is not None:
            raise BlockedAddress(reason, url=str(url), address=host)

    async def _follow(
        self, start: str, *, etag: str | None, last_modified: str | None, accept: str
    ) -> FetchResult:
        session = self._get_session()
        try:
            current = URL(start)
        except (ValueError, TypeError):
            raise InvalidURL(f"{start!r} is not a valid web address", url=start) from None
        visited: list[str] = []
        cookies: dict[str, dict[str, str]] = {}  # per fetch only, keyed by site
        for _hop in range(self.settings.max_redirects + 1):
            self._preflight(current)
            visited.append(str(current))
            headers = {"Accept": accept}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            jar = cookies.get(site_key(str(current)))
            if jar:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
            try:
                async with session.get(current, headers=headers, allow_redirects=False) as resp:
                    if resp.status in _REDIRECT_STATUSES:
                        current = self._redirect_target(resp, current)
                        self._keep_cookies(resp, cookies)
                        continue
                    return await self._finish(resp)
            except FetchError as exc:
                if exc.url is None:
                    exc.url = str(current)
                raise
            except aiohttp.ClientError as exc:
                raise self._translate(exc, current) from None
        if str(current) in visited:
            raise TooManyRedirects("that page redirects in a loop and never arrives anywhere", url=start)
        raise TooManyRedirects(
            f"that page redirects more than {self.settings.max_redirects} times; give the final address",
            url=start,
        )

    @staticmethod
    def _keep_cookies(resp: aiohttp.ClientResponse, cookies: dict[str, dict[str, str]]) -> None:
        """Some sites set a cookie and redirect back to the same page; without it they loop."""
        raw = resp.headers.getall("Set-Cookie", [])
        if not raw:
            return
        jar = cookies.setdefault(site_key(str(resp.url)), {})
        for header in raw:
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(header)
            except Exception:  # a malformed cookie is simply not kept
                continue
            for name, morsel in parsed.items():
                jar[name] = morsel.value

    @staticmethod
    def _redirect_target(resp: aiohttp.ClientResponse, current: URL) -> URL:
        location = resp.headers.get("Location", "").strip()
        if not location:
            raise HTTPStatusError(
                f"the site answered {resp.status} without saying where to go",
                url=str(current),
                status=resp.status,
            )
        try:
            target = current.join(URL(location))
        except (ValueError, TypeError):
            raise InvalidURL(
                "the page redirected to an address that is not valid", url=str(current)
            ) from None
        target = target.with_fragment(None)
        try:
            check_url(str(target))
        except URLError as exc:
            raise InvalidURL(
                f"the page redirected to an address Parley cannot fetch: {exc}", url=str(current)
            ) from None
        return target

    async def _finish(self, resp: aiohttp.ClientResponse) -> FetchResult:
        final = str(resp.url)
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        if resp.status == 304:
            return FetchResult(
                url=final, status=304, content_type=None, charset=None, body=b"",
                etag=etag, last_modified=last_modified, not_modified=True,
            )  # fmt: skip
        if not 200 <= resp.status < 300:
            raise HTTPStatusError(_status_message(resp.status, resp.reason), url=final, status=resp.status)
        declared = "Content-Type" in resp.headers
        mimetype = resp.content_type.lower() if declared else None
        if mimetype is not None and not _content_type_allowed(mimetype):
            raise UnsupportedContentType(
                f"that address serves {mimetype}, not a web page or feed; "
                "Parley only reads HTML, XML and text",
                url=final,
            )
        body = await self._read_body(resp)
        if mimetype is None and _looks_binary(body):
            raise UnsupportedContentType("that address sends binary data, not a web page or feed", url=final)
        charset = resp.charset or sniff_charset(body)
        return FetchResult(
            url=final, status=resp.status, content_type=mimetype, charset=charset, body=body,
            etag=etag, last_modified=last_modified,
        )  # fmt: skip

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.settings.max_bytes
        encoding = resp.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
        if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
            raise UnsupportedContentType(
                f"the site compressed the page with {encoding!r}, which Parley did not ask for"
            )
        length = resp.content_length
        if encoding == "identity" and length is not None and length > limit:
            raise TooLarge(f"that page is larger than the {limit // 1_000_000 or 1} MB limit")
        decoder = _Decoder(encoding, limit)
        parts: list[bytes] = []
        received = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            received += len(chunk)
            if received > limit:  # compressed data that never ends also stops at the cap
                raise TooLarge(f"that page is larger than the {limit // 1_000_000 or 1} MB limit")
            parts.extend(decoder.feed(chunk))
        return b"".join(parts)

    @staticmethod
    def _translate(exc: aiohttp.ClientError, url: URL) -> FetchError:
        """Turn aiohttp's errors into FetchErrors with sentences a member can act on."""
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, _Refused):
                error = cause.error
                error.url = str(url)
                return error
            cause = getattr(cause, "os_error", None) or cause.__cause__
        host = host_of(str(url)) or str(url)
        if isinstance(exc, TimeoutError):
            return FetchTimeout(f"{host} stopped answering before the page arrived", url=str(url))
        if isinstance(exc, aiohttp.InvalidURL):
            return InvalidURL(f"{str(url)!r} is not a valid web address", url=str(url))
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return Unreachable(f"could not find the site {host}; check the address", url=str(url))
        if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
            return Unreachable(f"{host} has a broken or untrusted security certificate", url=str(url))
        if isinstance(exc, aiohttp.ClientConnectorError):
            return Unreachable(f"could not connect to {host}; the site may be down", url=str(url))
        log.info("fetch of %s failed: %r", url, exc)
        return Unreachable(f"the connection to {host} failed before the page arrived", url=str(url))
