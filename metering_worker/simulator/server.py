"""TCP listeners of a gateway: one port per bus, Modbus TCP or RTU-over-TCP framing."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from .bus import Bus
from .config import GatewayConfig
from .frames import garble, read_rtu_request, read_tcp_request, rtu_frame, tcp_frame

log = logging.getLogger(__name__)


class BusServer:
    """Accepts any number of clients for one bus; their requests queue on the bus lock."""

    def __init__(self, bus: Bus, host: str) -> None:
        self.bus = bus
        self.host = host
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        return self.bus.port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.bus.port)
        self.bus.port = self._server.sockets[0].getsockname()[1]
        log.info("bus %s listening on %s:%s (%s)", self.bus.config.number, self.host,
                 self.bus.port, self.bus.config.framing)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        tcp = self.bus.tcp
        read = read_tcp_request if tcp else read_rtu_request
        try:
            while True:
                request = await read(reader)
                if request is None:
                    continue
                reply, garbled = await self.bus.exchange(request)
                if reply is None:
                    continue
                if tcp:
                    frame = tcp_frame(request.transaction_id, request.unit, reply)
                else:
                    frame = rtu_frame(request.unit, reply)
                writer.write(garble(frame, rtu=not tcp) if garbled else frame)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:
            pass  # shutdown; a cancelled handler task makes Python 3.11's streams log an error
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class GatewayServer:
    """All buses of one gateway; a restart closes every socket and reopens the same ports."""

    def __init__(self, config: GatewayConfig, buses: list[Bus]) -> None:
        self.config = config
        self.name = config.name
        self.servers = [BusServer(bus, config.host) for bus in buses]
        self.up = False

    async def start(self) -> None:
        for server in self.servers:
            await server.start()
        self.up = True

    async def stop(self) -> None:
        for server in self.servers:
            await server.stop()
        self.up = False  # only once every socket is closed: tests wait on it

    async def restart(self, down_s: float) -> None:
        log.info("gateway %s going down for %.1f s", self.name, down_s)
        await self.stop()
        await asyncio.sleep(down_s)
        await self.start()
