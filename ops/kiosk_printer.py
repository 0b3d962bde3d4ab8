"""A receipt printer on the network for the kiosk's tests: ESC/POS over TCP, as a printer on
port 9100 takes it. It keeps the bytes it is sent and answers the real-time status queries
(DLE EOT n) as an Epson-compatible printer does, with its roll in or out (`paper`), so the
kiosk's python-escpos `Network` printer asks it exactly what it would ask a real one."""

from __future__ import annotations

import socketserver
import threading

STATUS = b"\x10\x04"  # DLE EOT n: the printer answers one byte at once, whatever it is doing
# Answers to n=4, the roll sensor: bits 1 and 4 are always set; bits 2-3 say "near its end",
# bits 5-6 "out". n=1, the printer's state: bit 3 would say offline.
PAPER_IN, PAPER_OUT, ONLINE = 0x12, 0x72, 0x12


class NetworkPrinter:
    def __init__(self) -> None:
        self.paper = True
        self.printed = bytearray()  # everything sent but the status queries
        self.paper_queries = 0
        self._lock = threading.Lock()
        self._server: socketserver.ThreadingTCPServer | None = None

    def start(self, port: int = 0) -> str:
        """Listen on a local port (a free one by default); answers "127.0.0.1:<port>", the
        kiosk's printer target."""
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                pending = b""
                while chunk := self.request.recv(4096):
                    pending = printer._take(pending + chunk, self.request.sendall)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _take(self, data: bytes, reply) -> bytes:
        """Print what came, answer the status queries in it; a query cut between two reads
        waits for its end."""
        while True:
            at = data.find(STATUS)
            if at == -1:
                keep = 1 if data.endswith(STATUS[:1]) else 0
                self._print(data[:len(data) - keep])
                return data[len(data) - keep:]
            if len(data) < at + 3:
                self._print(data[:at])
                return data[at:]
            self._print(data[:at])
            kind, data = data[at + 2], data[at + 3:]
            if kind == 4:
                with self._lock:
                    self.paper_queries += 1
                reply(bytes([PAPER_IN if self.paper else PAPER_OUT]))
            else:
                reply(bytes([ONLINE]))

    def _print(self, data: bytes) -> None:
        if data:
            with self._lock:
                self.printed += data
