"""A GSM modem on a serial port, spoken to with AT commands in PDU mode (pyserial)."""

from __future__ import annotations

import logging
import re
import time

import serial

from metering_worker.sms.base import Outgoing, SendError
from metering_worker.sms.pdu import MessageTooLong, encode

log = logging.getLogger(__name__)

CTRL_Z = b"\x1a"
_CMGS = re.compile(rb"^\+CMGS:\s*(\d+)")
_ERROR = re.compile(rb"^(?:\+CMS ERROR|\+CME ERROR):\s*(.+)$")
# +CMS ERROR codes (TS 27.005 3.2.5 / TS 24.011 E.2) that no retry can cure: unassigned or
# barred numbers, rejected or malformed messages. Network and modem trouble is worth a retry.
PERMANENT_CMS = frozenset({1, 8, 10, 21, 28, 29, 30, 50, 96, 97, 98, 99, 111, 127,
                           300, 301, 302, 303, 304, 305, 306, 307, 308})


class ModemError(SendError):
    """The modem answered ERROR or +CMS/+CME ERROR."""


class GsmModemDriver:
    """Sends through one modem; the port is opened exclusively for a dispatcher run, so a
    second dispatcher on the same host fails to open it instead of interleaving commands."""

    name = "gsm"

    def __init__(self, port: str, *, baudrate: int = 115200, command_timeout: float = 5.0,
                 send_timeout: float = 60.0, max_parts: int = 4) -> None:
        self.port, self.baudrate = port, baudrate
        self.command_timeout, self.send_timeout, self.max_parts = command_timeout, send_timeout, max_parts
        self._serial: serial.Serial | None = None
        self._buffer = b""

    def __enter__(self) -> GsmModemDriver:
        try:
            self._serial = serial.Serial(self.port, self.baudrate, timeout=0.05, write_timeout=5,
                                         exclusive=True)
        except (serial.SerialException, OSError) as exc:
            raise SendError(f"cannot open the modem at {self.port}: {exc}") from exc
        try:
            self._serial.reset_input_buffer()
            self.command(b"AT")
            self.command(b"ATE0")  # no echo: the PDU hex would otherwise come back at us
            self.command(b"AT+CMGF=0")  # PDU mode
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def send(self, message: Outgoing) -> str:
        """Send every part; the provider reference is the parts' +CMGS message references.

        If a later part fails, a retry sends the whole text again (the modem cannot recall the
        parts already sent): the tenant may see the first part twice, never a lost tail.
        """
        try:
            pdus = encode(message.phone, message.body, reference=message.id % 256,
                          max_parts=self.max_parts)
        except (MessageTooLong, ValueError) as exc:
            raise SendError(str(exc), permanent=True) from exc
        refs = []
        for pdu in pdus:
            self.command(f"AT+CMGS={pdu.tpdu_length}".encode(), prompt=True)
            lines = self.command(pdu.hex.encode() + CTRL_Z, timeout=self.send_timeout, line_end=b"")
            match = next((m for m in map(_CMGS.match, lines) if m), None)
            if match is None:
                raise SendError(f"the modem said OK without a +CMGS reference: {lines!r}")
            refs.append(match.group(1).decode())
        return ",".join(refs)

    def command(self, line: bytes, *, timeout: float | None = None, prompt: bool = False,
                line_end: bytes = b"\r") -> list[bytes]:
        """Write one command and collect the lines of its answer up to OK (or the "> " prompt).

        Raises ModemError on ERROR / +CMS ERROR, SendError on a timeout.
        """
        assert self._serial is not None, "use the driver as a context manager"
        self._serial.write(line + line_end)
        deadline = time.monotonic() + (timeout or self.command_timeout)
        lines: list[bytes] = []
        while True:
            if prompt and self._buffer.lstrip(b"\r\n").startswith(b">"):
                self._buffer = b""
                return lines
            if b"\n" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\n", 1)
                text = raw.strip()
                if not text or text == line.strip():  # blank, or an echo before ATE0 took effect
                    continue
                if text == b"OK":
                    return lines
                self._raise_on_error(text, line)
                lines.append(text)
                continue
            if time.monotonic() > deadline:
                raise SendError(f"modem timeout waiting for an answer to {line[:16]!r}")
            self._buffer += self._serial.read(max(1, self._serial.in_waiting))

    @staticmethod
    def _raise_on_error(text: bytes, line: bytes) -> None:
        if text == b"ERROR":
            raise ModemError(f"the modem answered ERROR to {line[:16]!r}")
        error = _ERROR.match(text)
        if error:
            code = error.group(1).decode(errors="replace").strip()
            permanent = text.startswith(b"+CMS") and code.isdigit() and int(code) in PERMANENT_CMS
            raise ModemError(f"modem error {text.decode(errors='replace')}", permanent=permanent)
