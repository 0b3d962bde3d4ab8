"""CLI: python -m metering_worker.simulator --config fleet.json | --meters 90 [--per-bus 32]."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence

from shared_models.enums import Framing

from .config import FRAMINGS, FleetConfig, generate_fleet, load_config
from .fleet import SimulatorFleet

log = logging.getLogger("metering_worker.simulator")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m metering_worker.simulator", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", help="fleet file (.json, or .yaml with PyYAML)")
    source.add_argument("--meters", type=int, help="generate a fleet of this many meters")
    parser.add_argument("--per-bus", type=int, default=32)
    parser.add_argument("--base-port", type=int, default=5020, help="0 for ephemeral ports")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--buses-per-gateway", type=int, default=4)
    parser.add_argument("--framing", choices=[*(f.value for f in FRAMINGS), "mixed"],
                        default=Framing.MODBUS_TCP.value)
    parser.add_argument("--mode", choices=["local", "remote", "mixed"], default="mixed")
    parser.add_argument("--time-scale", type=float, help="bus delay multiplier; 0 = instant")
    parser.add_argument("--speed", type=float, help="simulated seconds per real second")
    parser.add_argument("--state-dir", help="where meter state persists across restarts")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--print-config", action="store_true", help="print the fleet and exit")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> FleetConfig:
    overrides = {
        key: value
        for key, value in {
            "time_scale": args.time_scale,
            "speed": args.speed,
            "state_dir": args.state_dir,
            "seed": args.seed,
        }.items()
        if value is not None
    }
    if args.config:
        from dataclasses import replace

        return replace(load_config(args.config), **overrides)
    return generate_fleet(
        args.meters,
        per_bus=args.per_bus,
        base_port=args.base_port,
        host=args.host,
        buses_per_gateway=args.buses_per_gateway,
        framing=args.framing,
        mode=args.mode,
        **{"state_dir": "instance/simulator", **overrides},
    )


async def serve(config: FleetConfig) -> None:
    fleet = SimulatorFleet(config)
    await fleet.start()
    print(json.dumps({"endpoints": fleet.endpoints()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await fleet.stop()
        log.info("simulator stopped, state saved")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    config = build_config(args)
    if args.print_config:
        json.dump(config.to_dict(), sys.stdout, indent=2)
        print()
        return 0
    asyncio.run(serve(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
