"""Fleet configuration: gateways, buses, meters and faults, from files, generators or registry rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from metering_worker.demo_key import DEMO_MASTER_KEY
from shared_models.enums import Framing

FRAMINGS = (Framing.MODBUS_TCP, Framing.RTU_OVER_TCP)  # what a simulated gateway port speaks
# The registry's spelling (shared_models.enums.Framing) maps onto the simulator's.
# Older fleet files spelled the framings "tcp" and "rtu"; they still load.
FRAMING_ALIASES = {"tcp": Framing.MODBUS_TCP, "rtu": Framing.RTU_OVER_TCP}
MODES = ("local", "remote")
PROFILE_NAMES = ("home", "shop", "office")


@dataclass(frozen=True)
class Faults:
    """Injected misbehaviour; on a bus it applies to every meter on it."""

    dead: bool = False  # never replies
    extra_turnaround_s: float = 0.0  # slow meter
    garbled_rate: float = 0.0  # share of replies with a bad CRC (RTU) or wrong length (TCP)
    timeout_rate: float = 0.0  # share of exchanges that get no reply
    clock_drift_ppm: float = 0.0
    clock_offset_s: float = 0.0
    extra_load_w: int = 0  # e.g. to force an overload trip


@dataclass(frozen=True)
class MeterConfig:
    address: int
    serial: str
    mode: str = "local"  # local: the meter keeps a wallet (本地费控); remote: the server does
    profile: str = "home"
    turnaround_s: float | None = None  # None: 20-100 ms from the fleet seed and the serial
    faults: Faults = Faults()


@dataclass(frozen=True)
class BusConfig:
    port: int = 0  # 0: an ephemeral port, reported by the running fleet
    number: int = 1
    framing: Framing = Framing.MODBUS_TCP  # Modbus TCP to the gateway, or RTU over TCP
    baud: int = 9600
    bits_per_char: int = 11
    meters: tuple[MeterConfig, ...] = ()
    faults: Faults = Faults()


@dataclass(frozen=True)
class GatewayConfig:
    name: str
    host: str = "127.0.0.1"
    buses: tuple[BusConfig, ...] = ()
    reply_timeout_s: float = 0.5  # how long the gateway holds the bus for a silent meter
    # A dead meter gets no answer at all ("silent"), or Modbus exception 0x0B from the
    # gateway after its own timeout ("exception"; Modbus TCP framing only).
    dead_reply: str = "silent"


@dataclass(frozen=True)
class FleetConfig:
    gateways: tuple[GatewayConfig, ...] = ()
    seed: int = 1
    time_scale: float = 1.0  # multiplies bus delays; 0 answers at once
    speed: float = 1.0  # simulated seconds per real second for consumption; 0 freezes time
    state_dir: str | None = None
    save_every_s: float = 10.0
    tick_s: float = 1.0
    utc_offset_hours: int = 8  # meters keep local time (Asia/Shanghai by default)
    master_key: str = DEMO_MASTER_KEY  # hex, 24 bytes: the site master key for MACs
    key_version: int = 1
    stored_credit_cap: str = "50000.00"  # yuan; a recharge above it reports LIMIT

    def buses(self) -> Iterable[tuple[GatewayConfig, BusConfig]]:
        for gateway in self.gateways:
            for bus in gateway.buses:
                yield gateway, bus

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_framing(value: object) -> Framing:
    """The registry's framing (`shared_models.enums.Framing`) from a fleet file or argument."""
    text = str(getattr(value, "value", value)).lower()
    return FRAMING_ALIASES.get(text) or Framing(text)


def _build(cls, data: Mapping[str, Any]):
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")
    return cls(**data)


def fleet_from_dict(data: Mapping[str, Any]) -> FleetConfig:
    gateways = []
    for g in data.get("gateways", ()):
        buses = []
        for b in g.get("buses", ()):
            meters = tuple(
                _build(MeterConfig, {**m, "faults": _build(Faults, m.get("faults", {}))})
                for m in b.get("meters", ())
            )
            faults = _build(Faults, b.get("faults", {}))
            framing = parse_framing(b.get("framing", Framing.MODBUS_TCP))
            buses.append(
                _build(BusConfig, {**b, "meters": meters, "faults": faults, "framing": framing})
            )
        gateways.append(_build(GatewayConfig, {**g, "buses": tuple(buses)}))
    return validate(_build(FleetConfig, {**data, "gateways": tuple(gateways)}))


def load_config(path: str | Path) -> FleetConfig:
    """A fleet from JSON, or YAML when PyYAML is installed."""
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith((".yaml", ".yml")):
        import yaml  # optional: only needed for YAML files

        return fleet_from_dict(yaml.safe_load(text))
    return fleet_from_dict(json.loads(text))


