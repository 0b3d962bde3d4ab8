"""Meter simulator: an honest fleet of WK-PM1 meters behind Modbus gateways on localhost."""

from .config import (
    BusConfig,
    Faults,
    FleetConfig,
    GatewayConfig,
    MeterConfig,
    fleet_from_dict,
    fleet_from_registry,
    generate_fleet,
    load_config,
)
from .fleet import SimulatorFleet
from .meter import SimMeter
from .physics import exchange_seconds, hot_block_read_seconds, no_reply_seconds

__all__ = [
    "BusConfig",
    "Faults",
    "FleetConfig",
    "GatewayConfig",
    "MeterConfig",
    "SimMeter",
    "SimulatorFleet",
    "exchange_seconds",
    "fleet_from_dict",
    "fleet_from_registry",
    "generate_fleet",
    "hot_block_read_seconds",
    "load_config",
    "no_reply_seconds",
]
