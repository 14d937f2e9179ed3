"""Which hosts the server may send a request to: only public internet hosts.

Two users of one rule, no network here (pure):
- the authConfig check at save time (production) looks at the host as written: names that are
  internal by construction (`localhost`, `*.internal`, single labels, metadata names) and literal
  addresses in any spelling (`127.0.0.1`, `[::1]`, `0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`);
- the outbound client (services/outbound.py) at connect time, on every address a name resolves to.

Address classes come from the stdlib `ipaddress` properties; an IPv6 address that carries an IPv4
one (mapped, compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address inside it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and host-agent endpoints. Most are link-local or private already; the ones that
# ipaddress calls global (Oracle's 192.0.0.192, Azure's wire server) are why the list exists.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.169.123",
        "fd00:ec2::254",
        "100.100.100.200",
        "192.0.0.192",
        "168.63.129.16",
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Suffixes that never name a public internet host (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal).
INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".arpa")

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
# What inet_aton accepts: one to four parts, each decimal, octal (leading 0) or hex (0x).
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$")

REASONS = {
    "loopback": "a loopback address (this machine)",
    "private": "a private network address",
    "link-local": "a link-local address",
    "shared": "a shared (carrier-grade NAT) address",
    "multicast": "a multicast address",
    "reserved": "a reserved, non-public address",
    "unspecified": "the unspecified address",
    "metadata": "a cloud metadata service",
    "internal": "an internal host name",
    "numeric": "a numeric address in an unusual spelling",
}


def refusal_message(reason: str) -> str:
    return f"This URL points at {REASONS[reason]}: only public internet hosts are allowed."


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, if it is one of the forms that carry one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in network for network in _NAT64) or (
        address in _COMPATIBLE and int(address) > 1  # ::, ::1 are themselves
    ):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def address_problem(address: Address, *, allow_loopback: bool = False) -> str | None:
    """Why the server may not connect to this address (a REASONS key), or None when it may."""
    if address in METADATA_ADDRESSES:
        return "metadata"
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        inner = embedded_ipv4(address)
        if inner is not None:
            return address_problem(inner, allow_loopback=allow_loopback)
    return _class_problem(address, allow_loopback)


def _class_problem(address: Address, allow_loopback: bool) -> str | None:
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    checks = (
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared", address in _SHARED),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        # fec0::/10, deprecated site-local (RFC 3879): ipaddress calls it neither private nor reserved.
        ("private", getattr(address, "is_site_local", False)),
        ("reserved", not address.is_global),
    )
    return next((reason for reason, refused in checks if refused), None)


def literal_address(host: str) -> tuple[Address | None, bool]:
    """(address, written canonically) when the host is an address in any spelling, else (None, True)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host), True
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip("."))), False
        except OSError:
            return None, False  # numeric but not an address (e.g. 999999999999): not a name either
    return None, True


def host_problem(host: str, *, allow_loopback: bool = False) -> str | None:
    """Why a host as written may not be called (a REASONS key), without resolving it."""
    host = unquote(host or "").lower().rstrip(".")
    address, canonical = literal_address(host)
    if not canonical:
        return "numeric"
    if address is not None:
        return address_problem(address, allow_loopback=allow_loopback)
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return None if allow_loopback else "loopback"
    if host in METADATA_NAMES:
        return "metadata"
    if "." not in host or host.endswith(INTERNAL_SUFFIXES):
        return "internal"
    return None


def url_problem(url: str, *, allow_loopback: bool = False) -> str | None:
    """The refusal message for a URL whose host may not be called, or None."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None  # not a URL: the document's schema says so
    if not host:
        return None
    reason = host_problem(host, allow_loopback=allow_loopback)
    return refusal_message(reason) if reason else None


def _url_fields(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and str(key).lower().endswith("url"):
                yield (*path, key), item
            else:
                yield from _url_fields(item, (*path, key))


def url_field_problems(document: Any) -> list[tuple[tuple, str]]:
    """(path, message) for every `...Url`/`url` field of a document whose host may not be called."""
    problems = []
    for path, url in _url_fields(document):
        message = url_problem(url)
        if message:
            problems.append((path, message))
    return problems