def validate(config: FleetConfig) -> FleetConfig:
    ports: set[int] = set()
    for _gateway, bus in config.buses():
        if bus.framing not in FRAMINGS:
            raise ValueError(f"bus {bus.number}: framing must be one of {FRAMINGS}")
        if bus.port and bus.port in ports:
            raise ValueError(f"port {bus.port} is used by two buses")
        ports.add(bus.port)
        if len(bus.meters) > 32:
            raise ValueError(f"bus {bus.number} has {len(bus.meters)} meters; at most 32")
        addresses = [m.address for m in bus.meters]
        if len(set(addresses)) != len(addresses) or not all(1 <= a <= 247 for a in addresses):
            raise ValueError(f"bus {bus.number}: addresses must be unique and 1-247")
        for meter in bus.meters:
            if meter.mode not in MODES or meter.profile not in PROFILE_NAMES:
                raise ValueError(f"meter {meter.serial}: bad mode or profile")
    return config


def generate_fleet(
    meters: int,
    *,
    per_bus: int = 32,
    base_port: int = 5020,
    host: str = "127.0.0.1",
    buses_per_gateway: int = 4,
    framing: Framing | str = Framing.MODBUS_TCP,  # or "mixed": alternate per bus
    mode: str = "mixed",
    **options: Any,
) -> FleetConfig:
    """A big fleet: consecutive ports from base_port (0 for ephemeral), 32 meters a bus."""
    per_bus = max(1, min(per_bus, 32))
    bus_count = -(-meters // per_bus)
    gateways: list[GatewayConfig] = []
    index = 0
    for b in range(bus_count):
        size = min(per_bus, meters - b * per_bus)
        metas = []
        for a in range(1, size + 1):
            index += 1
            meter_mode = mode if mode in MODES else MODES[index % 2]
            profile = PROFILE_NAMES[index % len(PROFILE_NAMES)]
            metas.append(MeterConfig(a, f"24{index:010d}", meter_mode, profile))
        bus_framing = FRAMINGS[b % 2] if framing == "mixed" else parse_framing(framing)
        port = base_port + b if base_port else 0
        bus = BusConfig(port, b % buses_per_gateway + 1, bus_framing, meters=tuple(metas))
        if b % buses_per_gateway == 0:
            gateways.append(GatewayConfig(f"gw{len(gateways) + 1}", host))
        gateways[-1] = replace(gateways[-1], buses=gateways[-1].buses + (bus,))
    return validate(FleetConfig(gateways=tuple(gateways), **options))


def fleet_from_registry(rows: Iterable[Mapping[str, Any]], **options: Any) -> FleetConfig:
    """A fleet from plain dicts, one per meter, as the demo reads them from the database.

    Keys: gateway_host, gateway_port (first bus port when bus_port is absent), bus_number,
    bus_port, address, serial, control_mode; optional gateway_name, framing, baud, profile.
    """
    grouped: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        host = str(row.get("gateway_host") or "127.0.0.1")
        number = int(row.get("bus_number") or 1)
        port = row.get("bus_port") or int(row.get("gateway_port") or 0) + number - 1
        key = (host, int(port))
        bus = grouped.setdefault(key, {
            "gateway": str(row.get("gateway_name") or f"{host}:{row.get('gateway_port', port)}"),
            "number": number,
            "framing": parse_framing(row.get("framing") or Framing.MODBUS_TCP),
            "baud": int(row.get("baud") or 9600),
            "meters": [],
        })
        bus["meters"].append(MeterConfig(
            address=int(row["address"]),
            serial=str(row["serial"]),
            mode=str(row.get("control_mode") or "local"),
            profile=str(row.get("profile") or PROFILE_NAMES[len(bus["meters"]) % 3]),
        ))
    by_gateway: dict[tuple[str, str], list[BusConfig]] = {}
    for (host, port), bus in sorted(grouped.items()):
        meters = tuple(sorted(bus["meters"], key=lambda m: m.address))
        cfg = BusConfig(port, bus["number"], bus["framing"], bus["baud"], meters=meters)
        by_gateway.setdefault((bus["gateway"], host), []).append(cfg)
    gateways = tuple(
        GatewayConfig(name=name, host=host, buses=tuple(buses))
        for (name, host), buses in by_gateway.items()
    )
    return validate(FleetConfig(gateways=gateways, **options))


__all__ = [
    "BusConfig",
    "Faults",
    "FleetConfig",
    "GatewayConfig",
    "MeterConfig",
    "fleet_from_dict",
    "fleet_from_registry",
    "generate_fleet",
    "load_config",
]
