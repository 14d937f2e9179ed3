"""A TCP proxy on 127.0.0.1 that a test turns into a faulty network.

Modes:
- `pass`: bytes flow both ways.
- `blackhole`: connections are accepted and held, nothing is forwarded either way (what is sent
  waits in the kernel's buffers, as packets would on a network that drops them); when the mode
  goes back to `pass`, forwarding resumes.
- `reset`: every connection is closed with a TCP RST (SO_LINGER 0), and so is every new one.
- `cut_answers`: requests reach the server, but the first bytes of its answer reset the
  client's connection instead of reaching it (an answer lost after the work was done).

One thread runs a selector loop; `set_mode` returns once the loop has applied the mode.
"""

from __future__ import annotations

import queue
import selectors
import socket
import struct
import threading

MODES = ("pass", "blackhole", "reset", "cut_answers")


def _reset(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class _Pair:
    def __init__(self, client: socket.socket):
        self.client = client
        self.upstream: socket.socket | None = None

    def other(self, sock):
        return self.upstream if sock is self.client else self.client

    def sockets(self):
        return [s for s in (self.client, self.upstream) if s is not None]


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"
        self.connections_seen = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._pairs: list[_Pair] = []
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._requests: queue.Queue = queue.Queue()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="fault-proxy", daemon=True)

    # --- the test's side -----------------------------------------------------------------

    def __enter__(self) -> FaultProxy:
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._call("stop")
        self._thread.join(timeout=10)

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self._call(mode)

    def _call(self, what: str) -> None:
        done = threading.Event()
        self._requests.put((what, done))
        self._wake_w.send(b"x")
        assert done.wait(timeout=10), "the proxy loop did not answer"

    # --- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopped:
            for key, _ in self._selector.select(timeout=1):
                if key.data == "wake":
                    self._wake_r.recv(64)
                    self._apply_requests()
                elif key.data == "accept":
                    self._accept()
                else:
                    self._forward(key.fileobj, key.data)
        for pair in self._pairs:
            for sock in pair.sockets():
                sock.close()
        for sock in (self._listener, self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()

    def _apply_requests(self) -> None:
        while not self._requests.empty():
            what, done = self._requests.get()
            if what == "stop":
                self._stopped = True
            else:
                self.mode = what
                if what == "reset":
                    for pair in list(self._pairs):
                        self._drop(pair, reset=True)
                for pair in self._pairs:
                    self._watch(pair)
            done.set()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        self.connections_seen += 1
        if self.mode == "reset":
            _reset(client)
            return
        pair = _Pair(client)
        self._pairs.append(pair)
        self._watch(pair)

    def _watch(self, pair: _Pair) -> None:
        """Read from a pair's sockets only while bytes may flow (not in a black hole)."""
        flowing = self.mode != "blackhole"
        if flowing and pair.upstream is None:
            try:
                pair.upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                self._drop(pair, reset=True)
                return
        for sock in pair.sockets():
            registered = self._is_registered(sock)
            if flowing and not registered:
                self._selector.register(sock, selectors.EVENT_READ, pair)
            elif not flowing and registered:
                self._selector.unregister(sock)

    def _is_registered(self, sock) -> bool:
        try:
            self._selector.get_key(sock)
            return True
        except (KeyError, ValueError):
            return False

    def _forward(self, sock: socket.socket, pair: _Pair) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(pair, reset=False)
            return
        if self.mode == "cut_answers" and sock is pair.upstream:
            self._drop(pair, reset=True)  # the server answered; the client never hears it
            return
        try:
            pair.other(sock).sendall(data)
        except OSError:
            self._drop(pair, reset=False)

    def _drop(self, pair: _Pair, *, reset: bool) -> None:
        for sock in pair.sockets():
            if self._is_registered(sock):
                self._selector.unregister(sock)
            if reset:
                _reset(sock)
            else:
                sock.close()
        if pair in self._pairs:
            self._pairs.remove(pair)
