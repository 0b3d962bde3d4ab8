"""A simulated GSM modem on a pseudo-terminal, answering AT commands like a real one.

It echoes until ATE0, keeps the message format (AT+CMGF), prompts "> " after AT+CMGS=<n>,
reads the PDU up to Ctrl-Z, checks <n> against the PDU, decodes it and answers +CMGS: <mr>.
Faults: a refused number (+CMS ERROR: 21), no network (+CMS ERROR: 331) and silence.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from dataclasses import dataclass, field

from metering_worker.sms.pdu import decode_submit


@dataclass
class Received:
    number: str
    text: str
    concat: tuple[int, int, int] | None


@dataclass
class SimulatedModem:
    refused_numbers: set[str] = field(default_factory=set)
    network_down: bool = False
    silent: bool = False  # swallow PDUs without answering: the driver must time out
    received: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._echo, self._pdu_mode, self._awaiting_pdu = True, False, None
        self._next_mr = 1
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SimulatedModem:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
        os.close(self.master)
        os.close(self.slave)

    def texts(self) -> list[str]:
        """Whole messages, concatenated parts joined in order."""
        whole, parts = [], {}
        for item in self.received:
            if item.concat is None:
                whole.append(item.text)
                continue
            ref, total, number = item.concat
            parts.setdefault(ref, {})[number] = item.text
            if len(parts[ref]) == total:
                done = parts.pop(ref)
                whole.append("".join(done[n] for n in range(1, total + 1)))
        return whole

    def _write(self, data: bytes) -> None:
        os.write(self.master, data)

    def _run(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if self._echo:
                self._write(chunk)
            buffer += chunk
            buffer = self._consume(buffer)

    def _consume(self, buffer: bytes) -> bytes:
        while True:
            if self._awaiting_pdu is not None:
                if b"\x1a" not in buffer:
                    return buffer
                pdu, buffer = buffer.split(b"\x1a", 1)
                self._on_pdu(pdu.decode().strip(), self._awaiting_pdu)
                self._awaiting_pdu = None
                continue
            if b"\r" not in buffer:
                return buffer
            line, buffer = buffer.split(b"\r", 1)
            self._on_command(line.decode().strip())

    def _on_command(self, command: str) -> None:
        if not command:
            return
        self.commands.append(command)
        upper = command.upper()
        if upper == "AT":
            self._ok()
        elif upper in ("ATE0", "ATE1"):
            self._echo = upper == "ATE1"
            self._ok()
        elif upper.startswith("AT+CMGF="):
            self._pdu_mode = upper.endswith("=0")
            self._ok()
        elif upper.startswith("AT+CMGS=") and self._pdu_mode:
            self._awaiting_pdu = int(command.split("=", 1)[1])
            self._write(b"\r\n> ")
        else:
            self._write(b"\r\nERROR\r\n")

    def _on_pdu(self, pdu_hex: str, declared: int) -> None:
        if self.silent:
            return
        raw = bytes.fromhex(pdu_hex)
        if len(raw) - 1 - raw[0] != declared:
            self._write(b"\r\n+CMS ERROR: 304\r\n")  # invalid PDU mode parameter
            return
        number, text, concat = decode_submit(pdu_hex)
        if self.network_down:
            self._write(b"\r\n+CMS ERROR: 331\r\n")  # no network service
            return
        if number.removeprefix("86") in self.refused_numbers:
            self._write(b"\r\n+CMS ERROR: 21\r\n")  # short message transfer rejected
            return
        self.received.append(Received(number, text, concat))
        self._write(f"\r\n+CMGS: {self._next_mr}\r\n\r\nOK\r\n".encode())
        self._next_mr += 1

    def _ok(self) -> None:
        self._write(b"\r\nOK\r\n")
