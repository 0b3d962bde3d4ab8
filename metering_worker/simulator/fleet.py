"""SimulatorFleet: every gateway, bus and meter of a config, startable in-process for tests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import time
from decimal import Decimal
from typing import Any

from metering_worker.protocol import KeyRing
from shared_models.money import cents

from .bus import Bus
from .config import FleetConfig
from .meter import SimMeter
from .physics import turnaround_for
from .relay import MICRO_PER_FEN
from .server import GatewayServer
from .state import StateStore

log = logging.getLogger(__name__)


class SimulatorFleet:
    """Start with `await fleet.start()` in a loop, or `fleet.start_in_thread()` from sync code."""

    def __init__(self, config: FleetConfig) -> None:
        self.config = config
        self.store = StateStore(config.state_dir)
        self.keys = KeyRing.single(bytes.fromhex(config.master_key), version=config.key_version)
        self._wall0, self._mono0 = time.time(), time.monotonic()
        self._offset = 0.0
        self.gateways: list[GatewayServer] = []
        self.buses: dict[int, Bus] = {}
        self._meters: list[SimMeter] = []
        self._background: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """True simulated time, Unix seconds: wall time at start, run at `speed`, plus advances."""
        return self._wall0 + (time.monotonic() - self._mono0) * self.config.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward; every meter consumes and bills the interval."""
        self._offset += seconds
        self.tick()

    def tick(self) -> None:
        now = self.now()
        for meter in self._meters:
            meter.advance_to(now)

    # -- life cycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        saved = self.store.load()
        cap = cents(Decimal(self.config.stored_credit_cap)) * MICRO_PER_FEN
        for gateway in self.config.gateways:
            buses = []
            for bus_config in gateway.buses:
                meters = {}
                for m in bus_config.meters:
                    meters[m.address] = SimMeter(
                        m,
                        seed=self.config.seed,
                        key=self.keys.meter_key(m.serial),
                        utc_offset_hours=self.config.utc_offset_hours,
                        credit_cap_micro=cap,
                        turnaround_s=m.turnaround_s
                        if m.turnaround_s is not None
                        else turnaround_for(self.config.seed, m.serial),
                        state=saved.get(m.serial),
                        now=self.now(),
                    )
                self._meters.extend(meters.values())
                buses.append(
                    Bus(
                        bus_config,
                        gateway,
                        meters,
                        clock=self.now,
                        time_scale=self.config.time_scale,
                        seed=self.config.seed,
                    )
                )
            server = GatewayServer(gateway, buses)
            await server.start()
            self.gateways.append(server)
            self.buses.update({bus.port: bus for bus in buses})
        self.tick()
        self._background = asyncio.create_task(self._run_background())
        log.info("simulator up: %s meters on %s buses", len(self._meters), len(self.buses))

    async def stop(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
            self._background = None
        for gateway in self.gateways:
            await gateway.stop()
        self.tick()
        self.save()

    async def _run_background(self) -> None:
        last_save = time.monotonic()
        while True:
            await asyncio.sleep(self.config.tick_s)
            self.tick()
            if time.monotonic() - last_save >= self.config.save_every_s:
                self.save()
                last_save = time.monotonic()

    def save(self) -> None:
        self.store.save({m.serial: m.state for m in self._meters})

    # -- inspection and fault injection -----------------------------------------------------
    def meter(self, port: int, address: int) -> SimMeter:
        return self.buses[port].meters[address]

    @property
    def ports(self) -> list[int]:
        return list(self.buses)

    def endpoints(self) -> list[dict[str, Any]]:
        """Where the running buses listen, for drivers and the demo's registry."""
        return [
            {
                "gateway": bus.gateway.name,
                "host": bus.gateway.host,
                "port": port,
                "bus_number": bus.config.number,
                "framing": bus.config.framing,
                "baud": bus.config.baud,
                "addresses": sorted(bus.meters),
                "serials": [bus.meters[a].serial for a in sorted(bus.meters)],
            }
            for port, bus in self.buses.items()
        ]

    def inject(self, port: int, address: int | None = None, **faults: Any) -> None:
        """Change faults of one meter (port and address) or of a whole bus (port only)."""
        bus = self.buses[port]
        if address is None:
            bus.faults = dataclasses.replace(bus.faults, **faults)
        else:
            meter = bus.meters[address]
            meter.faults = dataclasses.replace(meter.faults, **faults)

    def gateway(self, name: str) -> GatewayServer:
        return next(g for g in self.gateways if g.name == name)

    async def restart_gateway(self, name: str, down_s: float) -> None:
        """Close the gateway's sockets, stay down for down_s, reopen the same ports."""
        await self.gateway(name).restart(down_s)

    # -- running from synchronous code --------------------------------------------------------
    def start_in_thread(self) -> None:
        """Run the fleet on its own event loop in a daemon thread (for sync callers)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]

    def stop_in_thread(self) -> None:
        if self._thread is None or self.loop is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self._thread = None

    def call(self, coro) -> Any:
        """Run a coroutine on the fleet's thread loop and wait for its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()
