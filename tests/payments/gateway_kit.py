"""Test keys and a real local HTTP server answering what each test scripts, for the gateway adapters."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from Crypto.PublicKey import RSA
from Crypto.PublicKey.RSA import RsaKey


@functools.cache
def rsa_key(role: str) -> RsaKey:
    """One 2048-bit key per role for the whole session: generating them is the slow part."""
    return RSA.generate(2048)


@dataclass
class Seen:
    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class GatewayServer:
    """A real HTTP server on an ephemeral port; `answer` builds each reply from the request seen."""

    answer: Callable[[Seen], Answer] = lambda seen: (404, {}, b"")
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
                outer.seen.append(seen)
                status, headers, body = outer.answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
