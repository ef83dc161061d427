"""Counting the round trips a client makes to a PostgreSQL server: a TCP proxy in front
of the server that counts each time the client speaks after the server has answered
(or first). Driver-agnostic: what it counts is what the network carries."""

from __future__ import annotations

import select
import socket
import threading
from types import TracebackType

from sqlalchemy import make_url


class RoundTrips:
    """A proxy to the server of a PostgreSQL URL; `url` points at the proxy, `count` is
    the round trips made through it since the last `reset()`."""

    def __init__(self, url: str) -> None:
        target = make_url(url)
        self._upstream = (target.host or "127.0.0.1", target.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = target.set(host="127.0.0.1", port=self._listener.getsockname()[1]
                              ).render_as_string(hide_password=False)
        self.count = 0
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.count = 0

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        answered = True  # the client's first message starts a round trip
        with client, server:
            while True:
                ready, _, _ = select.select([client, server], [], [])
                for side in ready:
                    data = side.recv(65536)
                    if not data:
                        return
                    if side is client:
                        if answered:
                            with self._lock:
                                self.count += 1
                        answered = False
                        server.sendall(data)
                    else:
                        answered = True
                        client.sendall(data)

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def __enter__(self) -> RoundTrips:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
