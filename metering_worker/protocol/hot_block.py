"""The 32-register hot block (0x0000-0x001F) that every poll reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from shared_models.money import cents, energy_from_hundredths, money_from_cents

from .codes import MeterStatus, ResultCode, result_code
from .registers import (
    HOT_BLOCK_COUNT,
    MAP_VERSION,
    check_length,
    i16_to_reg,
    i32_to_regs,
    reg_to_i16,
    regs_to_i32,
    regs_to_u32,
    scaled,
    u16,
    u32_to_regs,
    units,
)

VOLT = Decimal("0.1")
AMP = Decimal("0.01")
PF = Decimal("0.001")
HERTZ = Decimal("0.01")
ENERGY = Decimal("0.01")

Triple = tuple[Decimal, Decimal, Decimal]
Quad = tuple[Decimal, Decimal, Decimal, Decimal]


@dataclass(frozen=True)
class HotBlock:
    """One meter's live values; money and energy as exact Decimals."""

    total_energy: Decimal  # kWh
    energy_by_rate: Quad  # rates 1-4: sharp 尖, peak 峰, flat 平, valley 谷
    voltage: Triple  # V, phases A, B, C
    current: Triple  # A
    power_w: int
    power_factor: Decimal
    frequency: Decimal  # Hz
    balance: Decimal  # yuan; negative = overdraft; 0 on remote-mode meters
    purchase_count: int
    status: MeterStatus
    active_rate: int
    last_sequence: int
    last_result: ResultCode | int
    clock: int  # meter clock, Unix seconds
    event_counter: int
    map_version: int = MAP_VERSION

    @property
    def clock_utc(self) -> datetime:
        return datetime.fromtimestamp(self.clock, tz=UTC)

    @property
    def relay_open(self) -> bool:
        return MeterStatus.RELAY_OPEN in self.status


def decode_hot_block(regs: Sequence[int]) -> HotBlock:
    """Decode registers 0x0000-0x001F."""
    check_length(regs, HOT_BLOCK_COUNT, "hot block")
    r = [int(v) for v in regs]
    return HotBlock(
        total_energy=energy_from_hundredths(regs_to_u32(r[0], r[1])),
        energy_by_rate=tuple(  # type: ignore[arg-type]
            energy_from_hundredths(regs_to_u32(r[2 + 2 * i], r[3 + 2 * i])) for i in range(4)
        ),
        voltage=(scaled(r[0x0B], VOLT), scaled(r[0x0C], VOLT), scaled(r[0x0D], VOLT)),
        current=(scaled(r[0x0E], AMP), scaled(r[0x0F], AMP), scaled(r[0x10], AMP)),
        power_w=regs_to_i32(r[0x11], r[0x12]),
        power_factor=scaled(reg_to_i16(r[0x13]), PF),
        frequency=scaled(r[0x14], HERTZ),
        balance=money_from_cents(regs_to_i32(r[0x15], r[0x16])),
        purchase_count=r[0x17],
        status=MeterStatus(r[0x18]),
        active_rate=r[0x19],
        last_sequence=r[0x1A],
        last_result=result_code(r[0x1B]),
        clock=regs_to_u32(r[0x1C], r[0x1D]),
        event_counter=r[0x1E],
        map_version=r[0x1F],
    )


def encode_hot_block(block: HotBlock) -> list[int]:
    """Registers 0x0000-0x001F for a HotBlock (the simulator's side of the map)."""
    regs = u32_to_regs(units(block.total_energy, ENERGY, "total energy"))
    for i, value in enumerate(block.energy_by_rate):
        regs += u32_to_regs(units(value, ENERGY, f"rate {i + 1} energy"))
    regs.append(0)  # 0x000A reserved
    regs += [u16(units(v, VOLT, "voltage"), "voltage") for v in block.voltage]
    regs += [u16(units(a, AMP, "current"), "current") for a in block.current]
    regs += i32_to_regs(block.power_w, "power")
    regs.append(i16_to_reg(units(block.power_factor, PF, "power factor"), "power factor"))
    regs.append(u16(units(block.frequency, HERTZ, "frequency"), "frequency"))
    regs += i32_to_regs(cents(block.balance), "balance")
    regs.append(u16(block.purchase_count, "purchase count"))
    regs.append(u16(int(block.status), "status"))
    regs.append(u16(block.active_rate, "active rate"))
    regs.append(u16(block.last_sequence, "last sequence"))
    regs.append(u16(int(block.last_result), "last result"))
    regs += u32_to_regs(block.clock, "clock")
    regs.append(u16(block.event_counter, "event counter"))
    regs.append(u16(block.map_version, "map version"))
    return regs
