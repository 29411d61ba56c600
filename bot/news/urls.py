"""URL checks and canonical forms shared by fetching, extraction, feeds and the pipeline.

The canonical form is the first dedupe key for articles, so two links to the same story (one from a
feed with campaign parameters, one pasted by a member with a `#comments` fragment) must normalise to
the same string. Only parameters that are known to be pure tracking are dropped: anything else may
select the content (`?id=123`, `?page=2`) and is kept, sorted so that order does not matter.
"""

from __future__ import annotations

import contextlib
import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tld

ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Exact names of tracking parameters; every `utm_*` parameter is dropped as well.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
    }
)


class URLError(ValueError):
    """A string is not an http(s) URL Parley can use; the message says what is wrong with it."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def _host_for_url(host: str) -> str:
    """IPv6 literals need their brackets back when the URL is rebuilt."""
    return f"[{host}]" if ":" in host else host


def check_url(url: str) -> str:
    """Return the URL stripped of surrounding space if it is an absolute http(s) URL with a host,
    else raise URLError with a message a member can act on."""
    text = url.strip()
    if not text:
        raise URLError("that is empty; give a full web address such as https://example.com/story")
    if any(ch.isspace() for ch in text):
        raise URLError(
            "a web address cannot contain spaces; give a full address such as https://example.com/story"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise URLError(f"{text!r} is not a valid web address") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise URLError(f"{text!r} is not a full web address; it should start with https://")
    if scheme not in ALLOWED_SCHEMES:
        raise URLError(f"Parley only fetches http:// and https:// addresses, not {scheme}:")
    if not parts.hostname:
        raise URLError(f"{text!r} has no site name after {scheme}://")
    if port == 0:
        raise URLError(f"{text!r} has an invalid port")
    if parts.username is not None or parts.password is not None:
        raise URLError("web addresses with a user name or password are not fetched")
    return text


def normalize_url(url: str) -> str:
    """Canonical form: lower-case scheme and host, no default port, no fragment, tracking
    parameters dropped, remaining parameters sorted, empty path as `/`."""
    text = check_url(url)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if not host.isascii():
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    host = host.lower()
    port = parts.port
    netloc = _host_for_url(host)
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query_pairs.sort()
    query = urlencode(query_pairs, doseq=False)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """Lower-case host name of a URL (without brackets or port); empty when there is none."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def site_key(url: str) -> str:
    """The registrable domain (`bbc.co.uk` for `news.bbc.co.uk`), so sub-domains of one site count
    as the same site. IP addresses and single-label names are their own key; a name under a suffix
    the public-suffix list does not know (`.example`, `.internal`) keys on its last two labels."""
    host = host_of(url)
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return host
    domain = tld.get_fld(host, fix_protocol=True, fail_silently=True)
    if domain:
        return str(domain).lower()
    return ".".join(host.split(".")[-2:])


def same_site(url: str, other: str) -> bool:
    """True when both URLs belong to the same registrable domain."""
    key = site_key(url)
    return bool(key) and key == site_key(other)
