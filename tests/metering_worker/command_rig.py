"""A bus of simulated meters on real TCP, registered in the test database, for command tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from metering_worker import transport
from metering_worker.driver import MeterDriver
from metering_worker.outbox.runner import run_due_commands
from metering_worker.protocol import KeyRing
from metering_worker.simulator import SimulatorFleet
from metering_worker.simulator.config import DEMO_MASTER_KEY
from shared_models.models import Command, Meter
from shared_models.models.commands import CommandKind
from shared_models.remote_control import outbox

KEYS = KeyRing.single(bytes.fromhex(DEMO_MASTER_KEY))


@dataclass
class Rig:
    fleet: SimulatorFleet
    db: Session
    sessions: sessionmaker[Session]
    redis: Redis
    bus_id: int
    meters: list[Meter]
    keys: KeyRing = KEYS
    timeout: float = 0.4
    clock_shift: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def port(self) -> int:
        return self.fleet.ports[0]

    def sim(self, index: int = 0):
        """The simulated meter behind self.meters[index]."""
        return self.fleet.meter(self.port, self.meters[index].address)

    def issue(self, kind: CommandKind | str, index: int = 0, payload: dict | None = None,
              ttl: timedelta = outbox.DEFAULT_TTL, **values) -> Command:
        command = outbox.issue(self.db, meter_id=self.meters[index].id, kind=CommandKind(kind),
                                 payload=payload, ttl=ttl, **values)
        self.db.commit()
        transport.announce(self.redis, [command.id], [self.bus_id])
        return command

    def driver(self, port: int | None = None) -> MeterDriver:
        return MeterDriver.tcp("127.0.0.1", port or self.port, timeout=self.timeout)

    def run(self, *, port: int | None = None, keys: KeyRing | None = None) -> int:
        """One pass of run_due_commands over the bus, as a sweep or the job would call it."""
        self.db.commit()  # nothing of the test's session may hold a savepoint open around the run

        async def main() -> int:
            driver = self.driver(port)
            try:
                return await run_due_commands(
                    self.bus_id, driver, self.sessions, redis=self.redis, keys=keys or self.keys,
                    now=lambda: time.time() + self.clock_shift)
            finally:
                driver.close()

        return asyncio.run(main())

    def reload(self, command: Command) -> Command:
        self.db.expire_all()
        return self.db.get(Command, command.id)

    def exchanges(self) -> int:
        return self.fleet.buses[self.port].exchanges


class DroppingProxy:
    """A Modbus TCP hop in front of a bus that loses the replies to chosen requests.

    The request still reaches the meter (it acts on it); only its answer is lost on the way
    back, which is what a worker sees when a gateway or the line drops a reply.
    """

    def __init__(self, upstream_port: int, drop: Callable[[bytes], bool], times: int = 1) -> None:
        self.upstream_port, self.drop, self.left = upstream_port, drop, times
        self.dropped = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            while True:
                request = await _frame(reader)
                up_writer.write(request)
                await up_writer.drain()
                reply = await _frame(up_reader)
                if self.left > 0 and self.drop(request[7:]):
                    self.left -= 1
                    self.dropped += 1
                    continue
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()
            writer.close()

    def start(self) -> DroppingProxy:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait()
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()


async def _frame(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readexactly(7)  # MBAP: transaction, protocol, length, unit
    length = int.from_bytes(header[4:6], "big")
    return header + await reader.readexactly(length - 1)


def reads_of(address: int) -> Callable[[bytes], bool]:
    """Matches an FC03 request PDU starting at `address`."""
    return lambda pdu: pdu[:1] == b"\x03" and int.from_bytes(pdu[1:3], "big") == address
