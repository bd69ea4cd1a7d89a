"""A small TCP proxy on 127.0.0.1 whose connections the tests can cut.

The connector is pointed at the proxy instead of the server. The proxy
copies bytes both ways and counts what the server sent; cut() resets
every open connection at once (RST to both ends, as when a firewall or a
NAT drops the flow), cut_after(n) does the same as soon as the server has
sent n more bytes, and refuse() makes new connections fail, so a
connector that retries cannot simply reconnect until allow() is called.

One thread runs a selector loop that owns every socket; the public
methods only post requests to it, so no socket is touched from two
threads.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from typing import Optional

HOST = "127.0.0.1"
BUFSIZE = 65536


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN: SO_LINGER on, timeout 0."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Pair:
    """One proxied connection: the client side and the server side."""

    def __init__(self, client: socket.socket, server: socket.socket):
        self.client = client
        self.server = server
        self.pending = {client: b"", server: b""}   # bytes to write to key
        self.closed = False

    def peer(self, sock: socket.socket) -> socket.socket:
        return self.server if sock is self.client else self.client


class TcpProxy:
    """Forwards 127.0.0.1:<port> to target_host:target_port."""

    def __init__(self, target_port: int, target_host: str = HOST):
        self.target = (target_host, target_port)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.host = HOST
        self._sel = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._lock = threading.Lock()
        self._requests: list = []
        self._pairs: list[_Pair] = []
        self._refusing = False
        self._cut_budget: Optional[int] = None
        self._refuse_after_cut = False
        self._stop = False
        # Statistics, read by the tests (ints are swapped atomically).
        self.server_bytes = 0
        self.client_bytes = 0
        self.accepted = 0
        self.refused = 0
        self.cuts = 0
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="tcp-proxy-%d" % self.port)
        self._thread.start()

    # ------------------------------------------------------------ control

    def _post(self, request: tuple) -> threading.Event:
        done = threading.Event()
        with self._lock:
            self._requests.append((request, done))
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        return done

    def _call(self, *request) -> None:
        if not self._post(request).wait(10):
            raise RuntimeError("tcp proxy loop did not answer %r"
                               % (request,))

    def cut(self) -> None:
        """Reset every open connection now."""
        self._call("cut")

    def cut_after(self, nbytes: int, then_refuse: bool = False) -> None:
        """Reset every open connection once the server has sent nbytes
        more bytes through the proxy (the byte that crosses the limit is
        not forwarded); with then_refuse, refuse() from that moment on."""
        self._call("cut_after", nbytes, then_refuse)

    def refuse(self) -> None:
        """Accept and immediately reset new connections."""
        self._call("refuse", True)

    def allow(self) -> None:
        self._call("refuse", False)

    def open_connections(self) -> int:
        with self._lock:
            return sum(1 for p in self._pairs if not p.closed)

    def wait_cut(self, timeout: float) -> bool:
        """Wait until at least one cut has happened."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.cuts:
                return True
            time.sleep(0.01)
        return bool(self.cuts)

    def close(self) -> None:
        if self._stop:
            return
        self._post(("stop",))
        self._thread.join(10)
        self._stop = True

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --------------------------------------------------------------- loop

    def _loop(self) -> None:
        self._sel.register(self.listener, selectors.EVENT_READ, "listen")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        running = True
        while running:
            for key, events in self._sel.select(timeout=0.5):
                if key.data == "listen":
                    self._accept()
                elif key.data == "wake":
                    running = self._serve_requests()
                else:
                    self._io(key.fileobj, key.data, events)
        self._shutdown()

    def _serve_requests(self) -> bool:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        with self._lock:
            requests, self._requests = self._requests, []
        running = True
        for (request, done) in requests:
            kind = request[0]
            if kind == "cut":
                self._cut_all()
            elif kind == "cut_after":
                self._cut_budget = request[1]
                self._refuse_after_cut = request[2]
            elif kind == "refuse":
                self._refusing = request[1]
            elif kind == "stop":
                running = False
            done.set()
        return running

    def _accept(self) -> None:
        try:
            client, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        if self._refusing:
            self.refused += 1
            _reset(client)
            return
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            self.refused += 1
            _reset(client)
            return
        for sock in (client, server):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = _Pair(client, server)
        with self._lock:
            self._pairs.append(pair)
        self.accepted += 1
        self._sel.register(client, selectors.EVENT_READ, pair)
        self._sel.register(server, selectors.EVENT_READ, pair)

    def _io(self, sock: socket.socket, pair: _Pair, events: int) -> None:
        if pair.closed:
            return
        if events & selectors.EVENT_WRITE:
            self._flush(sock, pair)
        if not pair.closed and events & selectors.EVENT_READ:
            self._read(sock, pair)

    def _read(self, sock: socket.socket, pair: _Pair) -> None:
        try:
            data = sock.recv(BUFSIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            # One side closed or reset: close the other side too, so it
            # sees the end at once.
            self._close_pair(pair, reset=False)
            return
        if sock is pair.server:
            if self._cut_budget is not None:
                if len(data) > self._cut_budget:
                    data = data[:self._cut_budget]
                    self._forward(pair, pair.client, data)
                    self.server_bytes += len(data)
                    self._cut_budget = None
                    if self._refuse_after_cut:
                        self._refusing = True
                    self._cut_all()
                    return
                self._cut_budget -= len(data)
            self.server_bytes += len(data)
        else:
            self.client_bytes += len(data)
        self._forward(pair, pair.peer(sock), data)

    def _forward(self, pair: _Pair, dest: socket.socket, data: bytes) -> None:
        pair.pending[dest] += data
        self._flush(dest, pair)

    def _flush(self, dest: socket.socket, pair: _Pair) -> None:
        buf = pair.pending[dest]
        if buf:
            try:
                sent = dest.send(buf)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._close_pair(pair)
                return
            buf = buf[sent:]
            pair.pending[dest] = buf
        self._update_interest(pair)

    def _update_interest(self, pair: _Pair) -> None:
        """Back-pressure: stop reading a side while its peer still has
        unsent bytes; watch for writability only while bytes wait."""
        for sock in (pair.client, pair.server):
            mask = 0
            if not pair.pending[pair.peer(sock)]:
                mask |= selectors.EVENT_READ
            if pair.pending[sock]:
                mask |= selectors.EVENT_WRITE
            try:
                if mask:
                    self._sel.modify(sock, mask, pair)
                else:
                    self._sel.unregister(sock)
            except KeyError:
                if mask:
                    self._sel.register(sock, mask, pair)
            except (ValueError, OSError):
                pass

    def _close_pair(self, pair: _Pair, reset: bool = True) -> None:
        if pair.closed:
            return
        pair.closed = True
        for sock in (pair.client, pair.server):
            try:
                self._sel.unregister(sock)
            except (KeyError, ValueError):
                pass
            if reset:
                _reset(sock)
            else:
                sock.close()

    def _cut_all(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._close_pair(pair, reset=True)
        self.cuts += 1

    def _shutdown(self) -> None:
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._close_pair(pair, reset=False)
        for sock in (self.listener, self._wake_r, self._wake_w):
            try:
                sock.close()
            except OSError:
                pass
        self._sel.close()
