"""The guarded outbound client in production mode, address class by address class, three ways in:
the address written in the URL, a host name that resolves there, and a redirect there from an
endpoint the client may call. Each is refused, and nothing is ever sent to the inward address.

"Nothing is sent" is observed, not assumed: a Python audit hook records every `socket.connect`
and `socket.getaddrinfo` this thread makes (the interpreter raises those events itself). Host
names under `.publisher.example` resolve to what a test says (only resolution is replaced: the
guard that judges the answer is the real one); the IPv4 classes are also resolved by the system's
own resolver, from their one-number spellings (`167772165` is 10.0.0.5 to getaddrinfo).

The redirect tests need an endpoint the client may call, and offline that can only be a loopback
server; so their policy is production's with loopback allowed for that first hop. Redirects are
refused by status whatever the policy, before the Location is even read."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from contextlib import contextmanager

import pytest

from app.domain import hosts
from app.services import outbound

from .loopback_servers import redirect_to, send_json

# What the production app builds, whatever OUTBOUND_ALLOW_LOOPBACK says.
PRODUCTION = outbound.Policy.from_config({"PRODUCTION": True, "OUTBOUND_ALLOW_LOOPBACK": True})
FIRST_HOP_ON_LOOPBACK = outbound.Policy(allow_loopback=True)

# (id, an address of the class, the reason the guard gives)
CLASSES = [
    ("loopback-v4", "127.0.0.1", "loopback"),
    ("loopback-v4-not-first", "127.0.0.2", "loopback"),
    ("loopback-v6", "::1", "loopback"),
    ("private-10", "10.0.0.5", "private"),
    ("private-172.16", "172.16.0.1", "private"),
    ("private-172.31", "172.31.255.254", "private"),
    ("private-192.168", "192.168.1.1", "private"),
    ("private-v6-unique-local", "fd12:3456::1", "private"),
    ("private-v6-site-local", "fec0::1", "private"),
    ("link-local-v4", "169.254.1.1", "link-local"),
    ("link-local-v6", "fe80::1", "link-local"),
    ("metadata-v4", "169.254.169.254", "metadata"),
    ("metadata-v6", "fd00:ec2::254", "metadata"),
    ("metadata-ecs", "169.254.170.2", "metadata"),
    ("metadata-oracle", "192.0.0.192", "metadata"),
    ("metadata-azure-wireserver", "168.63.129.16", "metadata"),
    ("metadata-alibaba", "100.100.100.200", "metadata"),
    ("shared-100.64", "100.64.0.1", "shared"),
    ("shared-100.127", "100.127.255.254", "shared"),
    ("multicast-v4", "224.0.0.1", "multicast"),
    ("multicast-v4-admin", "239.255.255.250", "multicast"),
    ("multicast-v6", "ff02::1", "multicast"),
    ("reserved-240", "240.0.0.1", "reserved"),
    ("broadcast", "255.255.255.255", "reserved"),
    ("unspecified-v4", "0.0.0.0", "unspecified"),
    ("unspecified-v6", "::", "unspecified"),
    ("this-network", "0.1.2.3", "private"),
    ("documentation", "192.0.2.1", "private"),
    ("benchmarking", "198.18.0.1", "private"),
    ("ipv4-mapped-loopback", "::ffff:127.0.0.1", "loopback"),
    ("ipv4-mapped-private", "::ffff:10.0.0.5", "private"),
    ("ipv4-mapped-metadata", "::ffff:169.254.169.254", "metadata"),
    ("ipv4-mapped-shared", "::ffff:100.64.0.1", "shared"),
    ("ipv4-compatible-loopback", "::127.0.0.1", "loopback"),
    ("nat64-metadata", "64:ff9b::a9fe:a9fe", "metadata"),
    ("6to4-private", "2002:a00:5::", "private"),
    ("teredo-private", "2001:0:4136:e378:8000:63bf:f5ff:fffa", "private"),  # client 10.0.0.5
]
IDS = [name for name, _, _ in CLASSES]
IPV4 = [(name, address, reason) for name, address, reason in CLASSES if ":" not in address]


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# --- what the process really does on the network ---------------------------------------------------

_recording = threading.local()
_hook_installed = False


def _audit(event: str, args) -> None:
    calls = getattr(_recording, "calls", None)
    if calls is None:
        return
    if event == "socket.connect":
        calls.append(("connect", args[1]))
    elif event == "socket.getaddrinfo":
        calls.append(("getaddrinfo", args[0]))


@contextmanager
def network_calls():
    """Every socket.connect and getaddrinfo this thread makes inside the block (audit events)."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)  # for the process's life; records only inside this block
        _hook_installed = True
    _recording.calls = calls = []
    try:
        yield calls
    finally:
        _recording.calls = None


def _connects(calls) -> list:
    return [target for kind, target in calls if kind == "connect"]


# --- names that resolve where a test says -------------------------------------------------------------


