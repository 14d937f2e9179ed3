"""Real HTTP servers on loopback addresses (127.0.0.1 as "the provider", 127.0.0.2 as "an internal
service"), each recording every request it receives; how each answers is a small function."""

from __future__ import annotations

import datetime
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

MARKER = "INTERNAL-SECRET-MARKER-7f3a9c"


class Endpoint:
    def __init__(self, host: str, answer, tls: ssl.SSLContext | None = None):
        self.hits: list[tuple[str, str, bytes]] = []
        self.host_headers: list[str] = []
        self.server_names: list[str | None] = []  # TLS SNI, as the client sent it
        self.release = threading.Event()  # set at teardown: slow answers stop waiting
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length)  # for an answer that reads it (a webhook receiver)
                endpoint.hits.append((self.command, self.path, self.body))
                endpoint.host_headers.append(self.headers.get("Host", ""))
                try:
                    answer(self, endpoint)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up (a cut answer): expected

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda sock, name, context: self.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def endpoint():
    """endpoint(answer, host="127.0.0.1") -> a started Endpoint, stopped after the test."""
    started: list[Endpoint] = []

    def make(answer, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Endpoint:
        server = Endpoint(host, answer, tls)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


# --- answers --------------------------------------------------------------------------------------


def send_json(status: int, document) -> callable:
    def answer(handler, endpoint):
        body = json.dumps(document).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect_to(status: int, location: str) -> callable:
    def answer(handler, endpoint):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def slow(handler, endpoint):
    """Says nothing until the test is over."""
    endpoint.release.wait(30)


def drip(handler, endpoint):
    """A header line a byte every 0.1 s: each read is quick, the whole never ends."""
    handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Pad: ")
    for _ in range(100):  # ten seconds at most
        if endpoint.release.wait(0.1):
            return
        handler.wfile.write(b"a")
        handler.wfile.flush()


def huge(declared: bool) -> callable:
    """Two MiB of body (a marker in every piece), with or without a Content-Length."""
    piece = (MARKER + " ").encode() * 2000

    def answer(handler, endpoint):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared:
            handler.send_header("Content-Length", str(2 * 1024 * 1024))
        handler.end_headers()
        sent = 0
        while sent < 2 * 1024 * 1024 and not endpoint.release.is_set():
            handler.wfile.write(piece)
            sent += len(piece)
            time.sleep(0)

    return answer


# --- TLS: a throwaway CA and a certificate for one name ------------------------------------------


def certificate_authority(tmp_path, name: str) -> tuple[str, ssl.SSLContext]:
    """(path of a CA bundle, a server context whose certificate that CA signed for `name` only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, key, signer, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key, ca_key, ca=True)
    leaf = build(name, "Test CA", leaf_key, ca_key, ca=False, san=name)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    return str(tmp_path / "ca.pem"), context
