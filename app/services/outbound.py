"""The one guarded HTTP client: every request the server sends to a URL a publisher wrote goes
through here (the OAuth2 token exchange now; token refresh, connection tests and webhooks next).

- The host is resolved once (getaddrinfo) and every address it resolves to must be public
  (domain/hosts.py decides). The connection goes to the address that was checked, never through
  a second lookup (DNS rebinding), while TLS SNI, the certificate check and `Host` keep the name.
- No redirects (a 3xx is an error), no proxy or .netrc from the environment.
- Bounded: the whole exchange (connect, headers, body) ends within OUTBOUND_TIMEOUT_SECONDS, and
  at most OUTBOUND_MAX_RESPONSE_BYTES of body is read, in pieces.
- Plain http only to loopback, and loopback only where OUTBOUND_ALLOW_LOOPBACK (development and
  tests: the demo provider); never in production.
- Failures are typed (OutboundError and its subclasses), each with a fixed code and message:
  nothing the remote host sent ever reaches a person or a log line.

    answer = outbound.post(url, data={...}, headers={...}, purpose="token refresh")
    answer.status, answer.headers, answer.body, answer.json()

Authlib (a requests.Session) is given the same guard with `outbound.guard(session, purpose)`.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import certifi
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3 import exceptions as urllib3_errors
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util import Timeout

from ..domain import hosts

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


# --- errors: a fixed vocabulary ----------------------------------------------------------------


class OutboundError(Exception):
    """A request that did not produce a usable answer. `code` and `message` are fixed texts;
    the exception's own text (for logs) never holds anything the remote host sent."""

    code = "unreachable"
    message = "The remote service could not be reached."


class BadUrl(OutboundError):
    code = "bad_url"
    message = "The address is not a usable http(s) URL."


class DestinationRefused(OutboundError):
    code = "destination_refused"
    message = "The address points at a host the marketplace does not call (only public internet hosts)."


class Unreachable(OutboundError):
    code = "unreachable"
    message = "The remote service could not be reached."


class TimedOut(Unreachable):
    code = "timeout"
    message = "The remote service did not answer in time."


class RedirectRefused(OutboundError):
    code = "redirect"
    message = "The remote service answered with a redirect, which is not followed."


class ResponseTooLarge(OutboundError):
    code = "too_large"
    message = "The remote service's answer was too large."