class Resolver:
    """socket.getaddrinfo for names the test answers; every other name asks the real resolver."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if isinstance(host, str) and host.lower() in self.answers:
            self.asked.append(host)
            found = []
            for address in self.answers[host.lower()]:
                if ipaddress.ip_address(address.split("%")[0]).version == 6:
                    found.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
                else:
                    found.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
            return found
        return self.real(host, port, family, type, proto, flags)


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


# --- written in the URL ------------------------------------------------------------------------------


@pytest.mark.parametrize("name,address,reason", CLASSES, ids=IDS)
def test_an_address_of_the_class_in_the_url_is_refused_unsent(name, address, reason):
    with network_calls() as calls, pytest.raises(outbound.DestinationRefused) as refused:
        outbound.post(
            f"https://{_url_host(address)}/hook", data={"secret": "s"}, purpose="test", policy=PRODUCTION
        )
    assert refused.value.args == (reason,)
    assert _connects(calls) == []


# --- a host name that resolves there ----------------------------------------------------------------


@pytest.mark.parametrize("name,address,reason", CLASSES, ids=IDS)
def test_a_name_resolving_to_the_class_is_refused_unsent(resolver, name, address, reason):
    host = f"{name}.publisher.example"
    assert hosts.host_problem(host) is None  # the name as written passes: only its address can tell
    resolver.answers[host] = [f"{address}%1" if address.startswith("fe80") else address]
    with network_calls() as calls, pytest.raises(outbound.DestinationRefused) as refused:
        outbound.get(f"https://{host}/test", headers={"X-Api-Key": "k"}, purpose="test", policy=PRODUCTION)
    assert refused.value.args == (reason,)
    assert resolver.asked == [host]  # one lookup, then nothing
    assert _connects(calls) == []


@pytest.mark.parametrize(
    "name,address,reason",
    [c for c in CLASSES if c[2] != "loopback"],
    ids=[c[0] for c in CLASSES if c[2] != "loopback"],
)
def test_development_refuses_the_same_names_except_loopback(resolver, name, address, reason):
    host = f"{name}.publisher.example"
    resolver.answers[host] = [address]
    with pytest.raises(outbound.DestinationRefused) as refused:
        outbound.check(f"https://{host}/", FIRST_HOP_ON_LOOPBACK)
    assert refused.value.args == (reason,)


def test_one_inward_address_among_public_ones_refuses_the_name(resolver):
    """Whichever address the resolver lists first: the client could connect to any of them."""
    for order in (["93.184.216.34", "10.0.0.5"], ["10.0.0.5", "93.184.216.34"], ["2606:4700::1", "fe80::1"]):
        resolver.answers["mixed.publisher.example"] = order
        with network_calls() as calls, pytest.raises(outbound.DestinationRefused):
            outbound.get("https://mixed.publisher.example/", purpose="test", policy=PRODUCTION)
        assert _connects(calls) == []


@pytest.mark.parametrize("name,address,reason", IPV4, ids=[c[0] for c in IPV4])
def test_the_system_resolver_turns_one_number_names_into_the_class_and_the_guard_refuses_them(
    name, address, reason
):
    """No replaced resolution here: getaddrinfo itself reads `167772165` as 10.0.0.5. The name rule
    refuses such spellings as written; the address rule refuses what they resolve to, on its own."""
    number = str(int(ipaddress.IPv4Address(address)))
    assert {found[4][0] for found in socket.getaddrinfo(number, 443, type=socket.SOCK_STREAM)} == {address}
    with pytest.raises(outbound.DestinationRefused) as refused:
        outbound.resolve_checked(number, 443, PRODUCTION)
    assert refused.value.args == (reason,)
    with network_calls() as calls, pytest.raises(outbound.DestinationRefused) as refused:
        outbound.get(f"https://{number}/", purpose="test", policy=PRODUCTION)
    assert refused.value.args == ("numeric",) and _connects(calls) == []


# --- by redirect --------------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["address", "name"])
@pytest.mark.parametrize("name,address,reason", CLASSES, ids=IDS)
def test_a_redirect_to_the_class_is_refused_and_never_followed(endpoint, resolver, name, address, reason, by):
    host = f"{name}.publisher.example"
    resolver.answers[host] = [address]
    target = _url_host(address) if by == "address" else host
    provider = endpoint(redirect_to(302, f"https://{target}/latest/meta-data/"))
    port = int(provider.url.rsplit(":", 1)[1])
    with network_calls() as calls, pytest.raises(outbound.RedirectRefused):
        outbound.post(
            provider.url + "/token", data={"client_secret": "s"}, purpose="test", policy=FIRST_HOP_ON_LOOPBACK
        )
    assert len(provider.hits) == 1
    assert _connects(calls) == [("127.0.0.1", port)]  # the provider, once; the target never
    looked_up = {found for kind, found in calls if kind == "getaddrinfo"}
    assert resolver.asked == [] and looked_up <= {"127.0.0.1"}  # the target's name never even resolved


def test_a_redirect_to_a_live_internal_service_leaves_it_untouched(endpoint):
    """The loopback class with a real server behind the redirect, every redirect status."""
    internal = endpoint(send_json(200, {"ok": True}), host="127.0.0.2")
    for status in (301, 302, 303, 307, 308):
        provider = endpoint(redirect_to(status, internal.url + "/admin"))
        with pytest.raises(outbound.RedirectRefused):
            outbound.get(provider.url, purpose="test", policy=FIRST_HOP_ON_LOOPBACK)
        assert len(provider.hits) == 1
    assert internal.hits == []