# --- policy and answer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """Where and how long: built from the app's config; the default is production's."""

    allow_loopback: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    ca_certs: str | None = None  # certifi's bundle unless given (the tests' own CA)

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        return cls(
            allow_loopback=bool(config.get("OUTBOUND_ALLOW_LOOPBACK")) and not config.get("PRODUCTION"),
            timeout=float(config.get("OUTBOUND_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
            max_bytes=int(config.get("OUTBOUND_MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE_BYTES)),
        )

    @classmethod
    def current(cls) -> Policy:
        from flask import current_app, has_app_context

        return cls.from_config(current_app.config) if has_app_context() else cls()


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self):
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body)


# --- the target: checked before any byte is sent -------------------------------------------------


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadUrl("unparsable url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise BadUrl("scheme, host or userinfo")
    try:
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise BadUrl("host name") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Unreachable("name does not resolve") from None
    addresses = []
    for *_, sockaddr in found:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return tuple(addresses)


def resolve_checked(host: str, port: int, policy: Policy) -> tuple[str, ...]:
    """The addresses a host resolves to (one lookup), each one allowed, or DestinationRefused:
    one inward address refuses the host, whichever the resolver would have put first."""
    addresses = _resolve(host, port)
    for address in addresses:
        reason = hosts.address_problem(ipaddress.ip_address(address), allow_loopback=policy.allow_loopback)
        if reason:
            raise DestinationRefused(reason)
    return addresses


def check(url: str, policy: Policy | None = None) -> _Target:
    """Everything about a URL that can be decided before connecting: raises BadUrl,
    DestinationRefused or Unreachable (the name does not resolve)."""
    policy = policy or Policy.current()
    scheme, host, port, path = _split(url)
    reason = hosts.host_problem(host, allow_loopback=policy.allow_loopback)
    if reason:
        raise DestinationRefused(reason)
    addresses = resolve_checked(host, port, policy)
    if scheme == "http" and not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise DestinationRefused("plain http beyond loopback")
    return _Target(scheme, host, port, path, addresses)


# --- the connection: pinned to the checked address, cut at the deadline ---------------------------


class _Deadline:
    """One clock for the whole exchange. A socket it watches is shut down when time runs out, so
    even a server that drips its headers a byte at a time cannot hold a worker past it."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.passed = False
        self._timers: list[threading.Timer] = []

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self.passed = True
            raise TimedOut("deadline")
        return left

    def watch(self, sock: socket.socket) -> None:
        timer = threading.Timer(max(self.end - time.monotonic(), 0), self._cut, (sock,))
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def _cut(self, sock: socket.socket) -> None:
        self.passed = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()


class _Watched:
    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._deadline.watch(sock)
        return sock


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _pool(target: _Target, address: str, deadline: _Deadline, policy: Policy):
    """A pool of one connection to the checked address; for https the name stays the TLS peer."""
    timeout = Timeout(connect=deadline.remaining(), read=deadline.remaining())
    common = {"port": target.port, "timeout": timeout, "maxsize": 1, "retries": False, "deadline": deadline}
    if target.scheme == "http":
        return _HTTPPool(address, **common)
    return _HTTPSPool(
        address,
        cert_reqs="CERT_REQUIRED",
        ca_certs=policy.ca_certs or certifi.where(),
        assert_hostname=target.host,
        server_hostname=target.host,
        **common,
    )


def _read_body(response, policy: Policy, deadline: _Deadline) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise ResponseTooLarge("declared length")
    body = bytearray()
    while True:
        deadline.remaining()
        chunk = response.read(_CHUNK)
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > policy.max_bytes:
            raise ResponseTooLarge("body")


def _exchange(target, address, method, body, headers, policy, deadline) -> Response:
    pool = _pool(target, address, deadline, policy)
    try:
        response = pool.urlopen(
            method,
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header, "Accept-Encoding": "identity"},
            redirect=False,
            retries=False,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
        try:
            if 300 <= response.status < 400:
                raise RedirectRefused(f"status {response.status}")
            return Response(response.status, dict(response.headers), _read_body(response, policy, deadline))
        finally:
            response.release_conn()
    finally:
        pool.close()


def _send(target: _Target, method: str, body, headers: dict, policy: Policy) -> Response:
    deadline = _Deadline(policy.timeout)
    try:
        for index, address in enumerate(target.addresses):
            try:
                return _exchange(target, address, method, body, headers, policy, deadline)
            except urllib3_errors.NewConnectionError:
                if index == len(target.addresses) - 1 or deadline.passed:
                    raise
        raise Unreachable("no address")
    except OutboundError:
        raise
    except (urllib3_errors.HTTPError, http.client.HTTPException, OSError, ValueError) as error:
        timed_out = isinstance(error, (urllib3_errors.TimeoutError, TimeoutError)) and not isinstance(
            error,
            urllib3_errors.NewConnectionError,  # a refused connection, despite its ancestry
        )
        if deadline.passed or timed_out:
            raise TimedOut("deadline") from None
        raise Unreachable(type(error).__name__) from None
    finally:
        deadline.close()


def request(
    method: str,
    url: str,
    *,
    purpose: str,
    data: Mapping | None = None,
    body: bytes | str | None = None,
    json_body=None,
    headers: Mapping[str, str] | None = None,
    policy: Policy | None = None,
) -> Response:
    """Send one request to a publisher-written URL, guarded as this module says. `purpose` names
    the caller in the log. Raises an OutboundError; any status that is not a 3xx is returned."""
    policy = policy or Policy.current()
    headers = {k: v for k, v in (headers or {}).items() if k.lower() not in ("host", "content-length")}
    if data is not None:
        body = urlencode(data)
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif json_body is not None:
        body = json.dumps(json_body)
        headers.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    try:
        target = check(url, policy)
        answer = _send(target, method.upper(), body, headers, policy)
    except OutboundError as error:
        log.info("outbound %s %s refused or failed: %s", purpose, _host_for_log(url), error.code)
        raise
    log.info("outbound %s %s answered %s", purpose, _host_for_log(url), answer.status)
    return answer


def _host_for_log(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def get(url: str, **kwargs) -> Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs) -> Response:
    return request("POST", url, **kwargs)


# --- requests / Authlib ------------------------------------------------------------------------


class GuardedAdapter(BaseAdapter):
    """A requests transport that sends everything through `request` above (so an Authlib client,
    a requests.Session, gets the same guard). Its errors are the OutboundError family."""

    def __init__(self, purpose: str, policy: Policy | None = None):
        super().__init__()
        self.purpose = purpose
        self.policy = policy

    def send(self, prepared, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        answer = request(
            prepared.method,
            prepared.url,
            body=prepared.body,
            headers=dict(prepared.headers),
            purpose=self.purpose,
            policy=self.policy,
        )
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.body
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = prepared.url
        response.request = prepared
        return response

    def close(self) -> None:
        pass


def guard(session: requests.Session, purpose: str, policy: Policy | None = None) -> requests.Session:
    """Route every request of a requests.Session (an Authlib OAuth2Session) through the guard."""
    session.trust_env = False
    adapter = GuardedAdapter(purpose, policy)
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
